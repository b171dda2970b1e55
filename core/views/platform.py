"""The platform admin's pages: the tenants, and which modules each tenant has enabled.

Both pages work across tenants, so they read memberships inside ``all_tenants``;
licensing rules (dependencies both ways, set-up once) live in ``core.licensing``.
"""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config
from sqlalchemy import func, select
from wtforms import StringField
from wtforms.validators import DataRequired, Length, ValidationError

from core.contract import label_text
from core.db import all_tenants
from core.forms import BaseForm, slug
from core.i18n import _, format_number
from core.licensing import LicenceError, check_can_disable, disable_plugin, enable_plugin
from core.models import Membership, Tenant, TenantPlugin
from core.security import CorePermission

TENANTS_TEMPLATE = "core:templates/platform_tenants.pt"
MODULES_TEMPLATE = "core:templates/platform_modules.pt"
CONFIRM_TEMPLATE = "core:templates/platform_confirm.pt"
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
    """A deactivated tenant's pages answer 404 to its members; nothing is deleted.

    Deactivating asks first (a page saying who loses what); the page's form posts again
    with ``confirm=yes``.
    """
    tenant = _posted_tenant(request)
    if request.POST["action"] == "deactivate" and not _confirmed(request):
        return _confirm_tenant_deactivation(request, tenant)
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
        if action == DISABLE and not _confirmed(request):
            plugin = check_can_disable(request.db, registry, tenant, name)
            return _confirm_module_disabling(request, tenant, plugin)
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


# --- asking before hiding -------------------------------------------------------


def _confirmed(request: Any) -> bool:
    return request.POST.get("confirm") == "yes"


def _confirm_tenant_deactivation(request: Any, tenant: Tenant) -> Any:
    with all_tenants(request.db):
        members = request.db.scalar(
            select(func.count()).where(Membership.tenant_id == tenant.id, Membership.active)
        )
    return _confirmation(
        request,
        question=_("Deactivate ${tenant}?", mapping={"tenant": tenant.name}),
        hidden=[
            _("Its members (${count}) can no longer open it.", mapping={"count": members}),
            _("Its pages, lists and exports answer “not found”, to its admins too."),
        ],
        kept=_(
            "Nothing is deleted: its customers, tasks and every other record are kept and"
            " show again when the tenant is activated."
        ),
        post={"tenant": tenant.slug, "action": "deactivate"},
        button=_("Deactivate"),
        back="platform_tenants",
    )


def _confirm_module_disabling(request: Any, tenant: Tenant, plugin: Any) -> Any:
    title = _title(request, plugin.name)
    hidden = [
        _(
            "The menu items and pages of ${plugin}, and its panels on other pages, disappear"
            " for the users of ${tenant}.",
            mapping={"plugin": title, "tenant": tenant.name},
        )
    ]
    records = _record_counts(request, tenant, plugin.name)
    if records:
        hidden.append(_("Records hidden: ${records}", mapping={"records": records}))
    return _confirmation(
        request,
        question=_(
            "Disable ${plugin} for ${tenant}?", mapping={"plugin": title, "tenant": tenant.name}
        ),
        hidden=hidden,
        kept=_(
            "Nothing is deleted: its data is kept and shows again when ${plugin} is enabled.",
            mapping={"plugin": title},
        ),
        post={"tenant": tenant.slug, "plugin": plugin.name, "action": DISABLE},
        button=_("Disable"),
        back="platform_modules",
        summary=label_text(plugin.summary, request.locale_name),
    )


def _record_counts(request: Any, tenant: Tenant, plugin_name: str) -> str:
    """The plugin's record types with how many the tenant has ("Customers 12, ...")."""
    registry = request.registry.myynti_plugins
    entities = registry.call_one(plugin_name, "myynti_entities") or []
    counts = []
    with all_tenants(request.db):
        for entity in entities:
            count = request.db.scalar(
                select(func.count()).where(entity.model.tenant_id == tenant.id)
            )
            label = label_text(entity.plural, request.locale_name)
            counts.append(f"{label} {format_number(count, request.locale_name)}")
    return ", ".join(counts)


def _confirmation(request: Any, **page: Any) -> Any:
    """The page asking to confirm a switch; its form repeats the post with ``confirm=yes``."""
    translate = request.localizer.translate
    data = {
        "question": translate(page["question"]),
        "hidden": [translate(line) for line in page["hidden"]],
        "kept": translate(page["kept"]),
        "summary": page.get("summary", ""),
        "post": {**page["post"], "confirm": "yes"},
        "action_url": request.route_url(page["back"]),
        "button": translate(page["button"]),
        "back_url": request.route_url(page["back"]),
    }
    return render_to_response(CONFIRM_TEMPLATE, data, request=request)


def _posted_tenant(request: Any) -> Tenant:
    tenant = request.db.scalar(select(Tenant).where(Tenant.slug == request.POST.get("tenant", "")))
    if tenant is None:
        raise HTTPNotFound()
    return tenant


def _title(request: Any, name: str) -> str:
    """An installed plugin's title in the user's language."""
    return label_text(request.registry.myynti_plugins.by_name[name].title, request.locale_name)
