"""The history events of sales documents, on the task's and the customer's timelines."""

from __future__ import annotations

from core import EventKind
from plugins.accounting_link.documents import DOCUMENT_CREATED
from plugins.accounting_link.flow import PAYMENT_RECEIVED, STATE_CHANGED

DOCUMENT_SENT = "sales_document_sent"
SYNC_FAILED = "sales_document_sync_failed"

TEMPLATE = "plugins.accounting_link:templates/event_document.pt"


def event_kinds() -> list[EventKind]:
    return [
        EventKind(
            DOCUMENT_CREATED,
            {
                "fi": "Myyntidokumentti tehty",
                "sv": "Försäljningsdokument skapat",
                "en": "Sales document made",
            },
            "🧾",
            TEMPLATE,
        ),
        EventKind(
            STATE_CHANGED,
            {
                "fi": "Dokumentin tila muuttui",
                "sv": "Dokumentets status ändrades",
                "en": "Document state changed",
            },
            "→",
            TEMPLATE,
        ),
        EventKind(
            PAYMENT_RECEIVED,
            {"fi": "Maksu saapui", "sv": "Betalning mottagen", "en": "Payment received"},
            "€",
            TEMPLATE,
        ),
        EventKind(
            DOCUMENT_SENT,
            {"fi": "Dokumentti lähetetty", "sv": "Dokument skickat", "en": "Document sent"},
            "✉",
            TEMPLATE,
        ),
        EventKind(
            SYNC_FAILED,
            {
                "fi": "Siirto kirjanpitoon epäonnistui",
                "sv": "Överföring till bokföringen misslyckades",
                "en": "Transfer to accounting failed",
            },
            "⚠",
            TEMPLATE,
        ),
    ]
