"""An app whose plugins are core, ``alpha``, ``beta`` and ``gamma``, and a platform admin."""

from collections.abc import Iterator
from typing import Any

import pytest
import webtest

from core.app import make_config
from core.plugins import CORE_PLUGIN, PluginRegistry
from core.testing import app_in_transaction
from tests.platform_plugins import SETUP_CALLS
from tests.platform_plugins.alpha import plugin as alpha
from tests.platform_plugins.beta import plugin as beta
from tests.platform_plugins.gamma import plugin as gamma

ADMIN = "root@platform.example"


@pytest.fixture(scope="module")
def platform_registry() -> PluginRegistry:
    return PluginRegistry([CORE_PLUGIN, gamma, beta, alpha])


@pytest.fixture(scope="module")
def platform_wsgi(app_settings, platform_registry, db_engine) -> Any:
    return make_config(app_settings, registry=platform_registry, engine=db_engine).make_wsgi_app()


@pytest.fixture
def platform_app(platform_wsgi, db_connection) -> Iterator[webtest.TestApp]:
    with app_in_transaction(platform_wsgi, db_connection, "192.0.2.30") as app:
        yield app


@pytest.fixture
def second_browser(platform_wsgi, platform_app) -> webtest.TestApp:
    """Another browser on ``platform_app`` (own cookies), e.g. a member beside the admin."""
    return webtest.TestApp(platform_wsgi, extra_environ={"REMOTE_ADDR": "192.0.2.31"})


@pytest.fixture
def setup_calls() -> Iterator[list[tuple[str, str]]]:
    """``(plugin, tenant slug)`` of every ``myynti_tenant_setup`` call in the test."""
    SETUP_CALLS.clear()
    yield SETUP_CALLS
    SETUP_CALLS.clear()


@pytest.fixture
def platform_admin(make_user) -> Any:
    """A platform admin who is a member of no tenant."""
    return make_user(ADMIN, platform_admin=True)
