"""The words for document kinds and states, in Finnish, Swedish and English."""

from __future__ import annotations

from core import Label

KIND_LABELS: dict[str, Label] = {
    "quote": {"fi": "Tarjous", "sv": "Offert", "en": "Quote"},
    "order": {"fi": "Tilaus", "sv": "Order", "en": "Order"},
    "invoice": {"fi": "Lasku", "sv": "Faktura", "en": "Invoice"},
    "credit_note": {"fi": "Hyvityslasku", "sv": "Kreditnota", "en": "Credit note"},
}

STATE_LABELS: dict[str, Label] = {
    "draft": {"fi": "Luonnos", "sv": "Utkast", "en": "Draft"},
    "sent": {"fi": "Lähetetty", "sv": "Skickad", "en": "Sent"},
    "accepted": {"fi": "Hyväksytty", "sv": "Godkänd", "en": "Accepted"},
    "rejected": {"fi": "Hylätty", "sv": "Avböjd", "en": "Rejected"},
    "expired": {"fi": "Vanhentunut", "sv": "Utgången", "en": "Expired"},
    "open": {"fi": "Avoin", "sv": "Öppen", "en": "Open"},
    "partly_delivered": {
        "fi": "Osittain toimitettu",
        "sv": "Delvis levererad",
        "en": "Partly delivered",
    },
    "delivered": {"fi": "Toimitettu", "sv": "Levererad", "en": "Delivered"},
    "invoiced": {"fi": "Laskutettu", "sv": "Fakturerad", "en": "Invoiced"},
    "partly_paid": {"fi": "Osittain maksettu", "sv": "Delvis betald", "en": "Partly paid"},
    "paid": {"fi": "Maksettu", "sv": "Betald", "en": "Paid"},
    "overdue": {"fi": "Erääntynyt", "sv": "Förfallen", "en": "Overdue"},
    "credited": {"fi": "Hyvitetty", "sv": "Krediterad", "en": "Credited"},
}

STEP_LABELS: dict[str, Label] = {
    "send": {"fi": "Merkitse lähetetyksi", "sv": "Markera som skickad", "en": "Mark as sent"},
    "accept": {"fi": "Hyväksytty", "sv": "Godkänd", "en": "Accepted"},
    "reject": {"fi": "Hylätty", "sv": "Avböjd", "en": "Rejected"},
    "expire": {"fi": "Vanhentunut", "sv": "Utgången", "en": "Expired"},
    "order": {"fi": "Tee tilaus", "sv": "Skapa order", "en": "Make an order"},
    "deliver": {"fi": "Toimita kaikki", "sv": "Leverera allt", "en": "Deliver all"},
    "invoice": {"fi": "Laskuta", "sv": "Fakturera", "en": "Invoice"},
    "credit": {"fi": "Hyvitä", "sv": "Kreditera", "en": "Credit"},
}


def kind_label(kind: str) -> Label:
    return KIND_LABELS.get(kind, kind)


def state_label(state: str) -> Label:
    return STATE_LABELS.get(state, state)
