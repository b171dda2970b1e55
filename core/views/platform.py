"""The platform admin's pages: the tenants, and which modules each tenant has enabled.

Both pages work across tenants, so they read memberships inside ``all_tenants``;
licensing rules (dependencies both ways, set-up once) live in ``core.licensing``.
"""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import func, select
from wtforms import StringField
from wtforms.validators import DataRequired, Length, ValidationError

from core.contract import label_text
from core.db import all_tenants
from core.forms import BaseForm, slug
from core.i18n import _
from core.licensing import LicenceError, disable_plugin, enable_plugin
from core.models import Membership, Tenant, TenantPlugin
from core.security import CorePermission

TENANTS_TEMPLATE = "core:templates/platform_tenants.pt"
MODULES_TEMPLATE = "core:templates/platform_modules.pt"
ENABLE = "enable"
ENABLE_WITH_DEPENDENCIES = "enable_with_dependencies"
DISABLE = "disable"


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class TenantForm(BaseForm):
    slug = StringField(
        _("Short name"),
        [DataRequired(), slug],
        filters=[_strip],
        description=_("Lower-case letters, digits and hyphens; used in the tenant's addresses."),
    )
    name = StringField(_("Name"), [DataRequired(), Length(max=200)], filters=[_strip])

    def __init__(self, *args: Any, db: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.db = db

    def validate_slug(self, field: Any) -> None:
        if self.db.scalar(select(Tenant.id).where(Tenant.slug == field.data)) is not None:
            raise ValidationError(_("A tenant with this short name already exists."))


# --- tenants -------------------------------------------------------------------


@view_config(
    route_name="platform_tenants",
    request_method="GET",
    renderer=TENANTS_TEMPLATE,
    permission=CorePermission.PLATFORM_MANAGE,
)
def tenants_page(request: Any) -> dict[str, Any]:
    return _tenants(request, TenantForm.from_request(request, db=request.db))


@view_config(
    route_name="platform_tenants",
    request_method="POST",
    request_param="action=create",
    renderer=TENANTS_TEMPLATE,
    permission=CorePermission.PLATFORM_MANAGE,
)
def create_tenant(request: Any) -> Any:
    form = TenantForm.from_request(request, db=request.db)
    if not form.validate():
        request.response.status_int = 400
        return _tenants(request, form)
    tenant = Tenant(slug=form.slug.data, name=form.name.data, licence={})
    request.db.add(tenant)
    request.db.flush()
    request.session.flash(
        request.localizer.translate(_("Tenant ${name} created.", mapping={"name": tenant.name}))
    )
    return HTTPSeeOther(request.route_url("platform_tenants"))


@view_config(
    route_name="platform_tenants",
    request_method="POST",
    request_param="action=activate",
    permission=CorePermission.PLATFORM_MANAGE,
)
@view_config(
    route_name="platform_tenants",
    request_method="POST",
    request_param="action=deactivate",
    permission=CorePermission.PLATFORM_MANAGE,
)
def set_tenant_active(request: Any) -> Any:
    """A deactivated tenant's pages answer 404 to its members; nothing is deleted."""
    tenant = _posted_tenant(request)
    tenant.active = request.POST["action"] == "activate"
    message = (
        _("${name} activated.", mapping={"name": tenant.name})
        if tenant.active
        else _("${name} deactivated.", mapping={"name": tenant.name})
    )
    request.session.flash(request.localizer.translate(message))
    return HTTPSeeOther(request.route_url("platform_tenants"))


def _tenants(request: Any, form: TenantForm) -> dict[str, Any]:
    with all_tenants(request.db):
        members = dict(
            request.db.execute(
                select(Membership.tenant_id, func.count())
                .where(Membership.active)
                .group_by(Membership.tenant_id)
            ).all()
        )
    tenants = request.db.scalars(select(Tenant).order_by(Tenant.name, Tenant.slug))
    return {
        "form": form,
        "tenants": [(t, members.get(t.id, 0)) for t in tenants],
    }


# --- modules -------------------------------------------------------------------


@view_config(
    route_name="platform_modules",
    request_method="GET",
    renderer=MODULES_TEMPLATE,
    permission=CorePermission.PLATFORM_MANAGE,
)
def modules_page(request: Any) -> dict[str, Any]:
    return _matrix(request)


@view_config(
    route_name="platform_modules",
    request_method="POST",
    renderer=MODULES_TEMPLATE,
    permission=CorePermission.PLATFORM_MANAGE,
)
def switch_module(request: Any) -> Any:
    """Enable or disable one plugin for one tenant; a refusal writes nothing and says why."""
    tenant = _posted_tenant(request)
    name = request.POST.get("plugin", "")
    action = request.POST.get("action")
    if not name or action not in (ENABLE, ENABLE_WITH_DEPENDENCIES, DISABLE):
        raise HTTPNotFound()
    registry = request.registry.myynti_plugins
    try:
        if action == DISABLE:
            disable_plugin(request.db, registry, tenant, name)
            message = _(
                "${plugins} disabled for ${tenant}.",
                mapping={"plugins": _title(request, name), "tenant": tenant.name},
            )
        else:
            switched = enable_plugin(
                request.db,
                registry,
                tenant,
                name,
                with_dependencies=action == ENABLE_WITH_DEPENDENCIES,
            )
            message = _(
                "${plugins} enabled for ${tenant}.",
                mapping={
                    "plugins": ", ".join(_title(request, n) for n in switched or [name]),
                    "tenant": tenant.name,
                },
            )
    except LicenceError as exc:
        request.response.status_int = 400
        # Enabling a known, licensed plugin is refused only for missing dependencies.
        plugin = registry.by_name.get(name)
        offer = action == ENABLE and plugin is not None and plugin.licensed
        return _matrix(
            request,
            error=request.localizer.translate(exc.message),
            offer={"tenant": tenant, "plugin": plugin} if offer else None,
        )
    request.session.flash(request.localizer.translate(message))
    return HTTPSeeOther(request.route_url("platform_modules"))


def _matrix(request: Any, error: str = "", offer: dict[str, Any] | None = None) -> dict[str, Any]:
    tenants = list(request.db.scalars(select(Tenant).order_by(Tenant.name, Tenant.slug)))
    query = select(TenantPlugin.tenant_id, TenantPlugin.plugin).where(TenantPlugin.enabled)
    enabled = {(tenant_id, plugin) for tenant_id, plugin in request.db.execute(query)}
    return {
        "tenants": tenants,
        "plugins": request.registry.myynti_plugins.licensed,
        "enabled": enabled,
        "error": error,
        "offer": offer,
    }


def _posted_tenant(request: Any) -> Tenant:
    tenant = request.db.scalar(select(Tenant).where(Tenant.slug == request.POST.get("tenant", "")))
    if tenant is None:
        raise HTTPNotFound()
    return tenant


def _title(request: Any, name: str) -> str:
    """An installed plugin's title in the user's language."""
    return label_text(request.registry.myynti_plugins.by_name[name].title, request.locale_name)
