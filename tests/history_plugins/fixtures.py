"""An app whose plugins are core and the ``records`` test plugin, for history and attachments."""

from collections.abc import Iterator
from typing import Any

import pytest
import webtest

from core.app import make_config
from core.plugins import CORE_PLUGIN, PluginRegistry
from tests.history_plugins.records import plugin as records_plugin


@pytest.fixture(scope="module")
def records_registry() -> PluginRegistry:
    return PluginRegistry([CORE_PLUGIN, records_plugin])


@pytest.fixture(scope="module")
def records_wsgi(app_settings, records_registry, db_engine) -> Any:
    return make_config(app_settings, registry=records_registry, engine=db_engine).make_wsgi_app()


@pytest.fixture
def records_app(records_wsgi, db_connection) -> Iterator[webtest.TestApp]:
    factory = records_wsgi.registry.db_factory
    factory.configure(bind=db_connection, join_transaction_mode="create_savepoint")
    yield webtest.TestApp(records_wsgi, extra_environ={"REMOTE_ADDR": "192.0.2.20"})
    factory.configure(bind=records_wsgi.registry.db_engine)


@pytest.fixture
def two_tenants(db, make_tenant, make_user, myynti_registry, records_registry) -> dict[str, Any]:
    """Tenants A and B with the records plugin, a member and a team each."""
    from core.db import all_tenants
    from core.licensing import enable_plugin
    from core.models import Team

    result: dict[str, Any] = {}
    for slug in ("alpha", "beta"):
        tenant = make_tenant(slug, f"{slug.title()} Oy")
        enable_plugin(db, records_registry, tenant, "records")
        with all_tenants(db):
            team = Team(tenant_id=tenant.id, name=f"Team {slug}")
            db.add(team)
            db.flush()
        make_user(f"user@{slug}.example", tenant=tenant)
        result[slug] = {"tenant": tenant, "team": team}
    return result
