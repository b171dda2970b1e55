"""The cross-tenant wall under the two roles of docs/operations.md.

A database of its own, owned by an owner role that migrates (``myynti init``) and
used by an app role that may only read and write rows, set up with the SQL of the
operator's guide. The app role cannot cross tenants by setting
``app.all_tenants`` itself, nor read or add the keys that let it; the app's own
cross-tenant paths (the platform admin's page, the worker's claim, the outbox
sweep), which bring the installation's key, still work as that role.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import webtest
from click.testing import CliRunner
from sqlalchemy import Engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from core.app import make_config
from core.cli import Runtime, main
from core.db import (
    AllTenantsRefused,
    TenantSession,
    all_tenants,
    all_tenants_key,
    make_engine,
    set_tenant,
)
from core.jobs import PING, enqueue
from core.jobs.outbox import sweep
from core.jobs.worker import process
from core.models import Job, JobState, Membership, Role, Tenant, User
from core.passwords import hash_password
from core.plugins import PluginRegistry
from core.schema import UnknownAllTenantsKey, upgrade
from core.testing import PASSWORD, TEST_DATABASE_ENV, drop_scratch
from plugins.campaigns.batches import refresh_statistics

SECRET = "rls-roles-" + "s" * 40
ADMIN = "root@platform.example"

GUIDE = Path(__file__).parents[1] / "docs" / "operations.md"


def guide_set_up(owner: str, app: str, name: str) -> tuple[list[str], str]:
    """The guide's SQL of the two roles, for these names: the server's part, the database's."""
    found = re.search(r"Recommended: two roles.*?```sql\n(.*?)```", GUIDE.read_text(), re.S)
    assert found, f"{GUIDE} no longer shows the two roles' SQL"
    sql = found.group(1)
    for word, value in (("myynti_owner", owner), ("myynti_app", app), ("myynti", name)):
        sql = re.sub(rf"\b{word}\b", value, sql)
    server, database = sql.split(f"\\connect {name}\n")
    return [line for line in server.strip().splitlines() if line], database


@pytest.fixture(scope="module")
def urls() -> Iterator[dict[str, str]]:
    """The owner's and the app role's URLs of a new database, dropped afterwards."""
    admin_url = os.environ.get(TEST_DATABASE_ENV)
    if not admin_url or make_url(admin_url).get_backend_name() != "postgresql":
        pytest.skip("row-level security exists on PostgreSQL only (MYYNTI_TEST_DATABASE_URL)")
    name = f"myynti_test_rls_{uuid.uuid4().hex[:8]}"
    owner, app = f"{name}_owner", f"{name}_app"
    server, database = guide_set_up(owner, app, name)
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for statement in server:
            conn.exec_driver_sql(statement)
    url = make_url(admin_url)
    in_database = make_engine(url.set(database=name), isolation_level="AUTOCOMMIT")
    with in_database.connect() as conn:
        conn.exec_driver_sql(database)
    in_database.dispose()
    try:
        yield {
            role: url.set(database=name, username=user, password=None).render_as_string(False)
            for role, user in (("owner", owner), ("app", app))
        }
    finally:
        drop_scratch(admin, name, app, owner)


def settings(url: str, data_dir: Path) -> dict[str, str]:
    return {
        "sqlalchemy.url": url,
        "myynti.data_dir": str(data_dir),
        "myynti.secret": SECRET,
        "myynti.default_locale": "en",
        "myynti.worker_threads": "0",
        "myynti.job_stale_after": "0",
    }


def myynti(registry: PluginRegistry, ini_settings: dict[str, str], *args: str) -> Any:
    """Run the ``myynti`` command with ``ini_settings`` as its configuration."""
    ini = Path(ini_settings["myynti.data_dir"]) / f"{uuid.uuid4().hex}.ini"
    ini.parent.mkdir(parents=True, exist_ok=True)
    ini.write_text(
        "[app:main]\nuse = egg:myynti\n"
        + "".join(f"{key} = {value}\n" for key, value in ini_settings.items())
    )
    env = {var: None for var in os.environ if var.startswith("MYYNTI_")}
    return CliRunner().invoke(
        main, ["--config", str(ini), *args], obj=Runtime(lambda: registry), env=env
    )


