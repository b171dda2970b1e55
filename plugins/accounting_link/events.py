"""The history events of sales documents, on the task's and the customer's timelines."""

from __future__ import annotations

from core import EventKind
from plugins.accounting_link import _
from plugins.accounting_link.documents import DOCUMENT_CREATED
from plugins.accounting_link.flow import PAYMENT_RECEIVED, STATE_CHANGED

DOCUMENT_SENT = "sales_document_sent"
SYNC_FAILED = "sales_document_sync_failed"

TEMPLATE = "plugins.accounting_link:templates/event_document.pt"


def event_kinds() -> list[EventKind]:
    return [
        EventKind(
            DOCUMENT_CREATED,
            _("Sales document made"),
            "🧾",
            TEMPLATE,
        ),
        EventKind(
            STATE_CHANGED,
            _("Document state changed"),
            "→",
            TEMPLATE,
        ),
        EventKind(
            PAYMENT_RECEIVED,
            _("Payment received"),
            "€",
            TEMPLATE,
        ),
        EventKind(
            DOCUMENT_SENT,
            _("Document sent"),
            "✉",
            TEMPLATE,
        ),
        EventKind(
            SYNC_FAILED,
            _("Transfer to accounting failed"),
            "⚠",
            TEMPLATE,
        ),
    ]
