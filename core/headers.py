"""Security headers on every answer: what a page may load, and who may frame it.

Pages load scripts and styles only from this site (no inline script: behaviour
comes from ``core/static`` and plugins' static files, wired with data
attributes), may not be framed by another site, and over HTTPS (secure cookies
on) tell the browser to stay on HTTPS. A response that set its own policy (an
attachment's sandbox, a message shown with its remote images) keeps it.
"""

from __future__ import annotations

from typing import Any

from core.settings import as_bool

#: Images from this site only: an image from elsewhere tells its server who looked and when.
#: A view that shows remote images on a user's request widens this for its own answer.
IMAGES = "'self' data:"


def page_policy(img_src: str = IMAGES) -> str:
    """The policy of a page; inline styles stay allowed: templates set widths (chart bars)."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            f"img-src {img_src}",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


PAGE_POLICY = page_policy()
HSTS = "max-age=31536000"


def add_security_headers(event: Any) -> None:
    """``NewResponse`` subscriber."""
    response = event.response
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if (response.content_type or "").startswith("text/html"):
        headers.setdefault("Content-Security-Policy", PAGE_POLICY)
        headers.setdefault("X-Frame-Options", "DENY")
    if as_bool(event.request.registry.settings.get("myynti.secure_cookies", False)):
        headers.setdefault("Strict-Transport-Security", HSTS)
