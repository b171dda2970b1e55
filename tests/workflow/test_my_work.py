"""My work: my open tasks and my open activities, overdue first, then today, then upcoming."""

from __future__ import annotations

from datetime import timedelta

from core.db import all_tenants
from core.models import utcnow
from plugins.workflow.activities import due_at
from plugins.workflow.board import local_today
from plugins.workflow.models import Activity, Task


def task(db, acme, title, due=None, user=None, closed=False) -> Task:
    with all_tenants(db):
        row = Task(
            tenant_id=acme.tenant.id,
            workflow_id=acme.workflow.id,
            stage_id=acme.stages["won" if closed else "new"].id,
            title=title,
            due_date=due,
            responsible_user_id=(user or acme.maija).id,
            closed_at=utcnow() if closed else None,
        )
        db.add(row)
        db.flush()
    return row


def activity(db, acme, on, subject, day=None, user=None, done=False) -> Activity:
    with all_tenants(db):
        row = Activity(
            tenant_id=acme.tenant.id,
            task_id=on.id,
            type_id=acme.types["call"].id,
            subject=subject,
            assignee_user_id=(user or acme.maija).id,
            due_at=due_at(day, None),
            done_at=utcnow() if done else None,
        )
        db.add(row)
        db.flush()
    return row


def test_my_work_lists_mine_overdue_first(webapp, db, as_maija):
    acme = as_maija
    today = local_today()
    upcoming = task(db, acme, "Tuleva", today + timedelta(days=3))
    overdue = task(db, acme, "Myöhässä", today - timedelta(days=2))
    due_today = task(db, acme, "Tänään", today)
    task(db, acme, "Suljettu", today - timedelta(days=9), closed=True)
    task(db, acme, "Pekan", today, user=acme.pekka)
    activity(db, acme, upcoming, "Soita huomenna", today + timedelta(days=1))
    activity(db, acme, overdue, "Unohtunut soitto", today - timedelta(days=1))
    activity(db, acme, due_today, "Tämän päivän demo", today)
    activity(db, acme, due_today, "Jo tehty", today, done=True)
    activity(db, acme, due_today, "Pekan puhelu", today, user=acme.pekka)

    page = webapp.get("/t/acme/my-work")
    tasks = page.html.select(".my-task-list")
    assert [t["data-group"] for t in tasks] == ["overdue", "today", "upcoming"]
    titles = [a.get_text() for a in page.html.select(".my-task-list a")]
    assert titles == ["Myöhässä", "Tänään", "Tuleva"]
    groups = [g["data-group"] for g in page.html.select(".my-activity-list")]
    assert groups == ["overdue", "today", "upcoming"]
    subjects = page.html.select_one(".my-activities").get_text()
    assert subjects.index("Unohtunut soitto") < subjects.index("Tämän päivän demo")
    assert subjects.index("Tämän päivän demo") < subjects.index("Soita huomenna")
    assert "Jo tehty" not in subjects and "Pekan puhelu" not in subjects


def test_done_with_one_click_returns_to_my_work(webapp, db, as_maija):
    acme = as_maija
    mine = task(db, acme, "Kahvikone", local_today())
    call = activity(db, acme, mine, "Soita Villelle", local_today())
    page = webapp.get("/t/acme/my-work")
    button = page.html.select_one(f"[data-activity='{call.id}'] form.activity-done")
    fields = {i["name"]: i["value"] for i in button.select("input")}
    response = webapp.post(button["action"], fields, status=303)
    assert response.location.endswith("/t/acme/my-work")
    page = response.follow()
    assert "Soita Villelle" not in page.html.select_one(".my-activities").get_text()
    with all_tenants(db):
        stored = db.get(Activity, call.id, populate_existing=True)
    assert stored.done_at is not None
