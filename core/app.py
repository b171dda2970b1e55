"""The WSGI application factory."""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator
from pyramid.events import BeforeRender, NewResponse
from pyramid.session import SignedCookieSessionFactory
from pyramid.viewderivers import INGRESS

from core import cache, db, i18n, input_guard, page_cache, settings, tenancy
from core.csrf import SessionBoundCSRFPolicy
from core.headers import add_security_headers
from core.plugins import PluginRegistry
from core.security import SecurityPolicy, current_user
from core.templating import add_api

SESSION_MAX_AGE = 12 * 3600


def main(global_config: dict[str, Any] | None = None, **ini_settings: Any) -> Any:
    """PasteDeploy entry point (``[app:main] use = egg:myynti``)."""
    return make_app(ini_settings)


def make_app(
    ini_settings: dict[str, Any], registry: PluginRegistry | None = None, engine: Any = None
) -> Any:
    """The app for ``ini_settings``; tests pass their own plugin registry and engine."""
    config = make_config(ini_settings, registry, engine)
    return config.make_wsgi_app()


def make_config(
    ini_settings: dict[str, Any], registry: PluginRegistry | None = None, engine: Any = None
) -> Configurator:
    resolved = settings.resolve(ini_settings)
    resolved.setdefault("tm.manager_hook", "pyramid_tm.explicit_manager")
    # Nothing reads the transaction's user; asking for it before the route is matched
    # would check the session apart from the tenant (``core.security.current_user``).
    resolved.setdefault("tm.annotate_user", "false")
    plugins = registry or PluginRegistry.from_environment()
    config = Configurator(settings=resolved)
    config.registry.myynti_plugins = plugins

    engine = engine or db.make_engine(
        resolved["sqlalchemy.url"], all_tenants_key=db.all_tenants_key(resolved["myynti.secret"])
    )
    config.registry.db_engine = engine
    config.registry.db_factory = db.make_session_factory(engine)
    config.registry.myynti_cache = cache.ProcessCache()
    config.registry.myynti_kept_pages = page_cache.KeptPages(page_cache.limit(resolved))
    config.include("pyramid_tm")
    config.include("pyramid_chameleon")
    config.add_request_method(
        lambda r: db.tm_session(r.registry.db_factory, r.tm), "db", reify=True
    )
    config.include("core.jobs")  # the job queue; embedded, it runs jobs in this process

    secure = settings.as_bool(resolved["myynti.secure_cookies"])
    config.set_session_factory(
        SignedCookieSessionFactory(
            resolved["myynti.secret"],
            cookie_name="myynti_session",
            httponly=True,
            samesite="Lax",
            secure=secure,
            timeout=SESSION_MAX_AGE,
            reissue_time=600,
        )
    )
    config.set_csrf_storage_policy(
        SessionBoundCSRFPolicy(
            resolved["myynti.secret"],
            cookie_name="myynti_csrf",
            samesite="Lax",
            secure=secure,
            httponly=True,
        )
    )
    config.set_default_csrf_options(require_csrf=True)
    config.set_security_policy(SecurityPolicy())
    config.add_request_method(current_user, "user", reify=True)

    config.add_request_method(tenancy.request_tenant, "tenant", reify=True)
    config.add_request_method(tenancy.request_membership, "membership", reify=True)
    config.add_request_method(tenancy.request_enabled_plugins, "enabled_plugins", reify=True)
    config.add_request_method(tenancy.request_plugins, "plugins", reify=True)
    config.add_request_method(tenancy.request_member_permissions, "member_permissions", reify=True)
    config.add_directive("add_tenant_route", tenancy.add_tenant_route)
    config.add_view_deriver(tenancy.tenant_guard, under=INGRESS, over="secured_view")
    config.add_view_deriver(input_guard.input_guard, under=INGRESS, over="tenant_guard")
    config.add_view_deriver(page_cache.kept_page)

    config.set_locale_negotiator(i18n.negotiate_locale)
    i18n.register_localizers(
        config.registry, [p.locale_path for p in plugins.plugins if p.locale_path]
    )
    config.add_subscriber(add_api, BeforeRender)
    config.add_subscriber(add_security_headers, NewResponse)

    for plugin in plugins.plugins:
        plugins.call_one(plugin.name, "myynti_configure", config=config.with_package(plugin.module))
    return config
