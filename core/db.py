"""The database: engine, sessions, and the tenant wall.

Every session made here carries the current tenant in ``session.info``. The ORM
then adds ``tenant_id = current tenant`` to each query of a ``TenantOwned``
model, fills in the tenant of new rows and refuses a row of another tenant at
flush. On PostgreSQL the tenant is also put in the transaction setting
``app.tenant_id`` that the row-level security policies read.

Core helpers that must see several tenants (the platform admin's pages, the
CLI, the list of a user's tenants, the job worker) ask for it explicitly with
``all_tenants``. On PostgreSQL the policies let a transaction across tenants
only when ``app.all_tenants`` holds a key the owner has registered, or when it
runs as the owner (``core.schema``, ``CROSS_TENANT_CHECK``): the engine carries
the key, derived from the installation's secret (``all_tenants_key``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import transaction
import zope.sqlalchemy
from sqlalchemy import (
    ColumnElement,
    Engine,
    String,
    bindparam,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker, with_loader_criteria
from zope.sqlalchemy.datamanager import STATUS_CHANGED

from core.models.base import TenantOwned

TENANT = "tenant_id"
ALL_TENANTS = "all_tenants"
ALL_TENANTS_KEY = "myynti_all_tenants_key"


class TenantViolation(Exception):
    """A row of one tenant was about to be written while working as another."""


class AllTenantsRefused(Exception):
    """PostgreSQL refused to work across tenants: the role has no registered key."""


class TenantSession(Session):
    """The session class of the app; its events (below) enforce tenancy."""

    def get(self, entity: Any, ident: Any, **kwargs: Any) -> Any:
        """``Session.get``, which must not hand out another tenant's row either.

        ``get`` answers from the identity map without a query when the row is
        already there (loaded inside ``all_tenants``, say), so the criterion of
        ``do_orm_execute`` never sees it; the row's tenant is checked here instead.
        ``get_one`` calls this too.
        """
        found = super().get(entity, ident, **kwargs)
        if found is None or not isinstance(found, TenantOwned):
            return found
        options = kwargs.get("execution_options") or {}
        if options.get(ALL_TENANTS) or self.info.get(ALL_TENANTS):
            return found
        tenant_id = self.info.get(TENANT)
        return found if tenant_id is not None and found.tenant_id == tenant_id else None


def make_engine(url: str, all_tenants_key: str | None = None, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys, WAL and a busy timeout.

    A pooled connection is tested before use (``pool_pre_ping``), so one the
    server has closed (a restart, ``pg_terminate_backend``, an idle timeout) is
    replaced instead of failing the next request.

    ``all_tenants_key`` is what ``all_tenants`` shows PostgreSQL's policies
    (``all_tenants_key(secret)``); an engine without one can work across
    tenants only as the role that owns the tables.
    """
    if all_tenants_key:
        kwargs["execution_options"] = {
            **kwargs.get("execution_options", {}),
            ALL_TENANTS_KEY: all_tenants_key,
        }
    engine = create_engine(url, pool_pre_ping=True, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def all_tenants_key(secret: str) -> str:
    """The cross-tenant key of an installation whose ``myynti.secret`` is ``secret``.

    Derived rather than a setting of its own: every process already shares the
    secret, so there is no further value to keep the same everywhere.
    """
    return hmac.new(secret.encode(), b"myynti.all_tenants", hashlib.sha256).hexdigest()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin, so
    # savepoints work (the recipe of SQLAlchemy's pysqlite documentation).
    dbapi_connection.isolation_level = None
    # SQLite's own lower() leaves ä, ö and å as they are; search needs Python's.
    dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _lower(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value


def _sqlite_begin(connection: Any) -> None:
    # IMMEDIATE: take the write lock at the start, waiting (busy_timeout) while
    # another connection holds it. A deferred transaction that has read and
    # then writes fails at once, without waiting, whenever another connection
    # committed in between, and every request reads (its user) before it
    # writes; with jobs on threads of the web process that is the normal case.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[TenantSession]:
    return sessionmaker(bind=engine, class_=TenantSession, expire_on_commit=False)


def tm_session(
    factory: sessionmaker[TenantSession], transaction_manager: transaction.TransactionManager
) -> TenantSession:
    """A session joined to ``transaction_manager`` (pyramid_tm commits or aborts it).

    Its transaction ends in COMMIT even when the request only read: on a ROLLBACK
    psycopg forgets the connection's prepared statements, and PostgreSQL would then
    parse and plan every statement of every request anew (the board's main
    statement takes longer to plan than to run). It also means SQL the ORM did
    not see (Core DML) is committed without being announced.
    """
    session = factory()
    zope.sqlalchemy.register(
        session, initial_state=STATUS_CHANGED, transaction_manager=transaction_manager
    )
    return session


#: ``session.info`` key: ``_push_settings`` is beginning the transaction and sets it up itself.
_SETTINGS_HERE = "myynti_settings_here"


def set_tenant(
    session: Session,
    tenant_id: int | None,
    *also: ColumnElement[Any],
    params: Mapping[str, Any] | None = None,
) -> tuple[Any, ...]:
    """Work as ``tenant_id`` from now on in ``session``.

    ``also`` are values to read in the same round trip as PostgreSQL's settings
    (the cache's counters, ``core.cache``); their values are returned in order.
    ``params`` are the values of bound parameters in ``also``, which lets a caller
    build its expressions once rather than on every request.
    """
    session.info[TENANT] = tenant_id
    return _push_settings(session, also, params)


@contextmanager
def all_tenants(session: Session) -> Iterator[Session]:
    """Lift the tenant filter inside the block, for core's cross-tenant helpers only."""
    before = session.info.get(ALL_TENANTS, False)
    session.info[ALL_TENANTS] = True
    _push_settings(session)
    try:
        yield session
    finally:
        session.info[ALL_TENANTS] = before
        _push_settings(session)


def current_tenant_id(session: Session) -> int | None:
    return session.info.get(TENANT)


def _push_settings(
    session: Session,
    also: tuple[ColumnElement[Any], ...] = (),
    params: Mapping[str, Any] | None = None,
) -> tuple[Any, ...]:
    """Copy the tenant into the PostgreSQL transaction; read ``also`` with it.

    Without a transaction, the settings go with the next one (``_after_begin``);
    but reading ``also`` begins it, then with the settings in the same round trip.
    """
    postgresql = session.get_bind().dialect.name == "postgresql"
    if postgresql and not session.in_transaction() and also:
        session.info[_SETTINGS_HERE] = True
        try:
            session.connection()
        finally:
            del session.info[_SETTINGS_HERE]
    if postgresql and session.in_transaction():
        return _set_pg_settings(session, session.connection(), also, params)
    if also:
        return tuple(session.execute(select(*also), dict(params or {})).one())
    return ()


#: PostgreSQL's settings of a transaction, built once; their values are bound parameters.
_SETTINGS = (
    func.set_config("app.tenant_id", bindparam("myynti_tenant_id", type_=String()), True),
    func.set_config("app.all_tenants", bindparam("myynti_all_tenants", type_=String()), True),
)


def _set_pg_settings(
    session: Session,
    connection: Any,
    also: tuple[ColumnElement[Any], ...] = (),
    params: Mapping[str, Any] | None = None,
) -> tuple[Any, ...]:
    tenant_id = session.info.get(TENANT)
    crossing = bool(session.info.get(ALL_TENANTS))
    if crossing:
        # The key, or "on", which the policies honour from the owner only.
        everyone = connection.get_execution_options().get(ALL_TENANTS_KEY) or "on"
        # Asked in the same round trip: a refusal would otherwise show as empty
        # pages and a worker that never finds a job.
        also = (func.myynti_all_tenants(), *also)
    values = {
        **(params or {}),
        "myynti_tenant_id": "" if tenant_id is None else str(tenant_id),
        "myynti_all_tenants": everyone if crossing else "off",
    }
    row = connection.execute(select(*_SETTINGS, *also), values).one()
    if crossing and not row[2]:
        raise AllTenantsRefused(
            "PostgreSQL refuses this role's cross-tenant work: run `myynti init` as the role"
            " that owns the tables, with the same MYYNTI_SECRET as the app, to register"
            " the app's key (docs/operations.md)."
        )
    return tuple(row[3:] if crossing else row[2:])


@event.listens_for(TenantSession, "after_begin")
def _after_begin(session: Session, transaction: Any, connection: Any) -> None:
    # A savepoint works with its transaction's settings: no query for it. Nor
    # does a transaction begun before the tenant is known, as every request's
    # is: the settings are local to a transaction, so a new one starts without
    # them, which the policies read as no tenant.
    if (
        connection.dialect.name == "postgresql"
        and not transaction.nested
        and not session.info.get(_SETTINGS_HERE)
        and (session.info.get(TENANT) is not None or session.info.get(ALL_TENANTS))
    ):
        _set_pg_settings(session, connection)


@event.listens_for(TenantSession, "do_orm_execute")
def _add_tenant_criterion(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.execution_options.get(ALL_TENANTS) or state.session.info.get(ALL_TENANTS):
        return
    tenant_id = state.session.info.get(TENANT)
    if tenant_id is None:
        # No tenant: deny rather than show everything.
        criterion = with_loader_criteria(
            TenantOwned, lambda cls: cls.tenant_id.is_(None), include_aliases=True
        )
    else:
        criterion = with_loader_criteria(
            TenantOwned, lambda cls: cls.tenant_id == tenant_id, include_aliases=True
        )
    state.statement = state.statement.options(criterion)


@event.listens_for(TenantSession, "before_flush")
def _check_tenant_of_rows(session: Session, _context: Any, _instances: Any) -> None:
    tenant_id = session.info.get(TENANT)
    crossing = session.info.get(ALL_TENANTS, False)
    for obj in (*session.new, *session.dirty, *session.deleted):
        if not isinstance(obj, TenantOwned):
            continue
        if obj.tenant_id is None and tenant_id is not None and obj in session.new:
            obj.tenant_id = tenant_id
        if obj.tenant_id is None or (not crossing and obj.tenant_id != tenant_id):
            raise TenantViolation(
                f"{type(obj).__name__} of tenant {obj.tenant_id} written while working as "
                f"tenant {tenant_id}"
            )
