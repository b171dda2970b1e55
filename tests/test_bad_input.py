"""Input no one should send gets a 4xx on every route, never a 500 (core.input_guard).

The routes are walked from the app's route mapper, so a route a plugin adds later
is checked without changing this file. The ids are past PostgreSQL's integer
range, where a query would fail in the database; the text carries NUL bytes,
which PostgreSQL cannot store.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from pyramid.interfaces import IRoutesMapper

from core.models import Role
from core.testing import csrf_token

PLACEHOLDER = re.compile(r"{(\w+)(?::([^}]*))?}")
TOO_BIG = "2147483648"
HUGE_QUERY = {"page": "9" * 20, "id": "9" * 12, "stage_id": "9" * 12, "customer_id": "9" * 12}
NUL_TEXT = "abc\x00def"


@pytest.fixture
def alpha(db, make_tenant, make_user, myynti_registry, webapp, login) -> Any:
    everything = tuple(p.name for p in myynti_registry.plugins if p.licensed)
    tenant = make_tenant("alpha", "Alpha Oy", plugins=everything)
    make_user("anna@alpha.example", tenant=tenant, role=Role.ADMIN, name="Anna Alpha")
    login(webapp, "anna@alpha.example")
    return tenant


def _urls(wsgi_app, text: str) -> list[tuple[str, str]]:
    """(route name, path) of every route, ids too big for the database, other text ``text``."""
    mapper = wsgi_app.registry.getUtility(IRoutesMapper)
    urls = []
    for route in mapper.get_routes():
        if route.pattern.startswith("/static") or "*" in route.pattern:
            continue

        def fill(match: re.Match[str]) -> str:
            name, regex = match.group(1), match.group(2)
            if name == "tenant":
                return "alpha"
            if name == "entity":
                return "customer"
            numeric = (regex and "\\d" in regex) or name == "id" or name.endswith("_id")
            return TOO_BIG if numeric else text

        urls.append((route.name, PLACEHOLDER.sub(fill, route.pattern)))
    assert len(urls) > 20
    return urls


def test_ids_past_the_integer_range_are_not_found_anywhere(webapp, wsgi_app, alpha):
    for name, url in _urls(wsgi_app, "x"):
        response = webapp.get(url, HUGE_QUERY, status="*")
        assert response.status_int < 500, (name, url, response.status)


def test_a_nul_byte_in_the_path_or_query_is_refused(webapp, wsgi_app, alpha):
    with_text = [(name, url) for name, url in _urls(wsgi_app, "abc%00def") if "%00" in url]
    assert with_text
    for name, url in with_text:
        response = webapp.get(url, status="*")
        assert response.status_int in {400, 404}, (name, url, response.status)
    for name, url in _urls(wsgi_app, "x"):
        response = webapp.get(url, {"q": NUL_TEXT}, status="*")
        assert response.status_int in {400, 404}, (name, url, response.status)


def test_forms_with_huge_ids_or_nul_bytes_are_refused_on_every_route(webapp, wsgi_app, alpha):
    token = csrf_token(webapp)
    for name, url in _urls(wsgi_app, "x"):
        huge = webapp.post(url, {"csrf_token": token, "name": "x", **HUGE_QUERY}, status="*")
        nul = webapp.post(url, {"csrf_token": token, "name": NUL_TEXT}, status="*")
        assert huge.status_int < 500, (name, url, huge.status)
        assert nul.status_int in {400, 404, 405}, (name, url, nul.status)


def test_a_multipart_form_without_a_boundary_is_a_400(webapp):
    for url in ("/login", "/locale"):
        response = webapp.post(
            url, b"a=b", headers={"Content-Type": "multipart/form-data"}, status="*"
        )
        assert response.status_int == 400, (url, response.status)


def test_anonymous_nul_bytes_and_deep_json_are_refused(webapp, wsgi_app):
    assert webapp.post("/f/abc%00def", {"name": "x"}, status="*").status_int in {400, 404}
    api = [url for name, url in _urls(wsgi_app, "x") if "api" in name]
    deep = ("[" * 5000 + "]" * 5000).encode()
    nul = b'{"name": "a\\u0000b"}'
    for url in api:
        for body in (deep, nul):
            response = webapp.post(
                url, body, headers={"Content-Type": "application/json"}, status="*"
            )
            assert response.status_int in {400, 401, 403, 404}, (url, response.status)
