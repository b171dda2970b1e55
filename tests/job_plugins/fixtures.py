"""Job tests: an app with the ``worklog`` plugin whose workers run in this process.

A worker has its own connection, so it sees only committed rows: these tests
commit their data through the real engine (``committed``) instead of the
rolled-back test transaction, and delete it afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import webtest
from sqlalchemy import Engine, delete, select

from core.app import make_config
from core.db import all_tenants, make_session_factory
from core.jobs import JobQueue
from core.jobs.queue import Pace
from core.licensing import enable_plugin
from core.models import Event, Job, Membership, PeriodicRun, Role, Tenant, User
from core.passwords import hash_password
from core.plugins import CORE_PLUGIN, PluginRegistry
from core.testing import PASSWORD
from tests.job_plugins.worklog import plugin as worklog

#: Two threads in the web process, three attempts, retries at once, stale after a second.
JOB_SETTINGS = {
    "myynti.worker_threads": "2",
    "myynti.job_attempts": "3",
    "myynti.job_retry_delay": "0",
    "myynti.job_stale_after": "1",
}


@pytest.fixture(scope="module")
def jobs_registry() -> PluginRegistry:
    return PluginRegistry([CORE_PLUGIN, worklog])


@pytest.fixture(scope="module")
def jobs_wsgi(
    app_settings: dict[str, Any], jobs_registry: PluginRegistry, db_engine: Engine
) -> Any:
    """The app, its job threads and scheduler running, on the real (committing) engine."""
    settings = {**app_settings, **JOB_SETTINGS}
    wsgi = make_config(settings, registry=jobs_registry, engine=db_engine).make_wsgi_app()
    yield wsgi
    wsgi.registry.myynti_jobs.stop()
    with make_session_factory(db_engine).begin() as db:
        db.execute(delete(PeriodicRun))


@pytest.fixture
def job_queue(jobs_wsgi: Any) -> JobQueue:
    """The app's queue, its pace as new: how slowly an earlier test's jobs ran (on a
    loaded machine) must not decide how many due jobs this test's messages claim."""
    queue = jobs_wsgi.registry.myynti_jobs
    queue._pace = Pace()
    return queue


@pytest.fixture
def jobs_web(jobs_wsgi: Any) -> webtest.TestApp:
    return webtest.TestApp(jobs_wsgi, extra_environ={"REMOTE_ADDR": "192.0.2.40"})


class Committed:
    """Tenants and users committed for real, and deleted (with their rows) afterwards."""

    def __init__(self, engine: Engine, registry: PluginRegistry) -> None:
        self.factory = make_session_factory(engine)
        self.registry = registry
        self.suffix = uuid.uuid4().hex[:6]
        self.tenant_ids: list[int] = []
        self.user_ids: list[int] = []

    def tenant(self, name: str, plugins: tuple[str, ...] = ("worklog",)) -> Tenant:
        with self.factory.begin() as db:
            tenant = Tenant(slug=f"{name}-{self.suffix}", name=name.title(), licence={})
            db.add(tenant)
            db.flush()
            for plugin in plugins:
                enable_plugin(db, self.registry, tenant, plugin)
        self.tenant_ids.append(tenant.id)
        return tenant

    def user(self, name: str, tenant: Tenant | None = None, platform_admin: bool = False) -> User:
        with self.factory.begin() as db, all_tenants(db):
            user = User(
                email=f"{name}-{self.suffix}@jobs.example",
                name=name.title(),
                password_hash=hash_password(PASSWORD),
                platform_admin=platform_admin,
            )
            db.add(user)
            db.flush()
            if tenant is not None:
                db.add(Membership(tenant_id=tenant.id, user_id=user.id, role=Role.ADMIN))
                db.flush()
        self.user_ids.append(user.id)
        return user

    def events(self, tenant: Tenant) -> list[Event]:
        with self.factory() as db, all_tenants(db):
            return list(db.scalars(select(Event).where(Event.tenant_id == tenant.id)))

    def job(self, job_id: int) -> Job | None:
        with self.factory() as db, all_tenants(db):
            return db.get(Job, job_id)

    def clean(self) -> None:
        with self.factory.begin() as db, all_tenants(db):
            db.execute(delete(Tenant).where(Tenant.id.in_(self.tenant_ids)))
            db.execute(delete(User).where(User.id.in_(self.user_ids)))


@pytest.fixture
def committed(db_engine: Engine, jobs_registry: PluginRegistry) -> Iterator[Committed]:
    data = Committed(db_engine, jobs_registry)
    yield data
    data.clean()
