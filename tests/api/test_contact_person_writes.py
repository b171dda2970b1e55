"""Contact persons added, changed and archived through the API as on the customer's page."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.db import set_tenant
from core.models import Event
from plugins.contacts.models import ContactPerson, CustomerKind
from tests.api.conftest import bearer, make_token

WRITE = ("contacts:write",)
PROBLEM = "application/problem+json"


def _errors(answer: Any) -> dict[str, str]:
    assert answer.content_type == PROBLEM
    return {e["field"]: e["message"] for e in answer.json["errors"]}


def _customer_events(db: Any, company: Any, customer_id: int) -> list[tuple[str, str]]:
    set_tenant(db, company.tenant.id)
    events = db.scalars(
        select(Event)
        .where(Event.entity == "customer", Event.record_id == customer_id)
        .order_by(Event.id)
    )
    return [(e.kind, e.payload.get("text", "")) for e in events]


def test_a_contact_person_is_added_changed_and_archived_in_the_customers_history(
    webapp: Any, db: Any, acme: Any
) -> None:
    customer = acme.customers[0]
    token = make_token(db, acme.tenant, acme.member, scopes=WRITE)

    added = webapp.post_json(
        acme.url("/contact-persons"),
        {
            "customer_id": customer.id,
            "name": "Liisa Lehto",
            "email": " Liisa.Lehto@Example.FI ",
            "phone": "040 123 4567",
            "marketing_consent": True,
        },
        headers=bearer(token),
        status=201,
    ).json
    url = acme.url(f"/contact-persons/{added['id']}")
    changed = webapp.patch_json(
        url, {"title": "Toimitusjohtaja", "version": added["version"]}, headers=bearer(token)
    ).json
    archived = webapp.delete(url, headers=bearer(token)).json

    assert added["email"] == "Liisa.Lehto@example.fi"
    assert added["consent_date"] is not None
    assert changed["title"] == "Toimitusjohtaja"
    assert archived["archived_at"] is not None
    assert _customer_events(db, acme, customer.id) == [
        ("contact_person_added", "Liisa Lehto"),
        ("changed", "Liisa Lehto"),
        ("contact_person_archived", "Liisa Lehto"),
    ]


def test_contact_person_values_get_the_forms_messages_by_field(
    webapp: Any, db: Any, acme: Any, beta: Any
) -> None:
    token = make_token(db, acme.tenant, acme.member, scopes=WRITE)
    set_tenant(db, acme.tenant.id)
    private = acme.customers[1]
    private.kind = CustomerKind.PERSON
    db.flush()

    ruled = webapp.post_json(
        acme.url("/contact-persons"),
        {
            "customer_id": private.id,
            "name": "",
            "email": "ei-osoite",
            "phone": "12",
            "language": "de",
        },
        headers={**bearer(token), "Accept-Language": "fi"},
        status=422,
    )
    foreign = webapp.post_json(
        acme.url("/contact-persons"),
        {
            "customer_id": beta.customers[0].id,
            "name": "Vieras",
            "age": 40,
            "marketing_consent": "yes",
        },
        headers=bearer(token),
        status=422,
    )

    assert _errors(ruled) == {
        "name": "Pakollinen.",
        "email": "Anna kelvollinen sähköpostiosoite.",
        "phone": "Anna puhelinnumero, esim. 040 123 4567 tai +358 40 123 4567.",
        "language": "Virheellinen valinta",
        "customer_id": "Valitse yritysasiakas, jota ei ole arkistoitu.",
    }
    assert _errors(foreign) == {
        "customer_id": "No such record in this organisation.",
        "age": "No such field.",
        "marketing_consent": "Give true or false.",
    }
    set_tenant(db, acme.tenant.id)
    assert db.scalar(select(ContactPerson.id)) is None


def test_a_contact_person_stays_with_their_customer_and_a_stale_version_is_409(
    webapp: Any, db: Any, acme: Any
) -> None:
    token = make_token(db, acme.tenant, acme.member, scopes=WRITE)
    added = webapp.post_json(
        acme.url("/contact-persons"),
        {"customer_id": acme.customers[0].id, "name": "Liisa Lehto"},
        headers=bearer(token),
        status=201,
    ).json
    url = acme.url(f"/contact-persons/{added['id']}")

    moved = webapp.patch_json(
        url,
        {"customer_id": acme.customers[2].id, "version": added["version"]},
        headers=bearer(token),
        status=422,
    )
    webapp.patch_json(
        url, {"name": "Liisa Lahti", "version": added["version"]}, headers=bearer(token)
    )
    stale = webapp.patch_json(
        url, {"name": "Liisa Laine", "version": added["version"]}, headers=bearer(token), status=409
    )

    assert _errors(moved) == {"customer_id": "A contact person stays with their customer."}
    assert stale.content_type == PROBLEM
    set_tenant(db, acme.tenant.id)
    assert db.get(ContactPerson, added["id"]).name == "Liisa Lahti"
