"""CSRF: a state-changing request without the token, or with a forged one.

It gets a friendly 400 page and changes nothing.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import webtest
from pyramid.interfaces import IRoutesMapper
from sqlalchemy import select

from core.db import all_tenants
from core.i18n import LOCALE_COOKIE
from core.models import AuthSession, Base, FailedLogin, Role
from core.testing import PASSWORD, csrf_token

PLACEHOLDER = re.compile(r"{(\w+)(?::([^}]*))?}")
FORGED = "0123456789abcdef0123456789abcdef"
TITLE = "The form could not be sent"


@pytest.fixture
def anna(make_tenant, make_user, myynti_registry):
    everything = tuple(p.name for p in myynti_registry.plugins if p.licensed)
    tenant = make_tenant("acme", "Acme Oy", plugins=everything)
    return make_user("anna@example.com", tenant=tenant, role=Role.ADMIN, platform_admin=True)


def _everything(db) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: a refused request must leave all of them as they were."""
    with all_tenants(db):
        return {
            table.name: sorted(map(tuple, db.execute(select(table)).all()), key=repr)
            for table in Base.metadata.sorted_tables
        }


def _assert_friendly_400(response: webtest.TestResponse, title: str = TITLE) -> None:
    assert response.status_int == 400
    assert response.content_type == "text/html"
    assert response.html.select_one("h1").get_text(strip=True) == title
    assert response.html.select_one("header.topbar") is not None, "the page has the layout"
    assert "Traceback" not in response.text and "check_csrf_token" not in response.text


# --- each form by name ----------------------------------------------------------------


@pytest.mark.parametrize("token", [None, FORGED])
def test_login_without_a_valid_token_is_refused(webapp, anna, db, token):
    webapp.get("/login")
    params = {"email": "anna@example.com", "password": PASSWORD}
    if token:
        params["csrf_token"] = token
    response = webapp.post("/login", params, status=400)
    _assert_friendly_400(response)
    assert db.scalars(select(AuthSession)).all() == []
    assert db.scalars(select(FailedLogin)).all() == []
    webapp.get("/t/acme/", status=303)


@pytest.mark.parametrize("token", [None, FORGED])
def test_logout_without_a_valid_token_keeps_the_session(webapp, anna, db, login, token):
    login(webapp, "anna@example.com")
    params = {"csrf_token": token} if token else {}
    _assert_friendly_400(webapp.post("/logout", params, status=400))
    assert len(db.scalars(select(AuthSession)).all()) == 1
    webapp.get("/t/acme/", status=200)


@pytest.mark.parametrize("token", [None, FORGED])
def test_locale_without_a_valid_token_changes_nothing(webapp, anna, db, login, token):
    login(webapp, "anna@example.com")
    params = {"locale": "fi", "came_from": "/t/acme/"}
    if token:
        params["csrf_token"] = token
    response = webapp.post("/locale", params, status=400)
    _assert_friendly_400(response)
    assert LOCALE_COOKIE not in str(response.headers.getall("Set-Cookie"))
    db.refresh(anna)
    assert anna.locale is None


@pytest.mark.parametrize("token", [None, FORGED])
def test_password_change_without_a_valid_token_changes_nothing(webapp, anna, db, login, token):
    login(webapp, "anna@example.com")
    before = anna.password_hash
    params = {
        "current": PASSWORD,
        "new": "another long password",
        "repeat": "another long password",
    }
    if token:
        params["csrf_token"] = token
    _assert_friendly_400(webapp.post("/account/password", params, status=400))
    db.refresh(anna)
    assert anna.password_hash == before


def test_another_browsers_token_is_refused(webapp, anna, db, login):
    """A token is bound to its own browser's cookie: a token from elsewhere is a forgery."""
    other = webtest.TestApp(webapp.app)
    other.get("/login")
    stolen = csrf_token(other)
    login(webapp, "anna@example.com")
    assert stolen != csrf_token(webapp)
    webapp.post("/logout", {"csrf_token": stolen}, status=400)
    webapp.get("/t/acme/", status=200)


