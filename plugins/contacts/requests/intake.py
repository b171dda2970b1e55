"""Making a contact request: the one function every source calls, and the e-mail entry point.

``create_request`` takes values already validated (``RequestForm`` for typed
input; ``receive_email`` cleans what a mail carries), stores the request,
records that it arrived, attaches it to a matching customer and routes it, all
in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session

from core.db import current_tenant_id
from core.forms import one_line
from core.history import EXTERNAL, record_event
from core.models import Tenant, User
from plugins.contacts.models import ContactRequest, RequestSource, WebForm
from plugins.contacts.requests import lifecycle
from plugins.contacts.requests.forms import FIELDS, LANGUAGES, MESSAGE_MAX, multi_line
from plugins.contacts.requests.mailtext import html_to_text
from plugins.contacts.requests.matching import find_customer
from plugins.contacts.requests.routing import route

#: Column sizes, for cutting what an e-mail carries (typed input is refused instead).
_MAX = {"name": 200, "company": 200, "subject": 300, "message": MESSAGE_MAX}


def create_request(
    db: Session,
    values: Mapping[str, Any],
    source: str,
    *,
    user: User | None = None,
    form: WebForm | None = None,
    actor_label: str = "",
    extra: Mapping[str, Any] | None = None,
) -> ContactRequest:
    """Store a new request from ``source``, match it to a customer and route it.

    ``user`` is who typed it in (manual entry); otherwise ``actor_label`` names
    the outside sender in history (an address, an API token's name).
    """
    contact_request = ContactRequest(
        source=source,
        form_id=form.id if form is not None else None,
        extra=dict(extra or {}),
        **{key: values[key] for key in FIELDS if values.get(key) is not None},
    )
    db.add(contact_request)
    db.flush()
    actor: dict[str, Any] = (
        {"user": user}
        if user is not None
        else {"actor_type": EXTERNAL, "actor_label": actor_label[:254]}
    )
    payload = {
        "source": source,
        "form": form.name if form is not None else None,
        "text": contact_request.subject,
    }
    record_event(db, lifecycle.ENTITY, contact_request.id, lifecycle.RECEIVED, payload, **actor)
    match = find_customer(db, contact_request)
    if match is not None:
        lifecycle.link_customer(db, contact_request, match.customer, match.how, by=None)
    decision = route(db, contact_request, form)
    lifecycle.assign(db, contact_request, decision.team, decision.user, rule=decision.rule)
    db.flush()
    return contact_request


def receive_email(db: Session, tenant: Tenant, message: EmailMessage) -> ContactRequest:
    """Turn a received e-mail into a contact request of ``tenant``.

    The messaging plugin calls this in a job already working as ``tenant``.
    ``message`` is parsed with ``email.policy.default`` (headers decoded). The
    text part is preferred; an HTML-only body is reduced to its text. What does
    not fit a column is cut, an unusable sender address is left out: a mail
    cannot be sent back for correction.
    """
    if current_tenant_id(db) != tenant.id:
        raise ValueError(f"the session does not work as tenant {tenant.id}")
    display_name, address = _sender(message)
    email = _valid_email(address)
    name = one_line(display_name) or (email.split("@")[0] if email else "")
    language = str(message.get("Content-Language", ""))[:2].lower()
    values = {
        "name": _cut("name", name),
        "email": email,
        "subject": _cut("subject", one_line(str(message.get("Subject", "")))),
        "message": _cut("message", multi_line(_body_text(message))),
        "language": language if language in dict(LANGUAGES) else None,
    }
    extra = {"message_id": str(message.get("Message-ID", ""))[:998]}
    return create_request(
        db,
        values,
        RequestSource.EMAIL,
        actor_label=email or one_line(str(message.get("From", ""))),
        extra=extra,
    )


def _sender(message: EmailMessage) -> tuple[str, str]:
    """The first From address as (display name, address), read from the parsed header."""
    header = message.get("From")
    addresses = getattr(header, "addresses", None)
    if addresses:
        return addresses[0].display_name, addresses[0].addr_spec
    return parseaddr(str(header or ""))


def _valid_email(address: str) -> str | None:
    try:
        return validate_email(address.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def _body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeError):
        # An unknown or lying charset: keep what decodes as UTF-8.
        content = (part.get_payload(decode=True) or b"").decode("utf-8", "replace")
    if not isinstance(content, str):
        return ""
    return html_to_text(content) if part.get_content_subtype() == "html" else content


def _cut(field: str, value: str) -> str:
    limit = _MAX[field]
    return value if len(value) <= limit else value[: limit - 1] + "…"
