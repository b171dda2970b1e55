"""Demo data: tasks across every stage of the default process, with activities."""

from __future__ import annotations

from sqlalchemy import func, select

from core.db import set_tenant
from plugins.contacts.demo import fill_demo as fill_contacts
from plugins.workflow.demo import fill_demo
from plugins.workflow.models import Activity, ActivityType, Stage, Task


def test_demo_fills_tasks_in_every_stage_with_activities(db, make_tenant, make_user, webapp, login):
    tenant = make_tenant("demo", plugins=("workflow",))
    user = make_user("demo@example.com", tenant=tenant)
    set_tenant(db, tenant.id)
    fill_contacts(db, tenant, [user], companies=8)
    fill_demo(db, tenant, [user])
    tasks = list(db.scalars(select(Task)))
    assert len(tasks) == 36
    stages = {s.id: s for s in db.scalars(select(Stage))}
    assert {stages[t.stage_id].name["fi"] for t in tasks} == {s.name["fi"] for s in stages.values()}
    assert all(t.closed_at is not None for t in tasks if stages[t.stage_id].kind != "open")
    assert all(t.lost_reason for t in tasks if stages[t.stage_id].kind == "lost")
    assert db.scalar(select(func.count()).select_from(Activity)) > 20
    given = select(ActivityType.key).join(Activity, Activity.type_id == ActivityType.id)
    assert "comment" not in set(db.scalars(given))  # a note, not work given to someone
    login(webapp, "demo@example.com")
    assert webapp.get("/t/demo/my-work").status_int == 200
    assert webapp.get(f"/t/demo/tasks/{tasks[0].id}").status_int == 200
