"""Pytest fixtures for core and for any plugin's test suite (a pytest plugin).

A plugin's ``conftest.py`` says ``pytest_plugins = ["core.testing"]`` and its
tests use ``db``, ``webapp``, ``make_tenant``, ``make_user`` and ``login``
without copying them; ``job_db`` and :func:`run_jobs` run the jobs a test's
requests queued, as a worker would, inside the test's transaction. (Not a
``pytest11`` entry point: pytest would then rewrite every module of the
distribution, and Pyramid's asset lookup cannot read templates through
pytest's import hook.)

The database is made once per test session (per xdist worker): a SQLite file in
a temporary folder, or, when ``MYYNTI_TEST_DATABASE_URL`` names a PostgreSQL
server, a new database with a new role that is neither superuser nor bypasses
row-level security. Every test runs inside a transaction that is rolled back.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import pytest
import webtest
from sqlalchemy import Connection, Engine, select
from sqlalchemy.engine import make_url

from core import db as core_db
from core.app import make_config
from core.jobs.outbox import QUEUE_KEY
from core.licensing import enable_plugin
from core.models import (
    Job,
    JobState,
    Membership,
    Role,
    Team,
    TeamMember,
    Tenant,
    User,
    as_utc,
    utcnow,
)
from core.passwords import hash_password
from core.plugins import PluginRegistry
from core.schema import upgrade

PASSWORD = "correct horse battery"  # noqa: S105 - the test users' password
TEST_DATABASE_ENV = "MYYNTI_TEST_DATABASE_URL"


@pytest.fixture(scope="session")
def myynti_registry() -> PluginRegistry:
    """Every plugin installed in this environment."""
    return PluginRegistry.from_environment()


@pytest.fixture(scope="session")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of this session's own, empty database."""
    admin_url = os.environ.get(TEST_DATABASE_ENV)
    if not admin_url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
        return
    with PostgresScratchDatabase(admin_url) as url:
        yield url


@pytest.fixture(scope="session")
def db_engine(db_url: str, myynti_registry: PluginRegistry) -> Iterator[Engine]:
    engine = core_db.make_engine(db_url)
    upgrade(engine, myynti_registry)
    yield engine
    engine.dispose()


