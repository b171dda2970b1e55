"""Web origins (``https://www.example.fi``): what a web form accepts posts from.

Browsers send ``Origin`` with a cross-site POST and usually ``Referer``; the
origin is compared in one normal form: lower-case scheme and host, the port
only when it is not the scheme's default.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str | None) -> str | None:
    """The origin of a URL or origin string, or None when it has no http(s) host."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    suffix = f":{port}" if port and port != DEFAULT_PORTS[scheme] else ""
    return f"{scheme}://{parts.hostname.lower()}{suffix}"


def parse_origin(value: str) -> str | None:
    """An origin as an admin types it: scheme and host, nothing after but an optional ``/``."""
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        return None
    return origin_of(value)


def sender_origin(headers: Mapping[str, str]) -> str | None:
    """Where a post came from: its ``Origin``, else the origin of its ``Referer``."""
    origin = headers.get("Origin")
    if origin and origin != "null":
        return origin_of(origin)
    return origin_of(headers.get("Referer"))


def allowed(origins: Sequence[str], origin: str | None) -> bool:
    """An empty list accepts any site; otherwise the origin must be listed."""
    return not origins or (origin is not None and origin in origins)
