"""The tenant of a request, its membership check and its enabled plugins.

Tenant-owned pages live under ``/t/{tenant}/``; plugins add them with
``config.add_tenant_route``. A view deriver applied to every view then:

* sends an anonymous visitor to the login page (403),
* answers 404 when the tenant does not exist or the user is not its member,
* answers 404 when the view belongs to a plugin the tenant has not enabled,

before the permission check runs, so no view has to remember any of it.
"""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from core import cache
from core.db import current_tenant_id, set_tenant
from core.models import Membership, Role, Tenant, TenantPlugin

TENANT_PREFIX = "/t/{tenant}"


#: The request attribute holding ``(tenant id, versions)`` read by ``set_named_tenant``.
_EARLY_VERSIONS = "_myynti_early_versions"


def named_tenant_id(request: Any) -> int | None:
    """The id of the tenant the URL names, when this process knows its slug (no query)."""
    slug = (request.matchdict or {}).get("tenant")
    return None if slug is None else request.registry.myynti_cache.tenant_id(slug)


def set_named_tenant(
    request: Any, tenant_id: int, *also: Any, params: dict[str, Any] | None = None
) -> tuple[Any, ...]:
    """Set ``tenant_id`` (from ``named_tenant_id``) and read ``also`` in the same statement.

    The signed-in user's session is checked this way (``core.security``), so a
    page's first round trip also sets its tenant and reads the cache's versions;
    ``request_tenant`` then goes on from those versions without a statement of its own.
    """
    values = set_tenant(
        request.db, tenant_id, *cache.version_columns(tenant_id), *also, params=params
    )
    request.__dict__[_EARLY_VERSIONS] = (tenant_id, tuple(values[:3]))
    return tuple(values[3:])


def request_tenant(request: Any) -> Tenant | None:
    """``request.tenant``: the active tenant named by the URL, or None.

    The tenant comes from the process's cache (``core.cache``); the statement
    that sets the tenant for row-level security also reads the cache's versions.
    """
    slug = (request.matchdict or {}).get("tenant")
    if slug is None:
        return None
    process_cache: cache.ProcessCache = request.registry.myynti_cache
    db = request.db
    tenant_id = process_cache.tenant_id(slug)
    loaded = None
    if tenant_id is None:
        loaded = db.scalar(select(Tenant).where(Tenant.slug == slug, Tenant.active))
        if loaded is None:
            set_tenant(db, None)
            return None
        tenant_id = loaded.id
        process_cache.remember_slug(slug, tenant_id)
    early = request.__dict__.pop(_EARLY_VERSIONS, None)
    if early is not None and early[0] == tenant_id and current_tenant_id(db) == tenant_id:
        versions = early[1]
    else:
        versions = set_tenant(db, tenant_id, *cache.version_columns(tenant_id))
    entry = process_cache.entry(tenant_id, tuple(versions[:2]))  # type: ignore[arg-type]
    tenant = loaded or entry.values.get("tenant")
    if tenant is None:
        tenant = db.scalar(select(Tenant).where(Tenant.id == tenant_id, Tenant.active))
    if tenant is not None and entry.values.get("tenant") is not tenant:
        db.expunge(tenant)
        entry.values["tenant"] = tenant
    if tenant is None or tenant.slug != slug:
        # Gone or deactivated, or the slug now names another tenant: look the slug up
        # afresh (once: that lookup does not go through the cache's slugs).
        process_cache.forget_slug(slug)
        set_tenant(db, None)
        return None if loaded is not None else request_tenant(request)
    setattr(request, cache.REQUEST_ATTR, entry)
    setattr(request, cache.DATA_VERSION_ATTR, versions[2])
    return cache.attach(db, tenant)


def request_membership(request: Any) -> Membership | None:
    """``request.membership``: the user's active membership in ``request.tenant``."""
    if request.tenant is None or request.user is None:
        return None
    db = request.db

    def load() -> Membership | None:
        # The user is the request's own (already loaded); the cache keeps the membership only.
        found = db.scalar(
            select(Membership)
            .where(Membership.user_id == request.user.id, Membership.active)
            .options(lazyload(Membership.user))
        )
        if found is not None:
            db.expunge(found)
        return found

    membership = cache.cached(request, ("membership", request.user.id), load)
    return None if membership is None else cache.attach(db, membership)


def request_enabled_plugins(request: Any) -> frozenset[str]:
    """``request.enabled_plugins``: names of the plugins the tenant has enabled."""
    if request.tenant is None:
        return frozenset()
    tenant_id = request.tenant.id
    return cache.cached(
        request,
        "enabled_plugins",
        lambda: frozenset(
            request.db.scalars(
                select(TenantPlugin.plugin).where(
                    TenantPlugin.tenant_id == tenant_id, TenantPlugin.enabled
                )
            )
        ),
    )


def request_plugins(request: Any) -> Any:
    """``request.plugins``: hooks of core and the tenant's enabled plugins only."""
    return request.registry.myynti_plugins.hooks_for(request.enabled_plugins)


def request_member_permissions(request: Any) -> frozenset[str]:
    """Permissions an ordinary member holds in this tenant (kept with its enabled plugins)."""
    return cache.cached(
        request,
        "member_permissions",
        lambda: frozenset(
            p.name for p in request.plugins.collect("myynti_permissions") if Role.MEMBER in p.roles
        ),
    )


def is_tenant_admin(request: Any) -> bool:
    return request.membership is not None and request.membership.role == Role.ADMIN


def fill_tenant(request: Any, elements: Any, kw: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """Route pregenerator: ``request.route_url`` fills in the current tenant."""
    if "tenant" not in kw and getattr(request, "tenant", None) is not None:
        kw["tenant"] = request.tenant.slug
    return elements, kw


def add_tenant_route(config: Any, name: str, pattern: str, **kw: Any) -> None:
    """Config directive: a route under ``/t/{tenant}``."""
    config.add_route(name, TENANT_PREFIX + pattern, pregenerator=fill_tenant, **kw)


def tenant_guard(view: Any, info: Any) -> Any:
    """View deriver: the membership and plugin-enabled checks described above."""
    if info.exception_only:
        return view
    plugin = info.registry.myynti_plugins.plugin_of_module(info.package.__name__)
    licensed_plugin = plugin.name if plugin is not None and plugin.licensed else None

    def guarded(context: Any, request: Any) -> Any:
        if "tenant" in (request.matchdict or {}):
            if request.user is None:
                raise HTTPForbidden()
            if request.tenant is None or request.membership is None:
                raise HTTPNotFound()
            if licensed_plugin and licensed_plugin not in request.enabled_plugins:
                raise HTTPNotFound()
        return view(context, request)

    return guarded
