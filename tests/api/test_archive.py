"""Archiving tasks and activities through the API (``DELETE``), as the UI ends them.

The UI never archives a task: it closes one by moving it to a won or lost stage
(``POST …/tasks/{id}/move``), so ``DELETE`` of a task is refused (405) and says
so. An activity leaves the lists as closing its task closes it: closed undone,
told on its task's or customer's timeline.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.db import set_tenant
from core.models import Event
from plugins.workflow.activities import is_open
from plugins.workflow.models import Activity, ActivityType, Task, Workflow
from plugins.workflow.tasks import create_task
from tests.api.conftest import bearer, make_token

WRITE = ("workflow:write",)
PROBLEM = "application/problem+json"


def _events(db: Any, company: Any, entity: str, record_id: int) -> list[str]:
    set_tenant(db, company.tenant.id)
    return list(
        db.scalars(
            select(Event.kind)
            .where(Event.entity == entity, Event.record_id == record_id)
            .order_by(Event.id)
        )
    )


def _activity(webapp: Any, db: Any, company: Any, token: str, **values: Any) -> dict[str, Any]:
    set_tenant(db, company.tenant.id)
    type_id = db.scalar(select(ActivityType.id).order_by(ActivityType.position))
    return webapp.post_json(
        company.url("/activities"),
        {"type_id": type_id, "subject": "Soita", **values},
        headers=bearer(token),
        status=201,
    ).json


def _is_open(db: Any, company: Any, activity_id: int) -> bool:
    set_tenant(db, company.tenant.id)
    return db.scalar(select(Activity.id).where(Activity.id == activity_id, *is_open())) is not None


def test_an_activity_is_closed_undone_on_its_tasks_timeline_once(
    webapp: Any, db: Any, acme: Any
) -> None:
    task = create_task(db, db.scalar(select(Workflow)), {"title": "Kahvikone"}, acme.member)
    token = make_token(db, acme.tenant, acme.member, scopes=WRITE)
    added = _activity(webapp, db, acme, token, task_id=task.id)
    url = acme.url(f"/activities/{added['id']}")

    closed = webapp.delete(url, headers=bearer(token)).json
    again = webapp.delete(url, headers=bearer(token)).json

    assert closed["cancelled_at"] is not None
    assert closed["done_at"] is None
    assert again["cancelled_at"] == closed["cancelled_at"]
    assert not _is_open(db, acme, added["id"])
    assert _events(db, acme, "task", task.id) == ["created", "activity_added", "activity_closed"]
    read = webapp.get(url, headers=bearer(token)).json
    assert read["cancelled_at"] == closed["cancelled_at"]


def test_an_activity_without_a_task_is_closed_on_its_customers_timeline(
    webapp: Any, db: Any, acme: Any
) -> None:
    customer = acme.customers[0]
    token = make_token(db, acme.tenant, acme.member, scopes=WRITE)
    added = _activity(webapp, db, acme, token, customer_id=customer.id)

    webapp.delete(acme.url(f"/activities/{added['id']}"), headers=bearer(token))

    assert _events(db, acme, "customer", customer.id) == ["activity_added", "activity_closed"]


def test_a_done_activity_stays_done(webapp: Any, db: Any, acme: Any) -> None:
    customer = acme.customers[0]
    token = make_token(db, acme.tenant, acme.member, scopes=WRITE)
    done = _activity(
        webapp, db, acme, token, customer_id=customer.id, done_at="2026-11-30T12:00:00+00:00"
    )

    refused = webapp.delete(
        acme.url(f"/activities/{done['id']}"), headers=bearer(token), status=409
    )

    assert refused.content_type == PROBLEM
    assert refused.json["errors"][0]["field"] == "done_at"
    set_tenant(db, acme.tenant.id)
    assert db.get(Activity, done["id"]).cancelled_at is None


def test_archiving_with_a_stale_version_is_409_and_closes_nothing(
    webapp: Any, db: Any, acme: Any
) -> None:
    customer = acme.customers[0]
    token = make_token(db, acme.tenant, acme.member, scopes=WRITE)
    added = _activity(webapp, db, acme, token, customer_id=customer.id)
    url = acme.url(f"/activities/{added['id']}")
    changed = webapp.patch_json(
        url, {"subject": "Soita heti", "version": added["version"]}, headers=bearer(token)
    ).json

    stale = webapp.delete(
        url, headers={**bearer(token), "If-Match": f'"{added["version"]}"'}, status=409
    )
    assert stale.content_type == PROBLEM
    assert _is_open(db, acme, added["id"])

    webapp.delete(url, headers={**bearer(token), "If-Match": str(changed["version"])})
    assert not _is_open(db, acme, added["id"])


def test_another_tenants_activity_or_task_is_not_found(
    webapp: Any, db: Any, acme: Any, beta: Any
) -> None:
    set_tenant(db, acme.tenant.id)
    task = create_task(db, db.scalar(select(Workflow)), {"title": "Kahvikone"}, acme.member)
    acme_token = make_token(db, acme.tenant, acme.member, scopes=WRITE)
    added = _activity(webapp, db, acme, acme_token, task_id=task.id)
    beta_token = make_token(db, beta.tenant, beta.member, scopes=WRITE)

    for path in (f"/activities/{added['id']}", f"/tasks/{task.id}"):
        missing = webapp.delete(beta.url(path), headers=bearer(beta_token), status=404)
        assert missing.content_type == PROBLEM
        webapp.delete(acme.url(path), headers=bearer(beta_token), status=401)

    assert _is_open(db, acme, added["id"])
    assert _events(db, acme, "task", task.id) == ["created", "activity_added"]


def test_a_task_is_not_archived_but_closed_by_a_move(webapp: Any, db: Any, acme: Any) -> None:
    task = create_task(db, db.scalar(select(Workflow)), {"title": "Kahvikone"}, acme.member)
    token = make_token(db, acme.tenant, acme.member, scopes=WRITE)

    refused = webapp.delete(acme.url(f"/tasks/{task.id}"), headers=bearer(token), status=405)

    assert refused.content_type == PROBLEM
    assert refused.headers["Allow"] == "GET, PATCH"
    set_tenant(db, acme.tenant.id)
    assert db.get(Task, task.id).closed_at is None
    assert _events(db, acme, "task", task.id) == ["created"]


def test_a_read_scope_cannot_archive_an_activity(webapp: Any, db: Any, acme: Any) -> None:
    customer = acme.customers[0]
    writer = make_token(db, acme.tenant, acme.member, scopes=WRITE)
    added = _activity(webapp, db, acme, writer, customer_id=customer.id)
    reader = make_token(db, acme.tenant, acme.member, scopes=("workflow:read",))

    webapp.delete(acme.url(f"/activities/{added['id']}"), headers=bearer(reader), status=403)

    assert _is_open(db, acme, added["id"])
