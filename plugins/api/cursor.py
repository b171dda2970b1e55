"""Page cursors: the last id of a page, signed, so a tampered cursor is refused, not obeyed."""

from __future__ import annotations

import hashlib
import hmac


class CursorError(ValueError):
    """The cursor was not made by this service for this list."""


def _mac(secret: str, scope: str, last_id: int) -> str:
    key = hashlib.sha256(b"myynti api cursor\0" + secret.encode("utf-8")).digest()
    return hmac.new(key, f"{scope}\0{last_id}".encode(), hashlib.sha256).hexdigest()[:24]


def make(secret: str, scope: str, last_id: int) -> str:
    """A cursor that continues ``scope`` (tenant, resource and filters) after ``last_id``."""
    return f"{last_id}.{_mac(secret, scope, last_id)}"


def read(secret: str, scope: str, cursor: str) -> int:
    """The last id a cursor carries; CursorError when it was altered or is for another list."""
    text, _dot, mac = cursor.partition(".")
    if not text.isdigit() or len(text) > 19:
        raise CursorError(cursor)
    last_id = int(text)
    if not hmac.compare_digest(mac, _mac(secret, scope, last_id)):
        raise CursorError(cursor)
    return last_id
