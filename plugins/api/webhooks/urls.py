"""Which webhook URLs may be posted to: http(s) to a public address, never into our network.

A URL naming a private, loopback, link-local or reserved address (or a name that
resolves to one) is refused when it is subscribed and again before each
delivery, since a name can resolve elsewhere later. A delivery resolves the
name once and connects to the address it checked (``Target.address``): a second
lookup could answer otherwise (DNS rebinding). ``myynti.webhook_private_hosts``
lists hosts an operator allows anyway (a receiver inside their own network).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from plugins.api import _

MAX_URL = 500


class UrlRefused(ValueError):
    """Why a URL may not receive webhooks; ``args[0]`` is a translatable message."""


@dataclass(frozen=True)
class Target:
    """A URL that may receive webhooks, and the address to connect to for it.

    ``address`` is the checked address its host resolved to; None for a host
    the operator allows, which is looked up as usual.
    """

    url: str
    address: str | None


def check_url(url: str, allowed_hosts: Iterable[str] = ()) -> str:
    """``url`` if it may receive webhooks; UrlRefused otherwise."""
    return resolve(url, allowed_hosts).url


def resolve(url: str, allowed_hosts: Iterable[str] = ()) -> Target:
    """``url`` and its host's checked address, if it may receive webhooks; else UrlRefused.

    Refused when any address the host resolves to is not a public one.
    """
    if len(url) > MAX_URL or any(c.isspace() or ord(c) < 32 for c in url):
        raise UrlRefused(_("Give an address such as https://example.fi/hooks."))
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UrlRefused(_("Give an address such as https://example.fi/hooks."))
    if parts.username or parts.password:
        raise UrlRefused(_("Leave the user name and password out of the address."))
    if parts.hostname in set(allowed_hosts):
        return Target(url, None)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError, UnicodeError):
        raise UrlRefused(_("The address's host cannot be found.")) from None
    for *_rest, address in found:
        if not ipaddress.ip_address(address[0].split("%")[0]).is_global:
            raise UrlRefused(_("The address points into a private network."))
    if not found:
        raise UrlRefused(_("The address's host cannot be found."))
    return Target(url, found[0][4][0])


def allowed_hosts(settings: dict[str, str]) -> list[str]:
    return (settings.get("myynti.webhook_private_hosts") or "").split()
