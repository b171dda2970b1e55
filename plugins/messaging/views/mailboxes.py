"""The tenant's IMAP mailboxes: a tenant admin connects them; the poll job fetches their mail."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select

from core.credentials import encrypt
from plugins.messaging import _
from plugins.messaging.forms import MailboxForm
from plugins.messaging.models import Mailbox
from plugins.messaging.permissions import MessagingPermission

MANAGE = MessagingPermission.SETTINGS_MANAGE
PAGES = "plugins.messaging:templates/"
SAVED = _("Saved.")
PASSWORD_NEEDED = _("Enter the mailbox's password.")


@view_config(route_name="mailboxes", renderer=PAGES + "mailboxes.pt", permission=MANAGE)
def mailbox_list(request: Any) -> Any:
    return {"mailboxes": list(request.db.scalars(select(Mailbox).order_by(Mailbox.name)))}


def _save(request: Any, form: MailboxForm, row: Mailbox) -> None:
    for key in ("name", "host", "port", "use_tls", "username", "unrouted", "active"):
        value = getattr(form, key).data
        setattr(row, key, value.strip() if isinstance(value, str) else value)
    folders = form.folder_list()
    if folders != list(row.folders or []):
        row.folders = folders
    if form.password.data:
        row.password = encrypt(request.registry.settings, form.password.data)


@view_config(route_name="mailbox_new", renderer=PAGES + "mailbox_form.pt", permission=MANAGE)
def mailbox_new(request: Any) -> Any:
    form = MailboxForm.from_request(request)
    if request.method == "POST":
        valid = form.validate()
        if not form.password.data:
            form.password.errors.append(PASSWORD_NEEDED)
            valid = False
        if valid:
            row = Mailbox(folders=[], sync_state={})
            _save(request, form, row)
            request.db.add(row)
            request.db.flush()
            request.session.flash(request.localizer.translate(SAVED))
            return HTTPSeeOther(request.route_url("mailboxes"))
        request.response.status_int = 400
    return {"form": form, "mailbox": None}


@view_config(route_name="mailbox", renderer=PAGES + "mailbox_form.pt", permission=MANAGE)
def mailbox_edit(request: Any) -> Any:
    row = request.db.get(Mailbox, int(request.matchdict["id"]))
    if row is None:
        raise HTTPNotFound()
    form = MailboxForm.from_request(request)
    if request.method != "POST":
        form.process(obj=row, folders=", ".join(row.folders or []))
    elif form.validate():
        _save(request, form, row)
        request.db.flush()
        request.session.flash(request.localizer.translate(SAVED))
        return HTTPSeeOther(request.route_url("mailboxes"))
    else:
        request.response.status_int = 400
    return {"form": form, "mailbox": row}
