"""The tenant's mail server and SMS service: a tenant admin's page."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from core.credentials import encrypt
from plugins.messaging import _
from plugins.messaging.forms import SettingsForm
from plugins.messaging.models import MailSettings
from plugins.messaging.outbox import mail_settings
from plugins.messaging.permissions import MessagingPermission

MANAGE = MessagingPermission.SETTINGS_MANAGE
SAVED = _("Saved.")
PLAIN = (
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_user",
    "from_address",
    "from_name",
    "reply_address",
    "sms_endpoint",
    "sms_sender",
    "per_minute",
)


@view_config(
    route_name="messaging_settings",
    renderer="plugins.messaging:templates/settings.pt",
    permission=MANAGE,
)
def settings_page(request: Any) -> Any:
    row = mail_settings(request.db)
    form = SettingsForm.from_request(request)
    if request.method != "POST":
        if row is not None:
            form.process(**{key: getattr(row, key) for key in PLAIN})
        return {"form": form, "row": row}
    if not form.validate():
        request.response.status_int = 400
        return {"form": form, "row": row}
    if row is None:
        row = MailSettings()
        request.db.add(row)
    for key in PLAIN:
        value = getattr(form, key).data
        if value is not None:
            setattr(row, key, value.strip() if isinstance(value, str) else value)
    settings = request.registry.settings
    if form.smtp_password.data:
        row.smtp_password = encrypt(settings, form.smtp_password.data)
    if form.sms_token.data:
        row.sms_token = encrypt(settings, form.sms_token.data)
    request.db.flush()
    request.session.flash(request.localizer.translate(SAVED))
    return HTTPSeeOther(request.route_url("messaging_settings"))
