"""The contact-request API and its per-tenant tokens."""

import hashlib

import pytest

from core.db import set_tenant
from core.licensing import disable_plugin
from plugins.contacts.models import ApiToken, ContactRequest
from plugins.contacts.requests import tokens
from tests.contacts.requests_support import count_all, events, rows, two_tenants

URL = "/api/v1/t/alpha/contact-requests"
VALID = {"name": "Maija Virtanen", "email": "maija@virtanen.fi", "subject": "Verkkokauppa"}


@pytest.fixture
def world(db, make_tenant, make_user):
    world = two_tenants(db, make_tenant, make_user)
    set_tenant(db, world.alpha.id)
    world.token_row, world.token = tokens.generate(db, "Verkkokauppa")
    set_tenant(db, world.beta.id)
    world.beta_row, world.beta_token = tokens.generate(db, "Beta shop")
    db.flush()
    return world


def _call(webapp, body, token, status, url=URL):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return webapp.post_json(url, body, headers=headers, status=status)


def test_admin_makes_a_token_that_is_shown_once_and_stored_hashed(webapp, world, db, login):
    login(webapp, "admin@alpha.example")
    form = webapp.get("/t/alpha/settings/api-tokens").forms["token-form"]
    form["name"] = "CRM-integraatio"
    page = form.submit()
    token = page.html.select_one("code.token").text
    assert token.startswith("myy_") and len(token) > 40
    stored = rows(db, world.alpha, ApiToken, ApiToken.name == "CRM-integraatio")[0]
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in webapp.get("/t/alpha/settings/api-tokens").text
    assert "/api/v1/t/alpha/contact-requests" in page.text
    _call(webapp, VALID, token, 201)


def test_a_request_is_created_with_201_and_its_id(webapp, world, db):
    response = _call(webapp, {**VALID, "language": "fi", "phone": None}, world.token, 201)
    (item,) = rows(db, world.alpha, ContactRequest)
    assert response.json == {"id": item.id, "state": "new"}
    assert response.location == f"http://localhost/t/alpha/requests/{item.id}"
    assert (item.source, item.subject, item.language) == ("api", "Verkkokauppa", "fi")
    received = events(db, world.alpha, "contact_request", item.id)[0]
    assert received.actor_label == "API: Verkkokauppa"
    assert rows(db, world.alpha, ApiToken)[0].last_used_at is not None


def test_wrong_missing_revoked_or_other_tenants_token_is_401(webapp, world, db):
    set_tenant(db, world.alpha.id)
    revoked_row, revoked = tokens.generate(db, "Vanha")
    tokens.revoke(revoked_row)
    db.flush()
    for token in (None, "myy_wrong", world.beta_token, revoked, world.token + "x", "x" * 5000):
        response = _call(webapp, VALID, token, 401)
        assert response.json == {"error": "The API token is missing, wrong or revoked."}
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    webapp.post_json(URL, VALID, headers={"Authorization": f"Basic {world.token}"}, status=401)
    _call(webapp, VALID, world.token, 401, url="/api/v1/t/beta/contact-requests")
    _call(webapp, VALID, world.token, 401, url="/api/v1/t/nobody/contact-requests")
    assert count_all(db, ContactRequest) == 0


def test_field_errors_come_back_per_field(webapp, world, db):
    response = _call(
        webapp,
        {
            "name": "x" * 10_000,
            "email": "not-an-email",
            "phone": "12",
            "business_id": "1234567-8",
            "colour": "blue",
            "message": 5,
        },
        world.token,
        400,
    )
    errors = response.json["errors"]
    assert set(errors) == {"name", "email", "phone", "business_id", "colour", "message"}
    assert "200 characters" in errors["name"][0]
    assert errors["email"] == ["Enter a valid e-mail address."]
    assert errors["colour"] == ["Unknown field."]
    assert errors["message"] == ["Give this value as text."]
    assert _call(webapp, {"name": "Nimi"}, world.token, 400).json["errors"] == {
        "email": ["Give an e-mail address or a phone number."]
    }
    for body in ("[]", "{oops", '"text"'):
        response = webapp.post(
            URL,
            body,
            headers={"Authorization": f"Bearer {world.token}", "Content-Type": "application/json"},
            status=400,
        )
        assert response.json == {"error": "The body must be a JSON object."}
    assert count_all(db, ContactRequest) == 0


def test_html_in_api_fields_is_kept_as_text(webapp, world, db, login):
    evil = "<script>alert(1)</script>"
    body = {**VALID, "name": evil, "company": evil, "subject": evil, "message": evil}
    item_id = _call(webapp, body, world.token, 201).json["id"]
    login(webapp, "anna@alpha.example")
    page = webapp.get(f"/t/alpha/requests/{item_id}")
    assert "<script>alert(1)" not in page.text and "&lt;script&gt;alert(1)" in page.text


def test_a_huge_body_is_refused(webapp, world, db):
    response = _call(webapp, {**VALID, "message": "x" * 70_000}, world.token, 413)
    assert response.json == {"error": "The message is too large."}
    assert count_all(db, ContactRequest) == 0


def test_a_tenant_without_contacts_has_no_api(webapp, world, db, myynti_registry):
    disable_plugin(db, myynti_registry, world.alpha, "contacts")
    assert _call(webapp, VALID, world.token, 404).json == {"error": "This form is not available."}
    assert count_all(db, ContactRequest) == 0


def test_tokens_page_and_revoking_are_per_tenant(webapp, world, db, login):
    login(webapp, "admin@beta.example")
    page = webapp.get("/t/beta/settings/api-tokens")
    assert "Beta shop" in page.text and "Verkkokauppa" not in page.text
    csrf = webapp.cookies["myynti_csrf"]
    webapp.post(
        f"/t/beta/settings/api-tokens/{world.token_row.id}/revoke", {"csrf_token": csrf}, status=404
    )
    webapp.get("/t/alpha/settings/api-tokens", status=404)
    assert rows(db, world.alpha, ApiToken)[0].revoked_at is None
    login(webapp, "admin@alpha.example")
    page = webapp.get("/t/alpha/settings/api-tokens")
    revoke = next(f for f in page.forms.values() if f.action.endswith("/revoke"))
    assert "API token revoked." in revoke.submit().follow().text
    _call(webapp, VALID, world.token, 401)


def test_an_empty_token_name_is_refused(webapp, world, db, login):
    login(webapp, "admin@alpha.example")
    form = webapp.get("/t/alpha/settings/api-tokens").forms["token-form"]
    form["name"] = "x" * 500
    page = form.submit(status=400)
    assert "120 characters" in page.html.select_one("#name-error").text
    assert page.html.select_one("code.token") is None
    assert len(rows(db, world.alpha, ApiToken)) == 1
