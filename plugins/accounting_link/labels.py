"""The words for document kinds and states, in Finnish, Swedish and English."""

from __future__ import annotations

from core import Label
from plugins.accounting_link import _

KIND_LABELS: dict[str, Label] = {
    "quote": _("Quote"),
    "order": _("Order"),
    "invoice": _("Invoice"),
    "credit_note": _("Credit note"),
}

STATE_LABELS: dict[str, Label] = {
    "draft": _("Draft"),
    "sent": _("Sent"),
    "accepted": _("Accepted"),
    "rejected": _("Rejected"),
    "expired": _("Expired"),
    "open": {"fi": "Avoin", "sv": "Öppen", "en": "Open"},
    "partly_delivered": _("Partly delivered"),
    "delivered": _("Delivered"),
    "invoiced": _("Invoiced"),
    "partly_paid": _("Partly paid"),
    "paid": _("Paid"),
    "overdue": _("Overdue"),
    "credited": _("Credited"),
}

STEP_LABELS: dict[str, Label] = {
    "send": _("Mark as sent"),
    "accept": _("Accepted"),
    "reject": _("Rejected"),
    "expire": _("Expired"),
    "order": _("Make an order"),
    "deliver": _("Deliver all"),
    "invoice": _("Invoice the order"),
    "credit": _("Credit"),
}


def kind_label(kind: str) -> Label:
    return KIND_LABELS.get(kind, kind)


def state_label(state: str) -> Label:
    return STATE_LABELS.get(state, state)
