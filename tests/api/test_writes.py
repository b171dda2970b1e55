"""Creating, changing and archiving records through the API."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.db import set_tenant
from core.models import Event
from plugins.contacts.models import Customer
from tests.api.conftest import bearer, make_token

WRITE = ("contacts:write",)
PROBLEM = "application/problem+json"


def _errors(answer: Any) -> dict[str, str]:
    assert answer.content_type == PROBLEM
    return {e["field"]: e["message"] for e in answer.json["errors"]}


def test_a_customer_is_created_as_the_form_creates_one(webapp: Any, db: Any, acme: Any) -> None:
    token = make_token(db, acme.tenant, acme.member, scopes=WRITE)

    answer = webapp.post_json(
        acme.url("/customers"),
        {"name": "Kahvila Kulma Oy", "business_id": "0112038-9", "phone": "040 123 4567"},
        headers=bearer(token),
        status=201,
    )

    set_tenant(db, acme.tenant.id)
    customer = db.get(Customer, answer.json["id"])
    assert answer.location.endswith(f"/customers/{customer.id}")
    assert customer.name_key == "kahvila kulma oy"
    assert customer.phone_digits == "+358401234567"
    events = db.scalars(select(Event).where(Event.record_id == customer.id)).all()
    assert [(e.entity, e.kind) for e in events] == [("customer", "created")]
    assert events[0].actor_user_id == acme.member.id


def test_bad_values_are_named_field_by_field_and_nothing_is_saved(
    webapp: Any, db: Any, acme: Any, beta: Any
) -> None:
    token = make_token(db, acme.tenant, acme.member, scopes=WRITE)

    typed = webapp.post_json(
        acme.url("/customers"),
        {
            "marketing_consent": "yes",
            "team_id": 2**40,
            "responsible_user_id": beta.admin.id,
            "colour": "red",
            "name_key": "x",
        },
        headers=bearer(token),
        status=422,
    )
    ruled = webapp.post_json(
        acme.url("/customers"),
        {"name": "Kulma", "business_id": "0112038-8", "email": "ei-osoite", "language": "de"},
        headers={**bearer(token), "Accept-Language": "fi"},
        status=422,
    )

    assert _errors(typed) == {
        "marketing_consent": "Give true or false.",
        "team_id": "The number is out of range.",
        "responsible_user_id": "No such record in this organisation.",
        "colour": "No such field.",
        "name_key": "This field cannot be written.",
        "name": "This field is required.",
    }
    assert _errors(ruled) == {
        "business_id": "Y-tunnuksen tarkistusmerkki on väärä.",
        "email": "Anna kelvollinen sähköpostiosoite.",
        "language": "Valitse fi, sv tai en.",
    }
    set_tenant(db, acme.tenant.id)
    assert db.query(Customer).count() == len(acme.customers)


def test_a_body_that_is_not_a_json_object_is_refused(webapp: Any, db: Any, acme: Any) -> None:
    token = make_token(db, acme.tenant, acme.member, scopes=WRITE)

    webapp.post(
        acme.url("/customers"),
        "name=x",
        headers={**bearer(token), "Content-Type": "application/x-www-form-urlencoded"},
        status=415,
    )
    webapp.post(
        acme.url("/customers"),
        "{not json",
        headers={**bearer(token), "Content-Type": "application/json"},
        status=400,
    )
    webapp.post_json(acme.url("/customers"), ["a list"], headers=bearer(token), status=400)


def test_a_change_needs_the_version_read_and_a_stale_one_is_409(
    webapp: Any, db: Any, acme: Any
) -> None:
    token = make_token(db, acme.tenant, acme.member, scopes=WRITE)
    url = acme.url(f"/customers/{acme.customers[0].id}")
    read = webapp.get(url, headers=bearer(token)).json

    missing = webapp.patch_json(url, {"industry": "Kahvilat"}, headers=bearer(token), status=422)
    changed = webapp.patch_json(
        url, {"industry": "Kahvilat", "version": read["version"]}, headers=bearer(token)
    )
    stale = webapp.patch_json(
        url,
        {"industry": "Ravintolat", "version": read["version"]},
        headers=bearer(token),
        status=409,
    )

    assert _errors(missing) == {"version": "Give the version you read."}
    assert changed.json["industry"] == "Kahvilat"
    assert changed.json["version"] == read["version"] + 1
    assert stale.content_type == PROBLEM
    assert webapp.get(url, headers=bearer(token)).json["industry"] == "Kahvilat"


def test_archiving_keeps_the_customer_and_marks_it(webapp: Any, db: Any, acme: Any) -> None:
    token = make_token(db, acme.tenant, acme.member, scopes=WRITE)
    url = acme.url(f"/customers/{acme.customers[1].id}")

    archived = webapp.delete(url, headers=bearer(token)).json

    assert archived["archived_at"] is not None
    assert webapp.get(url, headers=bearer(token)).json["id"] == acme.customers[1].id


def test_a_read_scope_cannot_write(webapp: Any, db: Any, acme: Any) -> None:
    token = make_token(db, acme.tenant, acme.member, scopes=("contacts:read",))

    webapp.post_json(acme.url("/customers"), {"name": "X"}, headers=bearer(token), status=403)
    webapp.delete(acme.url(f"/customers/{acme.customers[0].id}"), headers=bearer(token), status=403)


def test_another_tenants_record_cannot_be_changed_or_archived(
    webapp: Any, db: Any, acme: Any, beta: Any
) -> None:
    token = make_token(db, acme.tenant, acme.admin, scopes=WRITE)
    url = acme.url(f"/customers/{beta.customers[0].id}")

    webapp.patch_json(url, {"name": "Kaapattu", "version": 1}, headers=bearer(token), status=404)
    webapp.delete(url, headers=bearer(token), status=404)

    set_tenant(db, beta.tenant.id)
    assert db.get(Customer, beta.customers[0].id).name == beta.customers[0].name


def test_a_read_only_entity_takes_no_writes(webapp: Any, db: Any, acme: Any) -> None:
    token = make_token(db, acme.tenant, acme.admin, scopes=("contacts:write",))

    # (A POST to contact-requests is contacts' own intake, with its own token.)
    webapp.patch_json(
        acme.url("/contact-requests/1"),
        {"subject": "X", "version": 1},
        headers=bearer(token),
        status=404,
    )
    webapp.delete(acme.url("/contact-requests/1"), headers=bearer(token), status=404)
