"""The dashboard's sales panels: a salesperson's own figures, a manager's team figures.

The numbers are checked against the rows the test makes: open tasks by stage, activities
due today and overdue, won this month, and each person's activities this week.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event

from core.db import all_tenants
from core.models import Role, utcnow
from plugins.workflow.board import local_today
from plugins.workflow.models import Activity, ActivityType
from plugins.workflow.sales_figures import local_midnight
from tests.workflow_plugins.fixtures import add_task, make_board

FI = {"Accept-Language": "fi"}


def _spaces(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def add_activity(db, task, user, due_at=None, done_at=None) -> None:
    with all_tenants(db):
        kind = ActivityType(tenant_id=task.tenant_id, key=f"k{utcnow().timestamp()}", name={})
        db.add(kind)
        db.flush()
        db.add(
            Activity(
                tenant_id=task.tenant_id,
                task_id=task.id,
                type_id=kind.id,
                assignee_user_id=user.id,
                due_at=due_at,
                done_at=done_at,
            )
        )
        db.flush()


@pytest.fixture
def sales(db, make_tenant, make_user):
    """Maija (salesperson) and Pekka (admin, the manager) of acme, with tasks and activities."""
    tenant = make_tenant("acme", "Acme Oy", plugins=("workflow",))
    maija = make_user("maija@acme.example", tenant=tenant, name="Maija Myyjä")
    pekka = make_user("pekka@acme.example", tenant=tenant, name="Pekka Päällikkö", role=Role.ADMIN)
    board = make_board(db, tenant)
    today = local_today()
    new, quote, won = board.stages["new"], board.stages["quote"], board.stages["won"]
    late = add_task(
        db,
        new,
        "Myöhässä",
        expected_value=Decimal("1000"),
        due_date=today - timedelta(days=1),
        responsible_user_id=maija.id,
    )
    add_task(db, new, "Toinen", expected_value=Decimal("500.50"), responsible_user_id=maija.id)
    add_task(db, quote, "Tarjottu", expected_value=Decimal("2000"), responsible_user_id=maija.id)
    pekkas = add_task(
        db, quote, "Pekan", expected_value=Decimal("700"), responsible_user_id=pekka.id
    )
    add_task(db, won, "Voitettu nyt", expected_value=Decimal("1234"), responsible_user_id=maija.id)
    old_win = add_task(db, won, "Voitettu ennen", expected_value=Decimal("99999"))
    with all_tenants(db):
        old_win.closed_at = local_midnight(today.replace(day=1)) - timedelta(days=1)
        db.flush()
    midday = local_midnight(today) + timedelta(hours=12)
    add_activity(db, late, maija, due_at=midday)
    add_activity(db, late, maija, due_at=local_midnight(today) - timedelta(days=8))
    add_activity(db, late, maija, due_at=midday, done_at=utcnow())
    add_activity(db, pekkas, pekka, due_at=midday)
    add_activity(db, pekkas, pekka, done_at=utcnow())
    add_activity(db, pekkas, pekka, done_at=utcnow())
    return tenant


def _panel(page, key):
    return page.html.select_one(f"[data-panel={key}]")


def _rows(panel, table) -> list[list[str]]:
    return [
        [_spaces(td.get_text()) for td in tr.select("td")]
        for tr in panel.select(f"table.{table} tbody tr")
    ]


def test_a_salesperson_sees_their_pipeline_todays_activities_and_what_is_overdue(
    webapp, login, sales
):
    login(webapp, "maija@acme.example")
    page = webapp.get("/t/acme/", headers=FI)
    mine = _panel(page, "workflow-my-sales")

    assert mine.h2.get_text() == "Oma myynti"
    assert _spaces(mine.select_one(".figure-pipeline").get_text()) == "3 500,50 €"
    assert "avoimia tehtäviä: 3" in _spaces(mine.get_text())
    assert mine.select_one(".figure-today").get_text() == "1"
    assert mine.select_one(".figure-overdue").get_text() == "1"
    assert mine.select_one(".figure-overdue-tasks").get_text() == "1"
    assert _rows(mine, "my-pipeline") == [
        ["Uusi", "2", "1 500,50 €"],
        ["Tarjous", "1", "2 000,00 €"],
    ]
    assert mine.select_one("canvas[data-chart]") is not None
    assert _panel(page, "workflow-team-sales") is None, "team figures are for a manager"


def test_a_manager_sees_the_team_pipeline_won_this_month_and_activities_per_person(
    webapp, login, sales
):
    login(webapp, "pekka@acme.example")
    page = webapp.get("/t/acme/", headers=FI)
    team = _panel(page, "workflow-team-sales")

    assert team.h2.get_text() == "Tiimin myynti"
    assert _spaces(team.select_one(".figure-team-pipeline").get_text()) == "4 200,50 €"
    assert _rows(team, "team-pipeline") == [
        ["Uusi", "2", "1 500,50 €"],
        ["Tarjous", "2", "2 700,00 €"],
    ]
    assert _spaces(team.select_one(".figure-won").get_text()) == "1 234,00 €"
    assert team.select_one(".figure-won-count").get_text() == "1"
    assert _rows(team, "team-activities") == [
        ["Maija Myyjä", "1", "1"],
        ["Pekka Päällikkö", "2", "1"],
    ]
    mine = _panel(page, "workflow-my-sales")
    assert _spaces(mine.select_one(".figure-pipeline").get_text()) == "700,00 €"


def _statements(webapp, db) -> int:
    """How many SQL statements building the dashboard makes (none of it kept, core.page_cache)."""
    webapp.app.registry.myynti_kept_pages.clear()
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.bind, "before_cursor_execute", count)
    try:
        page = webapp.get("/t/acme/")
    finally:
        event.remove(db.bind, "before_cursor_execute", count)
    assert _panel(page, "workflow-team-sales") is not None
    return len(statements)


def test_the_figures_take_as_many_statements_for_many_tasks_and_people(
    webapp, db, login, make_user, sales
):
    login(webapp, "pekka@acme.example")
    webapp.get("/t/acme/")
    few = _statements(webapp, db)
    board = make_board(db, sales)
    for n in range(12):
        person = make_user(f"myyja{n}@acme.example", tenant=sales, name=f"Myyjä {n}")
        task = add_task(db, board.stages["quote"], f"T{n}", responsible_user_id=person.id)
        add_activity(db, task, person, done_at=utcnow())
    webapp.get("/t/acme/")  # new members: the per-process cache reloads once (core.cache)
    assert _statements(webapp, db) == few


def test_another_tenants_figures_never_count(webapp, db, login, make_tenant, sales):
    other = make_tenant("globex", plugins=("workflow",))
    board = make_board(db, other)
    add_task(db, board.stages["new"], "Globex", expected_value=Decimal("5000000"))
    login(webapp, "pekka@acme.example")
    team = _panel(webapp.get("/t/acme/", headers=FI), "workflow-team-sales")
    assert _spaces(team.select_one(".figure-team-pipeline").get_text()) == "4 200,50 €"
