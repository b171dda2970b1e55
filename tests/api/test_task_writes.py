"""Tasks created and changed through the API as the task form and the board do it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.db import all_tenants, set_tenant
from core.models import Event, Job
from plugins.contacts.models import ContactPerson
from plugins.workflow.models import Stage, StageActionBinding, StageKind, Task, Workflow
from tests.api.conftest import bearer, make_token
from tests.workflow.test_open_counts import assert_counts_match, kept

WRITE = ("workflow:write",)
PROBLEM = "application/problem+json"


def _errors(answer: Any) -> dict[str, str]:
    assert answer.content_type == PROBLEM
    return {e["field"]: e["message"] for e in answer.json["errors"]}


def _stages(db: Any, company: Any) -> dict[str, Stage]:
    """The first workflow's first open, won and lost stages, by kind."""
    set_tenant(db, company.tenant.id)
    workflow = db.scalar(select(Workflow).order_by(Workflow.position, Workflow.id))
    found: dict[str, Stage] = {}
    for stage in db.scalars(
        select(Stage).where(Stage.workflow_id == workflow.id).order_by(Stage.position)
    ):
        found.setdefault(stage.kind, stage)
    return found


def _events(db: Any, company: Any, task_id: int) -> list[str]:
    set_tenant(db, company.tenant.id)
    return list(
        db.scalars(
            select(Event.kind)
            .where(Event.entity == "task", Event.record_id == task_id)
            .order_by(Event.id)
        )
    )


def test_a_task_is_created_in_the_first_open_stage_with_its_history(
    webapp: Any, db: Any, acme: Any
) -> None:
    stages = _stages(db, acme)
    person = ContactPerson(customer_id=acme.customers[0].id, name="Liisa Lehto")
    db.add(person)
    db.flush()
    token = make_token(db, acme.tenant, acme.member, scopes=WRITE)

    answer = webapp.post_json(
        acme.url("/tasks"),
        {
            "title": "Kahvikoneet 10 kpl",
            "customer_id": acme.customers[0].id,
            "contact_person_id": person.id,
            "expected_value": "12500.00",
            "close_date": "2027-03-31",
            "responsible_user_id": acme.admin.id,
            "description": "Toimistolle",
        },
        headers=bearer(token),
        status=201,
    ).json

    assert answer["stage_id"] == stages[StageKind.OPEN].id
    assert answer["expected_value"] == "12500.00"
    assert answer["source"] == "api"
    assert answer["created_by_id"] == acme.member.id
    assert _events(db, acme, answer["id"]) == ["created"]


def test_a_stage_change_is_a_move_with_its_event_and_the_stages_actions(
    webapp: Any, db: Any, acme: Any
) -> None:
    stages = _stages(db, acme)
    won = stages[StageKind.WON]
    db.add(StageActionBinding(stage_id=won.id, action_key="workflow.notify"))
    db.flush()
    token = make_token(db, acme.tenant, acme.member, scopes=WRITE)
    created = webapp.post_json(
        acme.url("/tasks"), {"title": "Kahvikone"}, headers=bearer(token), status=201
    ).json
    url = acme.url(f"/tasks/{created['id']}")

    moved = webapp.patch_json(
        url,
        {"stage_id": won.id, "expected_value": "900.00", "version": created["version"]},
        headers=bearer(token),
    ).json
    stale = webapp.patch_json(
        url, {"title": "Myöhässä", "version": created["version"]}, headers=bearer(token), status=409
    )

    assert moved["stage_id"] == won.id
    assert moved["closed_at"] is not None
    assert moved["expected_value"] == "900.00"
    assert moved["version"] > created["version"]
    assert stale.content_type == PROBLEM
    assert _events(db, acme, created["id"]) == ["created", "stage_changed", "changed"]
    with all_tenants(db):
        jobs = db.scalars(select(Job).where(Job.tenant_id == acme.tenant.id)).all()
    assert [j.payload for j in jobs if j.name == "workflow.run_stage_actions"] == [
        {"task_id": created["id"], "stage_id": won.id}
    ]


def test_a_move_to_a_lost_stage_needs_a_reason_as_on_the_board(
    webapp: Any, db: Any, acme: Any
) -> None:
    stages = _stages(db, acme)
    token = make_token(db, acme.tenant, acme.member, scopes=WRITE)
    created = webapp.post_json(
        acme.url("/tasks"), {"title": "Kahvikone"}, headers=bearer(token), status=201
    ).json
    url = acme.url(f"/tasks/{created['id']}")
    lost = stages[StageKind.LOST].id

    refused = webapp.patch_json(
        url,
        {"stage_id": lost, "version": created["version"]},
        headers={**bearer(token), "Accept-Language": "fi"},
        status=422,
    )
    moved = webapp.patch_json(
        url,
        {"stage_id": lost, "lost_reason": "Liian kallis", "version": created["version"]},
        headers=bearer(token),
    ).json

    assert _errors(refused) == {"lost_reason": "Kerro, miksi tehtävä hävittiin."}
    assert moved["lost_reason"] == "Liian kallis"
    assert _events(db, acme, created["id"]) == ["created", "stage_changed"]


