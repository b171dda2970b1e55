"""Activities added, changed, done and reopened through the API, with the UI's history."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from core.db import set_tenant
from core.models import Event, utcnow
from plugins.workflow.models import Activity, ActivityType, Workflow
from plugins.workflow.tasks import create_task
from tests.api.conftest import bearer, make_token

WRITE = ("workflow:write",)
PROBLEM = "application/problem+json"


def _errors(answer: Any) -> dict[str, str]:
    assert answer.content_type == PROBLEM
    return {e["field"]: e["message"] for e in answer.json["errors"]}


def _type_id(db: Any, company: Any) -> int:
    set_tenant(db, company.tenant.id)
    return db.scalar(select(ActivityType.id).order_by(ActivityType.position))


def _events(db: Any, company: Any, entity: str, record_id: int) -> list[str]:
    set_tenant(db, company.tenant.id)
    return list(
        db.scalars(
            select(Event.kind)
            .where(Event.entity == entity, Event.record_id == record_id)
            .order_by(Event.id)
        )
    )


def test_an_activity_on_a_task_is_added_changed_done_and_reopened_on_its_timeline(
    webapp: Any, db: Any, acme: Any
) -> None:
    type_id = _type_id(db, acme)
    task = create_task(db, db.scalar(select(Workflow)), {"title": "Kahvikone"}, acme.member)
    token = make_token(db, acme.tenant, acme.member, scopes=WRITE)

    added = webapp.post_json(
        acme.url("/activities"),
        {
            "task_id": task.id,
            "type_id": type_id,
            "subject": " Soita hinnasta ",
            "due_at": "2027-01-15T10:00:00+02:00",
            "assignee_user_id": acme.admin.id,
        },
        headers=bearer(token),
        status=201,
    ).json
    url = acme.url(f"/activities/{added['id']}")
    done = webapp.patch_json(
        url,
        {"outcome": "Tilaa ensi viikolla", "done_at": None, "version": added["version"]},
        headers=bearer(token),
    ).json
    done = webapp.patch_json(
        url, {"done_at": "2026-12-01T09:30:00Z", "version": done["version"]}, headers=bearer(token)
    ).json
    reopened = webapp.patch_json(
        url, {"done_at": None, "version": done["version"]}, headers=bearer(token)
    ).json

    assert added["subject"] == "Soita hinnasta"
    assert added["due_at"] == "2027-01-15T08:00:00+00:00"
    assert done["done_at"] == "2026-12-01T09:30:00+00:00"
    assert reopened["done_at"] is None
    assert _events(db, acme, "task", task.id) == [
        "created",
        "activity_added",
        "activity_changed",
        "activity_done",
        "activity_reopened",
    ]


def test_an_activity_logged_on_a_customer_as_done_tells_the_customers_timeline(
    webapp: Any, db: Any, acme: Any
) -> None:
    type_id = _type_id(db, acme)
    customer = acme.customers[0]
    token = make_token(db, acme.tenant, acme.member, scopes=WRITE)

    logged = webapp.post_json(
        acme.url("/activities"),
        {
            "customer_id": customer.id,
            "type_id": type_id,
            "done_at": "2026-11-30T12:00:00+00:00",
            "outcome": "Kiinnostunut",
        },
        headers=bearer(token),
        status=201,
    ).json

    assert logged["done_at"] == logged["due_at"] == "2026-11-30T12:00:00+00:00"
    assert logged["task_id"] is None
    assert logged["created_by_id"] == acme.member.id
    assert _events(db, acme, "customer", customer.id) == ["activity_done"]


def test_bad_activity_values_are_named_by_field_with_the_forms_messages(
    webapp: Any, db: Any, acme: Any, beta: Any
) -> None:
    type_id = _type_id(db, acme)
    beta_type = _type_id(db, beta)
    task = create_task(db, db.scalar(select(Workflow)), {"title": "Betan"}, beta.member)
    token = make_token(db, acme.tenant, acme.member, scopes=WRITE)
    later = (utcnow() + timedelta(days=2)).isoformat()

    nothing = webapp.post_json(
        acme.url("/activities"), {"type_id": type_id}, headers=bearer(token), status=422
    )
    foreign = webapp.post_json(
        acme.url("/activities"),
        {"task_id": task.id, "type_id": beta_type, "subject": 5, "colour": "red"},
        headers=bearer(token),
        status=422,
    )
    ruled = webapp.post_json(
        acme.url("/activities"),
        {
            "customer_id": beta.customers[0].id,
            "type_id": type_id,
            "done_at": later,
            "assignee_user_id": beta.member.id,
        },
        headers=bearer(token),
        status=422,
    )
    done_later = webapp.post_json(
        acme.url("/activities"),
        {"customer_id": acme.customers[0].id, "type_id": type_id, "done_at": later},
        headers={**bearer(token), "Accept-Language": "fi"},
        status=422,
    )

    assert _errors(nothing) == {"customer_id": "Choose the customer the activity is with."}
    assert _errors(foreign) == {
        "task_id": "No such record in this organisation.",
        "type_id": "No such record in this organisation.",
        "subject": "Give text.",
        "colour": "No such field.",
    }
    assert _errors(ruled) == {"assignee_user_id": "No such record in this organisation."}
    assert _errors(done_later) == {
        "done_at": "Jo tehty aktiviteetti ei voi olla myöhemmin kuin nyt."
    }
    set_tenant(db, acme.tenant.id)
    assert db.scalar(select(Activity.id)) is None


def test_an_activity_stays_on_its_task_and_a_stale_version_is_409(
    webapp: Any, db: Any, acme: Any
) -> None:
    type_id = _type_id(db, acme)
    workflow = db.scalar(select(Workflow))
    task = create_task(db, workflow, {"title": "Kahvikone"}, acme.member)
    other = create_task(db, workflow, {"title": "Toinen"}, acme.member)
    token = make_token(db, acme.tenant, acme.member, scopes=WRITE)
    added = webapp.post_json(
        acme.url("/activities"),
        {"task_id": task.id, "type_id": type_id, "subject": "Soita"},
        headers=bearer(token),
        status=201,
    ).json
    url = acme.url(f"/activities/{added['id']}")

    moved = webapp.patch_json(
        url,
        {"task_id": other.id, "subject": " ", "version": added["version"]},
        headers=bearer(token),
        status=422,
    )
    webapp.patch_json(
        url, {"subject": "Soita heti", "version": added["version"]}, headers=bearer(token)
    )
    stale = webapp.patch_json(
        url, {"subject": "Myöhässä", "version": added["version"]}, headers=bearer(token), status=409
    )

    assert _errors(moved) == {
        "task_id": "This cannot be changed once the record is made.",
        "subject": "This field is required.",
    }
    assert stale.content_type == PROBLEM
