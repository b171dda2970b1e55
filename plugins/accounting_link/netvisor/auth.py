"""Netvisor's request authentication: identification headers and their HMAC-SHA256 MAC.

Each request carries the sender, the customer's and partner's ids, a UTC
timestamp (``YYYY-MM-DD HH:MM:SS.fff``), its Unix form, a transaction id
never used before, the interface language and the organisation's business
ID. The MAC is HMAC-SHA256, keyed with ``customer key & partner key``, of
those values and both keys joined with ``&`` (``url & sender & customer id &
timestamp & language & organisation id & transaction id & unix timestamp &
customer key & partner key``), encoded ISO-8859-1, as a lowercase hex digest.
The keys themselves are never sent.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

DEFAULT_URL = "https://isvapi.netvisor.fi"
ALGORITHM = "HMACSHA256"


@dataclass(frozen=True)
class Credentials:
    """A tenant's Netvisor identifiers; ``customer_key`` and ``partner_key`` are secrets."""

    sender: str
    customer_id: str
    customer_key: str
    partner_id: str
    partner_key: str
    organisation_id: str
    language: str = "FI"
    base_url: str = DEFAULT_URL


def mac(
    credentials: Credentials, url: str, timestamp: str, unix_timestamp: str, transaction_id: str
) -> str:
    """The X-Netvisor-Authentication-MAC of a request to ``url`` (with its query)."""
    c = credentials
    message = "&".join(
        (
            url,
            c.sender,
            c.customer_id,
            timestamp,
            c.language,
            c.organisation_id,
            transaction_id,
            unix_timestamp,
            c.customer_key,
            c.partner_key,
        )
    )
    key = f"{c.customer_key}&{c.partner_key}"
    return hmac.new(
        key.encode("iso-8859-1"), message.encode("iso-8859-1"), hashlib.sha256
    ).hexdigest()


def headers(credentials: Credentials, url: str, now: datetime | None = None) -> dict[str, str]:
    """The authentication headers of one request to ``url``, with a fresh transaction id."""
    moment = now or datetime.now(UTC)
    timestamp = moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"
    unix_timestamp = str(int(moment.timestamp()))
    transaction_id = uuid.uuid4().hex
    c = credentials
    return {
        "X-Netvisor-Authentication-Sender": c.sender,
        "X-Netvisor-Authentication-CustomerId": c.customer_id,
        "X-Netvisor-Authentication-PartnerId": c.partner_id,
        "X-Netvisor-Authentication-Timestamp": timestamp,
        "X-Netvisor-Authentication-TimestampUnix": unix_timestamp,
        "X-Netvisor-Authentication-TransactionId": transaction_id,
        "X-Netvisor-Interface-Language": c.language,
        "X-Netvisor-Organisation-ID": c.organisation_id,
        "X-Netvisor-Authentication-MAC": mac(c, url, timestamp, unix_timestamp, transaction_id),
        "X-Netvisor-Authentication-MACHashCalculationAlgorithm": ALGORITHM,
    }
