"""My work: my open tasks and my open activities, overdue first, then today, then upcoming."""

from __future__ import annotations

from datetime import timedelta

from core.db import all_tenants
from core.models import Membership, Role, utcnow
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


def dashboard_panel(webapp, slug="acme", **kw):
    return webapp.get(f"/t/{slug}/", **kw).html.select_one("[data-panel=workflow-my-work-today]")


def test_the_home_page_shows_what_is_overdue_or_due_today(webapp, db, as_maija):
    acme = as_maija
    today = local_today()
    late = task(db, acme, "Myöhässä", today - timedelta(days=2))
    due_today = task(db, acme, "Tänään", today)
    later = task(db, acme, "Tuleva", today + timedelta(days=3))
    task(db, acme, "Pekan", today, user=acme.pekka)
    activity(db, acme, late, "Unohtunut soitto", today - timedelta(days=1))
    activity(db, acme, due_today, "Tämän päivän demo", today)
    activity(db, acme, later, "Soita huomenna", today + timedelta(days=1))
    activity(db, acme, due_today, "Jo tehty", today, done=True)
    activity(db, acme, due_today, "Pekan puhelu", today, user=acme.pekka)

    panel = dashboard_panel(webapp, headers={"Accept-Language": "fi"})

    assert [h.get_text() for h in panel.select("h3")] == ["Myöhässä (1)", "Tänään (1)"]
    listed = [" ".join(li.get_text().split()) for li in panel.select("li")]
    assert [text.split(" · ")[0] for text in listed] == [
        "Puhelu: Unohtunut soitto",
        "Puhelu: Tämän päivän demo",
    ]
    assert "Erääntyneitä tai tänään erääntyviä tehtäviä: 2" in " ".join(panel.get_text().split())
    assert panel.find("a", string="Avaa oma työ")["href"].endswith("/t/acme/my-work")


def test_with_nothing_due_the_panel_says_so(webapp, db, as_maija):
    acme = as_maija
    later = task(db, acme, "Tuleva", local_today() + timedelta(days=3))
    activity(db, acme, later, "Soita ensi viikolla", local_today() + timedelta(days=7))

    panel = dashboard_panel(webapp)

    assert panel.select("li") == []
    assert "Nothing due today." in panel.get_text()


def test_the_panel_shows_only_this_tenants_work(webapp, db, as_maija, beta):
    """Maija works for Beta too: Beta's activity is on Beta's home page, not on Acme's."""
    acme = as_maija
    with all_tenants(db):
        db.add(Membership(tenant_id=beta.tenant.id, user_id=acme.maija.id, role=Role.MEMBER))
        db.add(
            Activity(
                tenant_id=beta.tenant.id,
                task_id=beta.task.id,
                type_id=beta.activity_type.id,
                subject="Betan salainen soitto",
                assignee_user_id=acme.maija.id,
                due_at=due_at(local_today(), None),
            )
        )
        db.flush()

    assert "Betan salainen soitto" not in dashboard_panel(webapp).get_text()
    assert "Betan salainen soitto" in dashboard_panel(webapp, "beta").get_text()


def test_a_tenant_without_the_workflow_has_no_such_panel(webapp, db, as_maija, make_tenant):
    acme = as_maija
    gamma = make_tenant("gamma", "Gamma Oy", plugins=("contacts",))
    with all_tenants(db):
        db.add(Membership(tenant_id=gamma.id, user_id=acme.maija.id, role=Role.MEMBER))
        db.flush()

    assert webapp.get("/t/gamma/").status_int == 200
    assert dashboard_panel(webapp, "gamma") is None
