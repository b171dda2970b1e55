"""Pages carry a content security policy and refuse framing; no template runs inline script."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.app import make_config
from core.models import Role
from core.testing import app_in_transaction

ROOT = Path(__file__).resolve().parent.parent
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)


def test_a_page_says_what_it_may_load_and_that_it_may_not_be_framed(webapp):
    page = webapp.get("/login")

    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in page.headers


def test_over_https_the_browser_is_told_to_stay_there(
    app_settings, myynti_registry, db_engine, db_connection
):
    settings = {**app_settings, "myynti.secure_cookies": "true"}
    wsgi = make_config(settings, registry=myynti_registry, engine=db_engine).make_wsgi_app()
    with app_in_transaction(wsgi, db_connection) as app:
        page = app.get("/login", extra_environ={"wsgi.url_scheme": "https"})

    assert page.headers["Strict-Transport-Security"].startswith("max-age=")


def test_a_signed_in_page_has_the_policy_too(webapp, make_tenant, make_user, login):
    tenant = make_tenant("acme", "Acme Oy")
    make_user("anna@example.com", tenant=tenant, role=Role.ADMIN)
    login(webapp, "anna@example.com")

    assert "default-src 'self'" in webapp.get("/t/acme/").headers["Content-Security-Policy"]


def _templates() -> list[Path]:
    found = [*ROOT.glob("core/**/*.pt"), *ROOT.glob("plugins/**/*.pt")]
    return sorted(found) + sorted(ROOT.glob("examples/*/**/*.pt"))


@pytest.mark.parametrize("template", _templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_runs_inline_script(template: Path) -> None:
    """The policy would stop it in the browser: behaviour belongs in a static script."""
    text = template.read_text(encoding="utf-8")

    assert not INLINE_SCRIPT.search(text), "an inline <script>"
    assert not EVENT_HANDLER.search(text), "an on...= event handler attribute"


def test_the_tenant_switch_needs_no_inline_script(webapp, make_tenant, make_user, login):
    for slug in ("acme", "beta"):
        make_user("anna@example.com", tenant=make_tenant(slug, slug.title() + " Oy"))
    login(webapp, "anna@example.com")

    page = webapp.get("/t/acme/")

    assert page.html.select_one("select#switch-tenant[data-submit-on-change]") is not None
