"""The friendly 404, 403, 400 and 500 pages, in the user's language; they change nothing."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
import webtest
from sqlalchemy import select

from core.app import make_config
from core.models import FailedLogin, Role
from core.plugins import CORE_PLUGIN, PluginRegistry
from core.security import CorePermission
from core.testing import app_in_transaction

FINNISH = {"Accept-Language": "fi"}


def _heading(page: webtest.TestResponse) -> str:
    return page.html.select_one("h1").get_text(strip=True)


def _has_layout(page: webtest.TestResponse) -> bool:
    return page.html.select_one("header.topbar") is not None


# --- an app with views that fail, made for these tests --------------------------------


def _boom(request: Any) -> Any:
    """Writes a row, then fails: the row must not be committed."""
    request.db.add(FailedLogin(email="boom@example.com", ip="192.0.2.99"))
    request.db.flush()
    raise RuntimeError("the test view failed on purpose")


def _secret(request: Any) -> Any:
    return request.response


@pytest.fixture(scope="module")
def failing_wsgi(app_settings, db_engine) -> Any:
    config = make_config(app_settings, registry=PluginRegistry([CORE_PLUGIN]), engine=db_engine)
    config.add_route("test_boom", "/test/boom")
    config.add_view(_boom, route_name="test_boom")
    config.add_tenant_route("test_admin_only", "/test/admin-only")
    config.add_view(_secret, route_name="test_admin_only", permission=CorePermission.USERS_MANAGE)
    return config.make_wsgi_app()


@pytest.fixture
def failing_app(failing_wsgi, db_connection) -> Iterator[webtest.TestApp]:
    with app_in_transaction(failing_wsgi, db_connection, "192.0.2.40") as app:
        yield app


@pytest.fixture
def acme(make_tenant, make_user) -> Any:
    tenant = make_tenant("acme", "Acme Oy")
    make_user("admin@acme.example", tenant=tenant, role=Role.ADMIN)
    make_user("member@acme.example", tenant=tenant, role=Role.MEMBER)
    return tenant


# --- 404 ------------------------------------------------------------------------------


def test_unknown_url_is_a_friendly_404(webapp):
    page = webapp.get("/no/such/page", status=404)
    assert page.content_type == "text/html"
    assert _heading(page) == "Page not found"
    assert _has_layout(page)
    assert page.html.select_one("a[href='http://localhost/']") is not None


def test_404_is_in_finnish_for_a_finnish_browser(webapp):
    page = webapp.get("/no/such/page", headers=FINNISH, status=404)
    assert _heading(page) == "Sivua ei löydy"
    assert "Takaisin etusivulle" in page.text
    assert page.html.select_one("html")["lang"] == "fi"


def test_404_for_a_signed_in_user_keeps_the_layout(webapp, acme, login):
    login(webapp, "member@acme.example")
    page = webapp.get("/t/acme/no-such-page", status=404)
    assert _heading(page) == "Page not found"
    assert page.html.select_one("form[action$='/logout']") is not None


def test_missing_slash_is_added(webapp, acme, login):
    login(webapp, "member@acme.example")
    assert webapp.get("/t/acme", status=303).location.endswith("/t/acme/")


def test_wrong_method_is_a_404_not_an_error(webapp, acme, login):
    login(webapp, "member@acme.example")
    assert _heading(webapp.get("/logout", status=404)) == "Page not found"


@pytest.mark.parametrize("url", ["/%ff", "/t/%ff/", "/login?came_from=%ff", "/login?%ff=1"])
def test_an_address_that_does_not_decode_is_a_400(webapp, url):
    page = webapp.get(url, status=400)
    assert _heading(page) == "The address is not valid"


# --- 403 ------------------------------------------------------------------------------


def test_member_without_permission_gets_the_403_page(failing_app, acme, login):
    login(failing_app, "member@acme.example")
    page = failing_app.get("/t/acme/test/admin-only", status=403)
    assert _heading(page) == "No permission"
    assert "Ask your admin" in page.text
    assert _has_layout(page)


def test_403_is_in_finnish_for_a_finnish_user(failing_app, acme, login, db):
    member = login(failing_app, "member@acme.example")
    assert member.status_int == 303
    failing_app.post(
        "/locale",
        {"locale": "fi", "csrf_token": failing_app.cookies["myynti_csrf"]},
        status=303,
    )
    page = failing_app.get("/t/acme/test/admin-only", status=403)
    assert _heading(page) == "Ei käyttöoikeutta"


def test_admin_holds_the_permission(failing_app, acme, login):
    login(failing_app, "admin@acme.example")
    failing_app.get("/t/acme/test/admin-only", status=200)


def test_anonymous_visitor_is_sent_to_log_in_instead_of_403(failing_app, acme):
    response = failing_app.get("/t/acme/test/admin-only", status=303)
    assert "/login?came_from=%2Ft%2Facme%2Ftest%2Fadmin-only" in response.location


def test_platform_pages_are_403_for_others(webapp, acme, login):
    login(webapp, "admin@acme.example")
    page = webapp.get("/platform/tenants", status=403)
    assert _heading(page) == "No permission"


# --- 500 ------------------------------------------------------------------------------


def test_an_exception_gives_the_plain_500_page_and_writes_nothing(
    failing_app, db, caplog: pytest.LogCaptureFixture
):
    with caplog.at_level(logging.ERROR, logger="core.views.errors"):
        page = failing_app.get("/test/boom", status=500)
    assert _heading(page) == "Something went wrong"
    assert "The error has been logged" in page.text
    assert not _has_layout(page), "the plain page does not depend on the layout"
    assert "RuntimeError" not in page.text and "Traceback" not in page.text
    assert any(
        "the test view failed on purpose" in r.getMessage() or r.exc_info for r in caplog.records
    )
    assert (
        db.scalars(select(FailedLogin).where(FailedLogin.email == "boom@example.com")).all() == []
    )


def test_500_is_in_finnish_for_a_finnish_browser(failing_app):
    page = failing_app.get("/test/boom", headers=FINNISH, status=500)
    assert _heading(page) == "Jokin meni vikaan"
    assert page.html.select_one("html")["lang"] == "fi"
