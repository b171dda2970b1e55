"""The ``api`` object every template gets: slots, labels, formats, the signed-in user."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from pyramid.csrf import get_csrf_token
from pyramid.renderers import render
from sqlalchemy import select

from core import cache, i18n, urls
from core.contract import Label, label_text
from core.db import all_tenants
from core.models import Membership, Tenant

#: Link slots the same on every page of a user in a tenant, kept per process (``links``).
KEPT_SLOTS = frozenset({"navigation", "admin"})


@dataclass(frozen=True)
class TenantChoice:
    """A tenant in the switcher."""

    id: int
    slug: str
    name: str


class TemplateAPI:
    def __init__(self, request: Any) -> None:
        self.request = request

    @cached_property
    def locale(self) -> str:
        return self.request.locale_name

    @property
    def user(self) -> Any:
        return self.request.user

    @property
    def tenant(self) -> Any:
        """The tenant of the page, only for its members (a 404 page names no tenant)."""
        tenant = getattr(self.request, "tenant", None)
        if tenant is None or self.request.membership is None:
            return None
        return tenant

    @property
    def page_context(self) -> Any:
        """The record a page shows, if its view set ``request.page_context``."""
        return getattr(self.request, "page_context", None)

    @cached_property
    def csrf_token(self) -> str:
        """The page's CSRF token; one HMAC per page, however many forms it has."""
        return get_csrf_token(self.request)

    @cached_property
    def my_tenants(self) -> list[TenantChoice]:
        """Tenants the user belongs to, for the tenant switcher (kept per process)."""
        if self.user is None:
            return []
        db = self.request.db
        user_id = self.user.id
        return cache.cached(
            self.request,
            ("my_tenants", user_id),
            lambda: [TenantChoice(t.id, t.slug, t.name) for t in user_tenants(db, user_id)],
        )

    def label(self, value: Label) -> str:
        return label_text(value, self.locale)

    def translate(self, value: Any) -> str:
        return self.request.localizer.translate(value)

    def links(self, slot: str, context: Any = None) -> list[Any]:
        """The links of ``slot``, by order and label.

        The main menu and the administration menu (``KEPT_SLOTS``, without a
        context) are the same on every page of a user in a tenant: they are kept
        per process for the user, the site address and the language, and go with
        the tenant's cache entry when a membership, a user or the tenant's
        plugins change (``core.cache``).
        """
        request = self.request
        if slot not in KEPT_SLOTS or context is not None or self.user is None:
            return self._links(slot, context)
        key = ("links", slot, self.user.id, request.application_url, self.locale)
        return cache.cached(request, key, lambda: self._links(slot, None))

    def _links(self, slot: str, context: Any) -> list[Any]:
        links = self.request.plugins.collect(
            "myynti_links", request=self.request, slot=slot, context=context
        )
        return sorted(links, key=lambda link: (link.order, self.label(link.label)))

    def panels(self, slot: str, context: Any = None) -> list[dict[str, Any]]:
        """Panels of ``slot``, each rendered to HTML by its own template."""
        panels = self.request.plugins.collect(
            "myynti_panels", request=self.request, slot=slot, context=context
        )
        rendered = []
        for panel in sorted(panels, key=lambda p: (p.order, self.label(p.title))):
            html = render(panel.template, {**panel.data, "api": self}, request=self.request)
            rendered.append({"title": self.label(panel.title), "key": panel.key, "html": html})
        return rendered

    @property
    def system_label(self) -> str:
        """Who did it, when nobody did: the actor of system events."""
        return self.translate(i18n._("System"))

    def render(self, template: str, **data: Any) -> str:
        """Render a plugin's partial (an asset spec) with ``data`` and this api."""
        return render(template, {**data, "api": self}, request=self.request)

    def flashes(self) -> list[str]:
        """The messages flashed for this page.

        Taken out of the session only when there are some: taking rewrites the
        session cookie, and a page rendered while the same browser signs in (its
        favicon request, say) would put back the session it started with and
        sign the user out again.
        """
        session = self.request.session
        return session.pop_flash() if session.peek_flash() else []

    def record_url(self, route_name: str, record_id: int, **ids: int) -> str:
        """``request.route_url(route_name, id=record_id)``, cheap enough for every row."""
        return urls.record_url(self.request, route_name, record_id, **ids)

    def number(self, value: Any, digits: int | None = None) -> str:
        return i18n.format_number(value, self.locale, digits)

    def money(self, value: Any, currency: str = "EUR") -> str:
        return i18n.format_money(value, self.locale, currency)

    def date(self, value: Any) -> str:
        return i18n.format_date(value, self.locale)

    def datetime(self, value: Any) -> str:
        return i18n.format_datetime(value, self.locale)


def user_tenants(db: Any, user_id: int) -> list[Tenant]:
    """Active tenants where ``user_id`` is an active member, by name."""
    with all_tenants(db):
        return list(
            db.scalars(
                select(Tenant)
                .join(Membership, Membership.tenant_id == Tenant.id)
                .where(Membership.user_id == user_id, Membership.active, Tenant.active)
                .order_by(Tenant.name)
            )
        )


def add_api(event: Any) -> None:
    """BeforeRender subscriber."""
    request = event.get("request")
    if request is not None and "api" not in event:
        event["api"] = TemplateAPI(request)
