"""The unsubscribe link of marketing mail: works without signing in, and is recorded.

Not a tenant route: the signed token names the tenant and the person. A GET
shows a button (a link checker or a mail scanner opening the link changes
nothing); the POST, also the one-click POST of RFC 8058 that mail programs
send for ``List-Unsubscribe-Post``, withdraws the consent and writes it into
the person's history. A bad token, an inactive tenant, a tenant without
messaging or a deleted person all get the same answer.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pyramid.renderers import render_to_response
from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy import select

from core.db import all_tenants, set_tenant
from core.history import EXTERNAL, record_event
from core.licensing import enabled_plugins
from core.models import Tenant
from plugins.contacts.models import ContactPerson, Customer
from plugins.messaging import _, tokens

PAGE = "plugins.messaging:templates/unsubscribe.pt"
UNSUBSCRIBED = "unsubscribed"
MODELS = {"contact_person": ContactPerson, "customer": Customer}

NOT_VALID = _("This link is not valid.")
DONE = _("You will no longer receive marketing mail from ${tenant}.")
ASK = _("Do you want to stop receiving marketing mail from ${tenant}?")


def _holder(request: Any) -> tuple[Tenant, Any] | None:
    found = tokens.from_unsubscribe_token(request.registry.settings, request.matchdict["token"])
    if found is None:
        return None
    tenant_id, ref = found
    model = MODELS.get(ref.entity)
    if model is None:
        return None
    db = request.db
    with all_tenants(db):
        tenant = db.scalar(select(Tenant).where(Tenant.id == tenant_id, Tenant.active))
    if tenant is None or "messaging" not in enabled_plugins(db, tenant):
        return None
    set_tenant(db, tenant.id)
    holder = db.scalar(select(model).where(model.id == ref.record_id))
    return (tenant, holder) if holder is not None else None


def _page(request: Any, status: int, message: Any, ask: bool = False) -> Response:
    response = render_to_response(
        PAGE,
        {"message": request.localizer.translate(message), "ask": ask},
        request=request,
    )
    response.status_int = status
    return response


@view_config(route_name="messaging_unsubscribe", request_method="GET")
def unsubscribe_page(request: Any) -> Response:
    found = _holder(request)
    if found is None:
        return _page(request, 404, NOT_VALID)
    tenant, _holder_row = found
    return _page(request, 200, _(ASK, mapping={"tenant": tenant.name}), ask=True)


@view_config(route_name="messaging_unsubscribe", request_method="POST", require_csrf=False)
def unsubscribe(request: Any) -> Response:
    found = _holder(request)
    if found is None:
        return _page(request, 404, NOT_VALID)
    tenant, holder = found
    entity = "contact_person" if isinstance(holder, ContactPerson) else "customer"
    if holder.marketing_consent:
        holder.marketing_consent = False
        holder.consent_date = date.today()
        holder.consent_source = "unsubscribe link"
    # Recorded every time: the history shows when the person asked, even twice.
    record_event(
        request.db,
        entity,
        holder.id,
        UNSUBSCRIBED,
        {"text": "unsubscribe link"},
        actor_type=EXTERNAL,
        actor_label=holder.email or "",
    )
    request.db.flush()
    return _page(request, 200, _(DONE, mapping={"tenant": tenant.name}))
