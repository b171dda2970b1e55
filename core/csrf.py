"""CSRF tokens tied to the sign-in session: a signed double submit.

The token travels in a cookie and in each form, as in Pyramid's cookie policy,
but it is not a free value: it is a random part with an HMAC of that part and
the browser's sign-in session, under the app's secret. A token planted by
someone who can set cookies for the site (a sibling subdomain), or copied from
their own session, does not match the victim's session and is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from pyramid.csrf import CookieCSRFStoragePolicy

from core.security import AUTH_KEY


class SessionBoundCSRFPolicy(CookieCSRFStoragePolicy):
    def __init__(self, secret: str, **cookie: Any) -> None:
        super().__init__(**cookie)
        self._key = hashlib.sha256(b"myynti csrf\0" + secret.encode("utf-8")).digest()

    def new_csrf_token(self, request: Any) -> str:
        nonce = secrets.token_urlsafe(24)
        token = f"{nonce}.{self._mac(request, nonce)}"
        request.cookies[self.cookie_name] = token

        def set_cookie(request: Any, response: Any) -> None:
            self.cookie_profile.set_cookies(response, token)

        request.add_response_callback(set_cookie)
        return token

    def get_csrf_token(self, request: Any) -> str:
        """The cookie's token while it belongs to this session; a new one otherwise."""
        token = self.cookie_profile.bind(request).get_value()
        if not token or not self._belongs(request, token):
            token = self.new_csrf_token(request)
        return token

    def _belongs(self, request: Any, token: str) -> bool:
        nonce, _, mac = token.partition(".")
        return bool(mac) and hmac.compare_digest(mac, self._mac(request, nonce))

    def _mac(self, request: Any, nonce: str) -> str:
        bound_to = f"{nonce}|{request.session.get(AUTH_KEY, '')}".encode()
        return hmac.new(self._key, bound_to, hashlib.sha256).hexdigest()[:32]
