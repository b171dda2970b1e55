"""Record actions through the API: a task moved, a request converted, a campaign launched."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.db import set_tenant
from core.licensing import enable_plugin
from plugins.campaigns.models import Campaign
from plugins.contacts.models import ContactRequest, RequestSource
from plugins.contacts.requests.intake import create_request
from plugins.workflow.models import Stage, StageKind, Task, Workflow
from plugins.workflow.tasks import create_task
from tests.api.conftest import bearer, make_token

PROBLEM = "application/problem+json"


def _task(db: Any, acme: Any) -> tuple[Task, dict[str, Stage]]:
    """A task of Acme's workflow, and the workflow's won and lost stages by kind."""
    set_tenant(db, acme.tenant.id)
    workflow = db.scalar(select(Workflow).order_by(Workflow.id))
    closing = db.scalars(
        select(Stage).where(
            Stage.workflow_id == workflow.id, Stage.kind.in_([StageKind.WON, StageKind.LOST])
        )
    )
    task = create_task(
        db, workflow, {"title": "Kahvikone", "customer_id": acme.customers[0].id}, acme.member
    )
    return task, {stage.kind: stage for stage in closing}


def test_a_task_is_moved_to_a_stage_with_the_version_read(webapp: Any, db: Any, acme: Any) -> None:
    task, stages = _task(db, acme)
    token = make_token(db, acme.tenant, acme.member, scopes=("workflow:write",))
    url = acme.url(f"/tasks/{task.id}/move")
    won = stages[StageKind.WON]

    moved = webapp.post_json(
        url, {"stage_id": won.id, "version": task.version}, headers=bearer(token)
    ).json
    stale = webapp.post_json(
        url, {"stage_id": won.id, "version": task.version}, headers=bearer(token), status=409
    )

    assert moved["stage_id"] == won.id
    assert stale.content_type == PROBLEM
    assert webapp.get(acme.url(f"/tasks/{task.id}"), headers=bearer(token)).json["closed_at"]


def test_a_move_to_a_lost_stage_needs_a_reason_and_bad_bodies_are_named(
    webapp: Any, db: Any, acme: Any
) -> None:
    task, stages = _task(db, acme)
    token = make_token(db, acme.tenant, acme.member, scopes=("workflow:write",))
    url = acme.url(f"/tasks/{task.id}/move")

    no_reason = webapp.post_json(
        url,
        {"stage_id": stages[StageKind.LOST].id, "version": task.version},
        headers=bearer(token),
        status=422,
    )
    bad = webapp.post_json(
        url, {"stage_id": "voitettu", "colour": 1}, headers=bearer(token), status=422
    )

    assert [e["field"] for e in no_reason.json["errors"]] == ["lost_reason"]
    assert {e["field"]: e["message"] for e in bad.json["errors"]} == {
        "stage_id": "Give a whole number.",
        "version": "This field is required.",
        "colour": "No such field.",
    }


def test_a_read_scope_or_another_tenants_task_cannot_be_moved(
    webapp: Any, db: Any, acme: Any, beta: Any
) -> None:
    task, stages = _task(db, acme)
    reader = make_token(db, acme.tenant, acme.member, scopes=("workflow:read",))
    stranger = make_token(db, beta.tenant, beta.admin, scopes=("workflow:write",))
    body = {"stage_id": stages[StageKind.WON].id, "version": task.version}

    webapp.post_json(acme.url(f"/tasks/{task.id}/move"), body, headers=bearer(reader), status=403)
    webapp.post_json(beta.url(f"/tasks/{task.id}/move"), body, headers=bearer(stranger), status=404)
    webapp.post_json(acme.url(f"/tasks/{task.id}/move"), body, headers=bearer(stranger), status=401)


def test_a_contact_request_is_converted_into_a_task_once(webapp: Any, db: Any, acme: Any) -> None:
    set_tenant(db, acme.tenant.id)
    contact_request = create_request(
        db,
        {"name": "Liisa", "email": "liisa@kulma.example", "subject": "Tarjouspyyntö"},
        RequestSource.MANUAL,
        user=acme.admin,
    )
    contact_request.customer_id = acme.customers[1].id
    db.flush()
    token = make_token(db, acme.tenant, acme.admin, scopes=("contacts:write",))
    url = acme.url(f"/contact-requests/{contact_request.id}/convert")

    converted = webapp.post_json(url, {"into": "task"}, headers=bearer(token)).json
    again = webapp.post_json(url, {"into": "task"}, headers=bearer(token), status=409)
    unknown = webapp.post_json(url, {"into": "rocket"}, headers=bearer(token), status=422)

    db.expire_all()
    assert converted["entity"] == "task"
    assert db.get(Task, converted["record_id"]).customer_id == acme.customers[1].id
    assert db.get(ContactRequest, contact_request.id).state == "converted"
    assert again.content_type == PROBLEM
    assert [e["field"] for e in unknown.json["errors"]] == ["into"]


def test_a_campaign_is_launched_once(webapp: Any, db: Any, acme: Any, myynti_registry: Any) -> None:
    enable_plugin(db, myynti_registry, acme.tenant, "campaigns", with_dependencies=True)
    set_tenant(db, acme.tenant.id)
    workflow = db.scalar(select(Workflow).order_by(Workflow.id))
    first = db.scalar(
        select(Stage).where(Stage.workflow_id == workflow.id).order_by(Stage.position)
    )
    campaign = Campaign(
        name="Kevät",
        workflow_id=workflow.id,
        stage_id=first.id,
        task_title="{customer}",
        filters={},
    )
    db.add(campaign)
    db.flush()
    token = make_token(db, acme.tenant, acme.admin, scopes=("campaigns:write",))
    url = acme.url(f"/campaigns/{campaign.id}/launch")

    launched = webapp.post_json(url, {}, headers=bearer(token)).json
    again = webapp.post_json(url, {}, headers=bearer(token), status=409)

    assert launched["targets"] == len(acme.customers)
    assert launched["state"] == "running"
    assert again.content_type == PROBLEM


def test_the_document_describes_the_actions(webapp: Any) -> None:
    paths = webapp.get("/api/v1/openapi.json").json["paths"]

    move = paths["/api/v1/t/{tenant}/tasks/{id}/move"]["post"]
    assert move["requestBody"]["content"]["application/json"]["schema"]["required"] == [
        "stage_id",
        "version",
    ]
    assert "/api/v1/t/{tenant}/contact-requests/{id}/convert" in paths
    assert "/api/v1/t/{tenant}/campaigns/{id}/launch" in paths
