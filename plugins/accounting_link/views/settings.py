"""The tenant admin's invoicing settings: seller details, references, the accounting system.

The Netvisor keys are stored encrypted (``core.credentials``); the form never
shows them again, and an empty key field keeps the stored one.
"""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from core import label_text
from core.credentials import encrypt
from core.forms import choices
from plugins.accounting_link import _
from plugins.accounting_link.documents import settings_of
from plugins.accounting_link.forms import SettingsForm
from plugins.accounting_link.models import AccountingSettings, ReferenceKind
from plugins.accounting_link.permissions import AccountingPermission

TEMPLATE = "plugins.accounting_link:templates/settings.pt"
SAVED = _("Settings saved.")
UNKNOWN_BACKEND = _("Choose one of the accounting systems offered.")
NETVISOR_MISSING = _("Netvisor needs its address, sender, customer ID, partner ID and both keys.")

REFERENCE_LABELS = {
    ReferenceKind.FINNISH: _("National (1234561, 7-3-1 check digit)"),
    ReferenceKind.RF: _("International RF (RF33 1234561)"),
}
#: Netvisor's settings in the form and in ``backend_config``; the keys are secrets.
NETVISOR_FIELDS = ("url", "sender", "customer_id", "partner_id", "organisation_id")
NETVISOR_SECRETS = ("customer_key", "partner_key")
TEXT_FIELDS = (
    "company_name",
    "business_id",
    "vat_number",
    "email",
    "phone",
    "iban",
    "bic",
    "reference_kind",
    "backend",
)


def bind(request: Any, settings: AccountingSettings) -> SettingsForm:
    form = SettingsForm.from_request(request, obj=settings)
    config = settings.backend_config or {}
    if request.method != "POST":
        address = settings.address or {}
        for key in ("street", "postcode", "city"):
            getattr(form, key).data = address.get(key, "")
        for key in NETVISOR_FIELDS:
            getattr(form, f"netvisor_{key}").data = config.get(key, "")
        form.version.data = settings.version
    form.reference_kind.choices = choices(
        (k, request.localizer.translate(v)) for k, v in REFERENCE_LABELS.items()
    )
    backends = request.plugins.collect("myynti_accounting_backends")
    form.backend.choices = choices(
        (b.key, label_text(b.label, request.locale_name)) for b in backends
    )
    return form


def _netvisor_config(
    request: Any, form: SettingsForm, stored: dict[str, Any]
) -> dict[str, Any] | None:
    config = {key: (getattr(form, f"netvisor_{key}").data or "").strip() for key in NETVISOR_FIELDS}
    for key in NETVISOR_SECRETS:
        typed = getattr(form, f"netvisor_{key}").data
        config[key] = encrypt(request.registry.settings, typed) if typed else stored.get(key, "")
    required = ("url", "sender", "customer_id", "partner_id", *NETVISOR_SECRETS)
    return config if all(config[key] for key in required) else None


@view_config(
    route_name="accounting_settings",
    renderer=TEMPLATE,
    permission=AccountingPermission.SETTINGS_MANAGE,
)
def accounting_settings(request: Any) -> Any:
    settings = settings_of(request.db)
    form = bind(request, settings)
    if request.method == "POST" and _apply(request, form, settings):
        request.session.flash(request.localizer.translate(SAVED))
        return HTTPSeeOther(request.route_url("accounting_settings"))
    if request.method == "POST":
        request.response.status_int = 400
    return {"form": form}


def _apply(request: Any, form: SettingsForm, settings: AccountingSettings) -> bool:
    if not form.validate():
        return False
    if form.backend.data not in {c.value for c in form.backend.choices}:
        form.backend.errors = [UNKNOWN_BACKEND]
        return False
    config = dict(settings.backend_config or {})
    if form.backend.data == "netvisor":
        netvisor = _netvisor_config(request, form, config)
        if netvisor is None:
            form.backend.errors = [NETVISOR_MISSING]
            return False
        config = netvisor
    for key in TEXT_FIELDS:
        setattr(settings, key, (getattr(form, key).data or "").strip())
    settings.payment_term_days = form.payment_term_days.data
    settings.quote_valid_days = form.quote_valid_days.data
    address = {
        key: (getattr(form, key).data or "").strip() for key in ("street", "postcode", "city")
    }
    settings.address = {**address, "country": "FI"}
    settings.backend_config = config
    request.db.flush()
    return True