@pytest.fixture(scope="module")
def installed(
    urls: dict[str, str], myynti_registry: PluginRegistry, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """``myynti init`` as the owner; tenants A and B, a member of each, a platform admin."""
    data_dir = tmp_path_factory.mktemp("rls-roles")
    result = myynti(myynti_registry, settings(urls["owner"], data_dir), "init")
    assert result.exit_code == 0, result.output
    owner = make_engine(urls["owner"])
    ids: dict[str, Any] = {"data_dir": data_dir}
    with TenantSession(bind=owner) as db, all_tenants(db), db.begin():
        admin = User(
            email=ADMIN, name="Root", password_hash=hash_password(PASSWORD), platform_admin=True
        )
        db.add(admin)
        for key in ("a", "b"):
            tenant = Tenant(slug=f"rls-{key}", name=f"RLS {key.upper()} Oy", licence={})
            member = User(
                email=f"{key}@rls.example", name=key, password_hash=hash_password(PASSWORD)
            )
            db.add_all([tenant, member])
            db.flush()
            db.add(Membership(tenant_id=tenant.id, user_id=member.id, role=Role.MEMBER))
            ids[key] = tenant.id
        db.add(Membership(tenant_id=ids["a"], user_id=admin.id, role=Role.ADMIN))
    owner.dispose()
    return ids


@pytest.fixture
def app_engine(urls: dict[str, str], installed: dict[str, Any]) -> Iterator[Engine]:
    """The app role, without the installation's key: what an injected statement has."""
    engine = make_engine(urls["app"])
    yield engine
    engine.dispose()


def memberships_seen(engine: Engine, tenant: int | None, everyone: str) -> set[int]:
    """The tenants whose memberships a transaction of ``engine`` sees, settings by hand."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "SELECT set_config('app.tenant_id', :tenant, true),"
                " set_config('app.all_tenants', :everyone, true)"
            ),
            {"tenant": "" if tenant is None else str(tenant), "everyone": everyone},
        )
        return set(conn.scalars(text("SELECT tenant_id FROM membership")))


def test_the_app_role_cannot_cross_tenants_by_setting_it(
    app_engine: Engine, installed: dict[str, Any]
) -> None:
    a, b = installed["a"], installed["b"]
    assert memberships_seen(app_engine, a, "off") == {a}

    assert memberships_seen(app_engine, a, "on") == {a}
    assert memberships_seen(app_engine, None, "on") == set()
    assert memberships_seen(app_engine, None, all_tenants_key("a guessed secret")) == set()

    with app_engine.begin() as conn:
        conn.execute(
            text(
                "SELECT set_config('app.tenant_id', :a, true),"
                " set_config('app.all_tenants', 'on', true)"
            ),
            {"a": str(a)},
        )
        with pytest.raises(DBAPIError, match="row-level security"), conn.begin_nested():
            conn.execute(
                text("INSERT INTO team (tenant_id, name, created_at) VALUES (:b, 'In', now())"),
                {"b": b},
            )


def test_the_app_role_cannot_read_add_or_replace_the_keys(app_engine: Engine) -> None:
    attempts = [
        "SELECT count(*) FROM myynti_private.cross_tenant_key",
        "INSERT INTO myynti_private.cross_tenant_key (digest) VALUES (sha256('x'))",
        "CREATE OR REPLACE FUNCTION myynti_all_tenants() RETURNS boolean"
        " LANGUAGE sql AS 'SELECT true'",
        "CREATE OR REPLACE FUNCTION myynti_all_tenants_allowed(role name, key text)"
        " RETURNS boolean LANGUAGE sql AS 'SELECT true'",
    ]
    with app_engine.connect() as conn:
        for statement in attempts:
            denied = pytest.raises(DBAPIError, match="permission denied|must be owner")
            with denied, conn.begin():
                conn.exec_driver_sql(statement)


def test_the_app_role_without_the_key_is_told_so(app_engine: Engine) -> None:
    refused = pytest.raises(AllTenantsRefused, match="myynti init")
    with TenantSession(bind=app_engine) as db, db.begin(), refused, all_tenants(db):
        db.scalars(select(Membership)).all()


def test_the_platform_page_counts_every_tenants_members_as_the_app_role(
    urls: dict[str, str], installed: dict[str, Any], myynti_registry: PluginRegistry
) -> None:
    config = make_config(settings(urls["app"], installed["data_dir"]), registry=myynti_registry)
    app = webtest.TestApp(config.make_wsgi_app(), extra_environ={"REMOTE_ADDR": "192.0.2.10"})
    form = app.get("/login").forms["login-form"]
    form["email"], form["password"] = ADMIN, PASSWORD
    assert form.submit().status_int == 303

    page = app.get("/platform/tenants")

    rows = {
        row["data-tenant"]: [td.get_text(strip=True) for td in row.select("td")]
        for row in page.html.select("tbody tr")
    }
    assert rows["rls-a"][:4] == ["rls-a", "RLS A Oy", "Active", "2"]
    assert rows["rls-b"][:4] == ["rls-b", "RLS B Oy", "Active", "1"]
    config.registry.db_engine.dispose()


def test_the_worker_and_the_sweep_cross_tenants_as_the_app_role(
    urls: dict[str, str], installed: dict[str, Any], myynti_registry: PluginRegistry
) -> None:
    config = make_config(settings(urls["app"], installed["data_dir"]), registry=myynti_registry)
    queue = config.registry.myynti_jobs
    with queue.session() as db, db.begin():
        set_tenant(db, installed["b"])
        job_id = enqueue(db, installed["b"], PING)

    with queue.session() as db, db.begin():
        assert sweep(db) >= 1  # stale at once (job_stale_after 0): the sweep found it
    claimed, done = process(queue, [job_id])

    assert (claimed, done) == (1, [job_id])
    owner = make_engine(urls["owner"])
    with TenantSession(bind=owner) as db, all_tenants(db):
        assert db.get(Job, job_id).state == JobState.DONE
    owner.dispose()
    config.registry.db_engine.dispose()


def test_init_as_the_app_role_needs_the_owner_to_know_its_key(
    urls: dict[str, str], installed: dict[str, Any], myynti_registry: PluginRegistry
) -> None:
    """``myynti serve`` upgrades as the app role: fine with the key ``init`` registered."""
    app = make_engine(urls["app"], all_tenants_key=all_tenants_key(SECRET))
    upgrade(app, myynti_registry)
    app.dispose()

    other = settings(urls["app"], installed["data_dir"]) | {"myynti.secret": "x" * 48}
    result = myynti(myynti_registry, other, "init")

    assert result.exit_code == 1
    assert "myynti init` as the role that owns the tables" in result.stderr
    assert isinstance(result.exception, SystemExit)
    lone = make_engine(urls["app"], all_tenants_key=all_tenants_key("x" * 48))
    with pytest.raises(UnknownAllTenantsKey):
        upgrade(lone, myynti_registry)
    lone.dispose()


def test_a_finished_launch_analyzes_the_tables_it_filled_as_the_app_role(
    app_engine: Engine,
) -> None:
    """``ANALYZE`` needs the tables' owner: as the app role it only warns and does nothing.

    A finished campaign launch refreshes the statistics of its targets and tasks
    through the owner's ``myynti_campaigns_analyze()``, which the app role may call.
    """
    statistics = text(
        "SELECT relname, reltuples FROM pg_class"
        " WHERE relname IN ('campaign_target', 'task') AND relkind = 'r' ORDER BY relname"
    )
    with app_engine.begin() as conn:
        assert conn.execute(statistics).all() == [("campaign_target", -1), ("task", -1)]
        conn.exec_driver_sql("ANALYZE campaign_target, task")
        assert conn.execute(statistics).all() == [("campaign_target", -1), ("task", -1)]
        refresh_statistics(conn)
        assert conn.execute(statistics).all() == [("campaign_target", 0), ("task", 0)]