@pytest.fixture
def db_connection(db_engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that is rolled back after the test."""
    with db_engine.connect() as connection:
        outer = connection.begin()
        yield connection
        outer.rollback()


@pytest.fixture
def db(db_connection: Connection) -> Iterator[core_db.TenantSession]:
    """A session for the test's own set-up and checks; ``commit`` releases a savepoint."""
    session = core_db.TenantSession(bind=db_connection, join_transaction_mode="create_savepoint")
    yield session
    session.close()


@pytest.fixture(scope="session")
def app_settings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data_dir = tmp_path_factory.mktemp("data")
    # Tests read English; the Finnish pages are tested by asking for fi explicitly.
    return {
        "myynti.data_dir": str(data_dir),
        "myynti.secret": "test-secret-" + "x" * 32,
        "myynti.default_locale": "en",
        # Jobs stay in the outbox and the in-memory broker: no worker thread reads
        # the rows of a test's rolled-back transaction. Job tests run workers of their own.
        "myynti.worker_threads": "0",
    }


@pytest.fixture(scope="session")
def wsgi_app(
    app_settings: dict[str, Any], myynti_registry: PluginRegistry, db_engine: Engine
) -> Any:
    config = make_config(app_settings, registry=myynti_registry, engine=db_engine)
    return config.make_wsgi_app()


@pytest.fixture
def webapp(wsgi_app: Any, db_connection: Connection) -> Iterator[webtest.TestApp]:
    """The app, its requests inside the test's transaction."""
    with app_in_transaction(wsgi_app, db_connection) as app:
        yield app


@pytest.fixture(scope="session")
def other_wsgi_app(
    app_settings: dict[str, Any], myynti_registry: PluginRegistry, db_engine: Engine
) -> Any:
    """A second web process: the same code and database, caches of its own."""
    return make_config(app_settings, registry=myynti_registry, engine=db_engine).make_wsgi_app()


@pytest.fixture
def other_process(other_wsgi_app: Any, db_connection: Connection) -> Iterator[webtest.TestApp]:
    """``webapp``'s twin in another process: what one caches, the other does not see."""
    with app_in_transaction(other_wsgi_app, db_connection) as app:
        yield app


@contextmanager
def app_in_transaction(
    wsgi_app: Any, connection: Connection, remote_addr: str = "192.0.2.10"
) -> Iterator[webtest.TestApp]:
    """A TestApp of any app ``make_config`` built, its requests inside ``connection``.

    For a test's own app, e.g. one made from a registry of test plugins::

        @pytest.fixture
        def my_app(my_wsgi, db_connection):
            with app_in_transaction(my_wsgi, db_connection) as app:
                yield app
    """
    factory = wsgi_app.registry.db_factory
    factory.configure(bind=connection, join_transaction_mode="create_savepoint")
    app = _SettingsKept(wsgi_app, connection)
    try:
        yield webtest.TestApp(app, extra_environ={"REMOTE_ADDR": remote_addr})
    finally:
        factory.configure(
            bind=wsgi_app.registry.db_engine, join_transaction_mode="conditional_savepoint"
        )


_READ_SETTINGS = (
    "SELECT coalesce(current_setting('app.tenant_id', true), ''),"
    " coalesce(current_setting('app.all_tenants', true), '')"
)
_PUT_SETTINGS = (
    "SELECT set_config('app.tenant_id', %s, true), set_config('app.all_tenants', %s, true)"
)
#: What a commit does to the tenants' data versions (``core.schema``'s deferred triggers),
#: done now: the test's transaction never commits.
_AS_AT_COMMIT = (
    "SET CONSTRAINTS ALL IMMEDIATE; SET CONSTRAINTS ALL DEFERRED;"
    " SELECT set_config('myynti.data_changed', '', true)"
)


class _SettingsKept:
    """The app with PostgreSQL's tenant settings as they were after each request.

    In production a request's transaction ends and its settings with it; here it
    is a savepoint of the test's transaction, and releasing one (every request
    commits) would leave the request's tenant in force for the test's own
    session. Read and put back on the driver's cursor, so that tests counting a
    request's statements see only the app's. The tenants' data versions are moved
    before and after each request as a commit would move them, for the test's own
    writes and the request's.
    """

    def __init__(self, app: Any, connection: Connection) -> None:
        self.app = app
        self.registry = app.registry
        self.connection = connection

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if self.connection.dialect.name != "postgresql":
            return self.app(environ, start_response)
        cursor = self.connection.connection.cursor()
        cursor.execute(_AS_AT_COMMIT)
        cursor.execute(_READ_SETTINGS)
        settings = cursor.fetchone()
        try:
            return list(self.app(environ, start_response))
        finally:
            cursor.execute(_AS_AT_COMMIT)
            cursor.execute(_PUT_SETTINGS, settings)
            cursor.close()


@pytest.fixture
def make_tenant(db: core_db.TenantSession, myynti_registry: PluginRegistry) -> Any:
    """``make_tenant(slug, plugins=[...])``: a tenant with the named plugins enabled."""

    def make(slug: str, name: str | None = None, plugins: tuple[str, ...] = ()) -> Tenant:
        tenant = Tenant(slug=slug, name=name or slug.title(), licence={})
        db.add(tenant)
        db.flush()
        for plugin in plugins:
            enable_plugin(db, myynti_registry, tenant, plugin, with_dependencies=True)
        db.flush()
        return tenant

    return make


@pytest.fixture
def make_user(db: core_db.TenantSession) -> Any:
    """``make_user(email, tenant=..., role=...)``: a user and membership; password ``PASSWORD``."""

    def make(
        email: str,
        tenant: Tenant | None = None,
        role: str = Role.MEMBER,
        platform_admin: bool = False,
        name: str = "",
        teams: tuple[Team, ...] = (),
    ) -> User:
        user = db.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(
                email=email,
                name=name or email.split("@")[0].title(),
                password_hash=_hashed(PASSWORD),
                platform_admin=platform_admin,
            )
            db.add(user)
            db.flush()
        if tenant is not None:
            with core_db.all_tenants(db):
                db.add(Membership(tenant_id=tenant.id, user_id=user.id, role=role))
                for team in teams:
                    db.add(TeamMember(tenant_id=tenant.id, team_id=team.id, user_id=user.id))
                db.flush()
        return user

    return make


@pytest.fixture
def login() -> Any:
    """``login(webapp, email)``: sign in through the login form."""

    def sign_in(app: webtest.TestApp, email: str, password: str = PASSWORD) -> webtest.TestResponse:
        form = app.get("/login").forms["login-form"]
        form["email"] = email
        form["password"] = password
        response = form.submit()
        assert response.status_int == 303, response.text[:2000]
        return response

    return sign_in


def csrf_token(app: webtest.TestApp) -> str:
    """The CSRF token of ``app``'s cookie jar (a page has been fetched before)."""
    return app.cookies["myynti_csrf"]


@cache
def _hashed(password: str) -> str:
    return hash_password(password)


class PostgresScratchDatabase:
    """A fresh database owned by a fresh non-superuser role, dropped afterwards."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = make_url(admin_url)
        suffix = re.sub(r"\W", "", os.environ.get("PYTEST_XDIST_WORKER", "")) + uuid.uuid4().hex[:8]
        self.name = f"myynti_test_{suffix}"
        self.role = f"myynti_app_{suffix}"

    def __enter__(self) -> str:
        self.admin = core_db.make_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE ROLE {self.role} LOGIN NOSUPERUSER NOBYPASSRLS")
            conn.exec_driver_sql(f"CREATE DATABASE {self.name} OWNER {self.role}")
        return self.admin_url.set(
            database=self.name, username=self.role, password=None
        ).render_as_string(hide_password=False)

    def __exit__(self, *exc: object) -> None:
        drop_scratch(self.admin, self.name, self.role)


def drop_scratch(admin: Engine, database: str, *roles: str) -> None:
    """Drop a scratch ``database`` and its ``roles`` through ``admin``, then dispose of it.

    Roles go after the database, which may be owned by one of them; ``FORCE``
    ends connections a failed test or benchmark left open.
    """
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        for role in roles:
            conn.exec_driver_sql(f"DROP ROLE IF EXISTS {role}")
    admin.dispose()


@pytest.fixture
def job_db(
    db: core_db.TenantSession, db_connection: Connection, wsgi_app: Any
) -> Iterator[core_db.TenantSession]:
    """A session as a job receives it (it knows the app's job queue), in the test's transaction."""
    session = core_db.TenantSession(
        bind=db_connection,
        join_transaction_mode="create_savepoint",
        info={QUEUE_KEY: wsgi_app.registry.myynti_jobs},
    )
    yield session
    session.close()


def run_jobs(session: core_db.TenantSession, tenant: Tenant, name: str | None = None) -> list[Job]:
    """Run ``tenant``'s due jobs (those called ``name``, if given) as the worker does.

    ``session`` is the ``job_db`` fixture. Each job is claimed (``attempts + 1``)
    and run in a savepoint; one that raises goes back to pending, or to failed
    after the last attempt, with its work rolled back. Only jobs due now run: a
    job queued by a job, or retried later, waits for the next call. Returns the
    jobs that ran.
    """
    queue = session.info[QUEUE_KEY]
    with core_db.all_tenants(session):
        pending = session.scalars(
            select(Job)
            .where(Job.tenant_id == tenant.id, Job.state == JobState.PENDING)
            .order_by(Job.id)
        ).all()
    now = utcnow()
    due = [
        job
        for job in pending
        if (name is None or job.name == name)
        and (job.run_after is None or as_utc(job.run_after) <= now)
    ]
    for job in due:
        with core_db.all_tenants(session):
            job.state = JobState.RUNNING
            job.attempts += 1
            session.flush()
        session.expire_all()  # a worker's transaction starts afresh
        core_db.set_tenant(session, tenant.id)
        worker_tenant = session.get(Tenant, tenant.id)
        savepoint = session.begin_nested()
        try:
            queue.job_types[job.name].job.run(db=session, tenant=worker_tenant, payload=job.payload)
            session.flush()
        except Exception as exc:  # noqa: BLE001 - recorded as the worker records it
            savepoint.rollback()
            with core_db.all_tenants(session):
                job.last_error = str(exc)
                job.state = (
                    JobState.PENDING if job.attempts < queue.config.attempts else JobState.FAILED
                )
        else:
            savepoint.commit()
            with core_db.all_tenants(session):
                job.state = JobState.DONE
        with core_db.all_tenants(session):
            session.flush()
    return list(due)
