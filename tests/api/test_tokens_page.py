"""The API tokens page: a token is shown once, listed with its use, and revoked."""

from __future__ import annotations

from typing import Any

from core.db import set_tenant
from plugins.api.models import PersonalToken
from tests.api.conftest import bearer, make_token


def _create(webapp: Any, tenant: str, **fields: Any) -> Any:
    form = webapp.get(f"/t/{tenant}/settings/api").forms["token-form"]
    form["name"] = fields.get("name", "ERP")
    form["scopes"] = fields.get("scopes", ["contacts:read"])
    if "expires_on" in fields:
        form["expires_on"] = fields["expires_on"]
    return form.submit(status="*")


def test_a_new_token_is_shown_once_and_works(webapp: Any, login: Any, acme: Any) -> None:
    login(webapp, "maija@acme.example")

    page = _create(webapp, "acme")
    token = page.html.select_one("code.token").get_text()
    again = webapp.get("/t/acme/settings/api")

    assert token.startswith("myypat_")
    assert token not in again.text
    assert "ERP" in again.text
    webapp.get(acme.url("/customers"), headers=bearer(token), status=200)


def test_a_token_without_access_or_with_a_past_date_is_explained(
    webapp: Any, login: Any, db: Any, acme: Any
) -> None:
    login(webapp, "maija@acme.example")

    page = _create(webapp, "acme", name="Verkkokauppa", scopes=[], expires_on="2020-01-01")

    assert page.status_int == 400
    assert page.forms["token-form"]["name"].value == "Verkkokauppa"
    assert "Choose at least one." in page.text
    assert "Give a date after today." in page.text
    set_tenant(db, acme.tenant.id)
    assert db.query(PersonalToken).count() == 0


def test_a_revoked_token_stops_working(webapp: Any, login: Any, db: Any, acme: Any) -> None:
    token = make_token(db, acme.tenant, acme.member)
    login(webapp, "maija@acme.example")

    page = webapp.get("/t/acme/settings/api")
    revoke = next(f for f in page.forms.values() if f.action.endswith("/revoke"))
    revoke.submit().follow()

    webapp.get(acme.url("/customers"), headers=bearer(token), status=401)


def test_a_member_sees_only_their_own_tokens_and_an_admin_all(
    webapp: Any, login: Any, db: Any, acme: Any
) -> None:
    make_token(db, acme.tenant, acme.admin)
    set_tenant(db, acme.tenant.id)
    db.query(PersonalToken).one().name = "Annan avain"
    make_token(db, acme.tenant, acme.member)

    login(webapp, "maija@acme.example")
    own = webapp.get("/t/acme/settings/api")
    login(webapp, "anna@acme.example")
    everyone = webapp.get("/t/acme/settings/api")

    assert "Annan avain" not in own.text
    assert "Annan avain" in everyone.text and "Maija" in everyone.text


def test_a_member_cannot_revoke_anothers_token(webapp: Any, login: Any, db: Any, acme: Any) -> None:
    token = make_token(db, acme.tenant, acme.admin)
    set_tenant(db, acme.tenant.id)
    row = db.query(PersonalToken).one()
    login(webapp, "maija@acme.example")
    page = webapp.get("/t/acme/settings/api")

    webapp.post(
        f"/t/acme/settings/api/{row.id}/revoke",
        {"csrf_token": page.forms["token-form"]["csrf_token"].value},
        status=404,
    )

    webapp.get(acme.url("/customers"), headers=bearer(token), status=200)


def test_another_tenants_token_is_neither_listed_nor_revoked(
    webapp: Any, login: Any, db: Any, acme: Any, beta: Any
) -> None:
    token = make_token(db, beta.tenant, beta.admin)
    set_tenant(db, beta.tenant.id)
    row = db.query(PersonalToken).one()
    row.name = "Betan avain"
    db.flush()
    login(webapp, "anna@acme.example")
    page = webapp.get("/t/acme/settings/api")

    webapp.post(
        f"/t/acme/settings/api/{row.id}/revoke",
        {"csrf_token": page.forms["token-form"]["csrf_token"].value},
        status=404,
    )

    assert "Betan avain" not in page.text
    webapp.get(beta.url("/customers"), headers=bearer(token), status=200)
