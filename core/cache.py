"""What changes rarely, kept per process: the tenant, its plugins, members, settings.

A web page needs the tenant, the user's membership, the enabled plugins, the
members and teams for its filters, a plugin's settings (custom field
definitions...). They change a few times a month and were read on every
request. Each process now keeps them in a ``ProcessCache``, per tenant.

Invalidation works across processes through the ``cache_version`` table: a
version for the whole site (scope 0: users, tenants, memberships) and one per
tenant. Any flush or ORM statement that writes a watched model (``watch``)
gives its scope a new version in the same transaction, so the change and the
new version are committed together. Each request reads its tenant's two versions
in the statement that sets the tenant (``core.db.set_tenant``), so checking costs
no extra round trip; a process whose versions moved drops that tenant's entries.
A request that read the versions before another transaction committed sees the
old data in its own snapshot too, so it never mixes old and new.

Only what goes through the session is seen: SQL written by hand against a watched
table (``text(...)`` on the connection, or outside the app) must call ``bump``.

What is cached must be plain data or detached ORM objects; ``attach`` gives a
request its own copy of a cached ORM object (``Session.merge`` without loading).
"""

from __future__ import annotations

import functools
import secrets
import threading
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from sqlalchemy import Table, event, func, select, text
from sqlalchemy.orm import ORMExecuteState, Session

from core.db import TENANT, TenantSession
from core.models import Membership, Team, TeamMember, Tenant, TenantPlugin, User
from core.models.tenancy import CacheVersion, TenantDataVersion

T = TypeVar("T")

#: The scope of site-wide data: users, tenants, memberships.
SITE = 0
#: The request attribute holding the request's ``TenantEntry``.
REQUEST_ATTR = "_myynti_cache_entry"
#: The request attribute holding its tenant's data version (``TenantDataVersion``).
DATA_VERSION_ATTR = "_myynti_data_version"

#: Watched tables: name → True when a write moves the site's version, False its tenant's.
_watched: dict[str, bool] = {}


def watch(*models: Any, site: bool = False) -> None:
    """Let writes to ``models`` invalidate the caches (``site``: of every tenant).

    Call it at import of the module that caches the models' rows, and make sure
    every process imports that module (a plugin's hooks module, say).
    """
    for model in models:
        _watched[model.__table__.name] = site


class TenantEntry:
    """The values cached for one tenant, valid while its versions stand still."""

    def __init__(self, versions: tuple[int, int]) -> None:
        self.versions = versions
        self.values: dict[Any, Any] = {}


class ProcessCache:
    """The cache of one process (one per app): tenant entries and slug → tenant id."""

    def __init__(self) -> None:
        self._tenants: dict[int, TenantEntry] = {}
        self._slugs: dict[str, int] = {}
        self._lock = threading.Lock()

    def tenant_id(self, slug: str) -> int | None:
        return self._slugs.get(slug)

    def remember_slug(self, slug: str, tenant_id: int) -> None:
        self._slugs[slug] = tenant_id

    def forget_slug(self, slug: str) -> None:
        self._slugs.pop(slug, None)

    def entry(self, tenant_id: int, versions: tuple[int, int]) -> TenantEntry:
        """The tenant's entry, emptied first when ``versions`` differ from its own."""
        with self._lock:
            entry = self._tenants.get(tenant_id)
            if entry is None or entry.versions != versions:
                entry = self._tenants[tenant_id] = TenantEntry(versions)
            return entry

    def clear(self) -> None:
        with self._lock:
            self._tenants.clear()
            self._slugs.clear()


@functools.lru_cache(maxsize=4096)
def version_columns(tenant_id: int) -> tuple[Any, Any, Any]:
    """The site's and the tenant's versions, and the tenant's data version, as columns.

    For ``core.db.set_tenant``; built once per tenant (an expression costs more to
    build than to run).
    """
    return (
        *(
            func.coalesce(
                select(CacheVersion.version).where(CacheVersion.scope == scope).scalar_subquery(),
                0,
            )
            for scope in (SITE, tenant_id)
        ),
        func.coalesce(
            select(TenantDataVersion.version)
            .where(TenantDataVersion.tenant_id == tenant_id)
            .scalar_subquery(),
            0,
        ),
    )  # type: ignore[return-value]


def cached(request: Any, key: Any, load: Callable[[], T]) -> T:
    """``load()``'s value, kept per process for the request's tenant under ``key``.

    Without a tenant (a page outside ``/t/...``) nothing is kept: it is loaded.
    """
    entry: TenantEntry | None = getattr(request, REQUEST_ATTR, None)
    if entry is None or getattr(request, "tenant", None) is None:
        return load()
    values = entry.values
    if key in values:
        return values[key]
    value = values[key] = load()
    return value


def attach(db: Session, obj: T) -> T:
    """A request's own copy of a cached ORM object, without a query."""
    return db.merge(obj, load=False)


def detached(db: Session, objects: Iterable[T]) -> list[T]:
    """``objects`` loaded in ``db`` made fit to cache: removed from the session."""
    found = list(objects)
    for obj in found:
        db.expunge(obj)
    return found


def bump(session: Session, scope: int) -> None:
    """Give ``scope`` (``SITE`` or a tenant id) a new version in this transaction.

    The version is random rather than counted: a request that wrote and read in a
    transaction later rolled back may have cached what it read under its version;
    a counter would hand the same number to the next change, which would then
    find that entry valid.
    """
    session.connection().execute(
        text(
            "INSERT INTO cache_version (scope, version) VALUES (:scope, :version)"
            " ON CONFLICT (scope) DO UPDATE SET version = :version"
        ),
        {"scope": scope, "version": secrets.randbits(62) + 1},
    )


def _scopes_of_rows(session: Session) -> set[int]:
    scopes: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(type(obj), "__table__", None)
        if table is None or table.name not in _watched:
            continue
        if obj in session.dirty and not session.is_modified(obj):
            continue
        if _watched[table.name]:
            scopes.add(SITE)
        else:
            tenant_id = getattr(obj, "tenant_id", None)
            scopes.add(tenant_id if tenant_id is not None else SITE)
    return scopes


@event.listens_for(TenantSession, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    for scope in sorted(_scopes_of_rows(session)):
        bump(session, scope)


def _statement_table(state: ORMExecuteState) -> str | None:
    table = getattr(state.statement, "table", None)
    return table.name if isinstance(table, Table) else None


@event.listens_for(TenantSession, "do_orm_execute")
def _do_orm_execute(state: ORMExecuteState) -> None:
    # UPDATE, DELETE and INSERT statements run through the session bypass the flush.
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    name = _statement_table(state)
    if name not in _watched:
        return
    tenant_id = state.session.info.get(TENANT)
    bump(state.session, SITE if _watched[name] or tenant_id is None else tenant_id)


# Core's own cached rows: who belongs where (site-wide), and each tenant's plugins and teams.
watch(Tenant, User, Membership, site=True)
watch(TenantPlugin, Team, TeamMember)