def test_a_token_planted_with_its_cookie_is_refused(webapp, anna, login):
    """Someone who can set the site's cookies plants a token pair: free or from their session."""
    attacker = webtest.TestApp(webapp.app)
    login(attacker, "anna@example.com")
    from_their_session = csrf_token(attacker)
    login(webapp, "anna@example.com")
    for planted in (FORGED, from_their_session):
        webapp.set_cookie("myynti_csrf", planted)
        webapp.post("/logout", {"csrf_token": planted}, status=400)
        webapp.get("/t/acme/", status=200)


def test_signing_in_and_out_renews_the_token(webapp, anna, login):
    webapp.get("/login")
    before = csrf_token(webapp)
    login(webapp, "anna@example.com")
    signed_in = csrf_token(webapp)
    webapp.post("/logout", {"csrf_token": signed_in}, status=303)
    webapp.get("/login")

    assert len({before, signed_in, csrf_token(webapp)}) == 3


def test_the_token_in_a_header_is_accepted(webapp, anna, login):
    """Scripts send the token as ``X-CSRF-Token`` instead of a form field."""
    login(webapp, "anna@example.com")
    webapp.post("/logout", headers={"X-CSRF-Token": csrf_token(webapp)}, status=303)
    webapp.get("/t/acme/", status=303)


def test_the_refusal_is_in_the_users_language(webapp, anna):
    webapp.get("/login")
    response = webapp.post(
        "/login", {"email": "x@example.com"}, headers={"Accept-Language": "fi"}, status=400
    )
    _assert_friendly_400(response, "Lomaketta ei voitu lähettää")
    assert "lataa sivu uudelleen" in response.text


def test_reading_needs_no_token(webapp, anna, login):
    login(webapp, "anna@example.com")
    webapp.get("/t/acme/", status=200)
    webapp.get("/account/password", status=200)


# --- every view that accepts a POST ------------------------------------------------------


def _post_views(wsgi_app) -> list[tuple[str, dict[str, str]]]:
    """(route name, request params a view predicate needs) for every view a POST can reach.

    Static files (Pyramid's ``__static`` routes) change nothing. Views that opt out
    of CSRF on purpose (``require_csrf=False``: public web-form and token API
    endpoints, which no browser session authorises) are left out.
    """
    found = []
    for item in wsgi_app.registry.introspector.get_category("views"):
        view = item["introspectable"]
        methods = view["request_methods"]
        name = view["route_name"]
        if not name or name.startswith("__") or view["require_csrf"] is False:
            continue
        if methods is not None and "POST" not in methods:
            continue
        params = {}
        predicates = view["request_param"] or ()
        for predicate in [predicates] if isinstance(predicates, str) else predicates:
            key, _, value = predicate.partition("=")
            params[key] = value
        found.append((view["route_name"], params))
    return found


def _path(wsgi_app, route_name: str) -> str:
    route = wsgi_app.registry.getUtility(IRoutesMapper).get_route(route_name)
    return PLACEHOLDER.sub(
        lambda m: (
            "acme"
            if m.group(1) == "tenant"
            else "1"
            if m.group(2) and "\\d" in m.group(2)
            else "customer"
        ),
        route.pattern,
    )


@pytest.mark.parametrize("token", [None, FORGED])
def test_every_post_view_refuses_a_missing_or_forged_token(
    webapp, wsgi_app, anna, db, login, token
):
    login(webapp, "anna@example.com")
    views = _post_views(wsgi_app)
    assert {"login", "logout", "set_locale", "account_password"} <= {name for name, _ in views}
    before = _everything(db)
    for route_name, params in views:
        body = {**params, "name": "Changed", "locale": "fi"}
        if token:
            body["csrf_token"] = token
        response = webapp.post(_path(wsgi_app, route_name), body, status="*")
        assert response.status_int == 400, (route_name, response.status)
        assert "Traceback" not in response.text
    assert _everything(db) == before
    webapp.get("/t/acme/", status=200)