def test_bad_task_values_are_named_by_field_with_the_forms_messages(
    webapp: Any, db: Any, acme: Any, beta: Any
) -> None:
    other_workflow_stage = _stages(db, beta)[StageKind.OPEN]
    acme_won = _stages(db, acme)[StageKind.WON]
    token = make_token(db, acme.tenant, acme.member, scopes=WRITE)

    refused = webapp.post_json(
        acme.url("/tasks"),
        {
            "title": "",
            "customer_id": beta.customers[0].id,
            "contact_person_id": 5,
            "expected_value": "-10.00",
            "priority": "urgent",
            "due_date": 20270101,
            "colour": "red",
        },
        headers=bearer(token),
        status=422,
    )
    stages = webapp.post_json(
        acme.url("/tasks"),
        {"title": "x", "stage_id": other_workflow_stage.id},
        headers=bearer(token),
        status=422,
    )
    closed = webapp.post_json(
        acme.url("/tasks"),
        {"title": "x", "stage_id": acme_won.id},
        headers=bearer(token),
        status=422,
    )

    assert _errors(refused) == {
        "due_date": "Give a date as YYYY-MM-DD.",
        "colour": "No such field.",
    }
    assert _errors(stages) == {"stage_id": "No such record in this organisation."}
    assert _errors(closed) == {"stage_id": "Choose an open stage."}
    fixed = webapp.post_json(
        acme.url("/tasks"),
        {
            "title": "",
            "customer_id": beta.customers[0].id,
            "contact_person_id": 5,
            "expected_value": "-10.00",
            "priority": "urgent",
        },
        headers=bearer(token),
        status=422,
    )
    assert _errors(fixed) == {
        "title": "This field is required.",
        "customer_id": "Choose one of your customers.",
        "contact_person_id": "Choose a contact person of the chosen customer.",
        "expected_value": "The expected value cannot be negative.",
        "priority": "Not a valid choice.",
    }
    set_tenant(db, acme.tenant.id)
    assert db.scalar(select(Task.id)) is None


def test_a_tasks_workflow_stays_and_a_member_of_another_tenant_is_refused(
    webapp: Any, db: Any, acme: Any, beta: Any
) -> None:
    token = make_token(db, acme.tenant, acme.member, scopes=WRITE)
    created = webapp.post_json(
        acme.url("/tasks"), {"title": "Kahvikone"}, headers=bearer(token), status=201
    ).json
    set_tenant(db, acme.tenant.id)
    other = Workflow(name={"fi": "Huolto"})
    db.add(other)
    db.flush()

    refused = webapp.patch_json(
        acme.url(f"/tasks/{created['id']}"),
        {
            "workflow_id": other.id,
            "responsible_user_id": beta.admin.id,
            "version": created["version"],
        },
        headers=bearer(token),
        status=422,
    )

    assert _errors(refused) == {"responsible_user_id": "No such record in this organisation."}
    kept = webapp.patch_json(
        acme.url(f"/tasks/{created['id']}"),
        {"workflow_id": other.id, "version": created["version"]},
        headers=bearer(token),
        status=422,
    )
    assert _errors(kept) == {"workflow_id": "This cannot be changed once the record is made."}


def test_tasks_cannot_be_written_with_a_read_scope_or_in_another_tenant(
    webapp: Any, db: Any, acme: Any, beta: Any
) -> None:
    reader = make_token(db, acme.tenant, acme.member, scopes=("workflow:read",))
    writer = make_token(db, acme.tenant, acme.member, scopes=WRITE)
    beta_task = webapp.post_json(
        beta.url("/tasks"),
        {"title": "Betan"},
        headers=bearer(make_token(db, beta.tenant, beta.member, scopes=WRITE)),
        status=201,
    ).json

    webapp.post_json(acme.url("/tasks"), {"title": "x"}, headers=bearer(reader), status=403)
    webapp.patch_json(
        acme.url(f"/tasks/{beta_task['id']}"),
        {"title": "x", "version": beta_task["version"]},
        headers=bearer(writer),
        status=404,
    )
    webapp.patch_json(
        beta.url(f"/tasks/{beta_task['id']}"),
        {"title": "x", "version": beta_task["version"]},
        headers=bearer(writer),
        status=401,
    )
    webapp.delete(acme.url(f"/tasks/{beta_task['id']}"), headers=bearer(writer), status=404)


def test_the_open_task_counts_follow_the_apis_writes(webapp: Any, db: Any, acme: Any) -> None:
    stages = _stages(db, acme)
    token = make_token(db, acme.tenant, acme.member, scopes=WRITE)
    created = webapp.post_json(
        acme.url("/tasks"),
        {"title": "Kahvikone", "expected_value": "300.00", "due_date": "2026-01-15"},
        headers=bearer(token),
        status=201,
    ).json
    assert_counts_match(db, acme.tenant)
    url = acme.url(f"/tasks/{created['id']}")
    edited = webapp.patch_json(
        url,
        {
            "responsible_user_id": acme.admin.id,
            "due_date": "2027-02-01",
            "expected_value": "450.00",
            "version": created["version"],
        },
        headers=bearer(token),
    ).json
    assert edited["responsible_user_id"] == acme.admin.id
    assert_counts_match(db, acme.tenant)
    version = edited["version"]
    for stage in (stages[StageKind.WON], stages[StageKind.OPEN]):
        moved = webapp.post_json(
            acme.url(f"/tasks/{created['id']}/move"),
            {"stage_id": stage.id, "version": version},
            headers=bearer(token),
        ).json
        version = moved["version"]
        assert moved["stage_id"] == stage.id
        assert_counts_match(db, acme.tenant)
    assert sum(count for count, _value in kept(db, acme.tenant).values()) == 1
