"""Signatures of webhook deliveries: HMAC-SHA256 over the timestamp and the body.

The header ``X-Myynti-Signature: t=<unix time>,v1=<hex>`` signs ``"<t>.<body>"``
with the subscription's secret. A receiver recomputes it and refuses a
timestamp older than a few minutes, so a captured delivery cannot be replayed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

#: How old a signature a receiver should accept, in seconds (documented for receivers).
TOLERANCE = 300


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, now: int) -> bool:
    """What a receiver does: the signature matches and is recent."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    if not fields.get("t", "").isdigit() or abs(now - int(fields["t"])) > TOLERANCE:
        return False
    return hmac.compare_digest(signature(secret, int(fields["t"]), body), header)
