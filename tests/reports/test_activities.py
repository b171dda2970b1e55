"""Activity statistics: per person, type and period, done versus overdue; my numbers panel."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from core.db import all_tenants
from core.models import utcnow
from plugins.workflow.models import Activity, ActivityType
from tests.reports.conftest import HALF, Company, add_task, moment
from tests.reports.test_sales import _table


def _types(db: Any, company: Company) -> dict[str, ActivityType]:
    with all_tenants(db):
        found = db.scalars(select(ActivityType).where(ActivityType.tenant_id == company.tenant.id))
        return {t.key: t for t in found}


def add_activity(db: Any, company: Company, type_key: str, user: str, **values: Any) -> Activity:
    with all_tenants(db):
        activity = Activity(
            tenant_id=company.tenant.id,
            task_id=company.tasks["new_maija"].id,
            type_id=_types(db, company)[type_key].id,
            assignee_user_id=company.users[user].id,
            subject=f"{type_key} {user}",
            **values,
        )
        db.add(activity)
        db.flush()
    return activity


@pytest.fixture
def with_activities(db, acme) -> Company:
    """Maija: 2 calls + 1 meeting done in Jan, 1 demo overdue since Feb, 1 comment done (not
    counted); Pekka: 1 call done in March; Minna: 1 call done in 2025 (outside)."""
    for _ in range(2):
        add_activity(db, acme, "call", "maija", done_at=moment(2026, 1, 12))
    add_activity(db, acme, "meeting", "maija", done_at=moment(2026, 1, 14))
    add_activity(db, acme, "demo", "maija", due_at=moment(2026, 2, 10))
    add_activity(db, acme, "comment", "maija", done_at=moment(2026, 1, 15))
    add_activity(db, acme, "call", "pekka", done_at=moment(2026, 3, 1))
    add_activity(db, acme, "call", "minna", done_at=moment(2025, 3, 1))
    return acme


def test_per_person_and_type(webapp, with_activities, login):
    login(webapp, "anna@acme.example")
    response = webapp.get(with_activities.url(f"/reports/reports.activities?{HALF}"))
    headings = [th.get_text() for th in response.html.select("#report-table thead th")]
    assert headings == [
        "Person",
        "Call",
        "Meeting",
        "Demo",
        "E-mail",
        "To-do",
        "Done in all",
        "Overdue",
    ]
    rows = {row[0]: row[1:] for row in _table(response)}
    assert rows == {
        "Maija Myyjä": ["2", "1", "0", "0", "0", "3", "1"],
        "Pekka Puuska": ["1", "0", "0", "0", "0", "1", "0"],
    }


def test_per_period_and_per_type(webapp, with_activities, login):
    login(webapp, "anna@acme.example")
    url = with_activities.url(f"/reports/reports.activities?{HALF}&dimension=")
    by_month = {row[0]: (row[-2], row[-1]) for row in _table(webapp.get(url + "period"))}
    assert by_month["1/2026"] == ("3", "0")
    assert by_month["2/2026"] == ("0", "1")
    assert by_month["3/2026"] == ("1", "0")
    by_type = {row[0]: row[1:] for row in _table(webapp.get(url + "type"))}
    assert by_type == {"Call": ["3", "0"], "Meeting": ["1", "0"], "Demo": ["0", "1"]}


def test_a_member_sees_their_team(webapp, with_activities, login):
    login(webapp, "maija@acme.example")
    response = webapp.get(with_activities.url(f"/reports/reports.activities?{HALF}"))
    assert {row[0] for row in _table(response)} == {"Maija Myyjä"}


def test_overdue_drills_down_to_the_activities(webapp, with_activities, login):
    login(webapp, "anna@acme.example")
    response = webapp.get(with_activities.url(f"/reports/reports.activities?{HALF}"))
    maija = next(r for r in response.html.select("#report-table tbody tr") if "Maija" in r.th.text)
    overdue = webapp.get(maija.select("td a")[-1]["href"])
    assert [r.td.get_text() for r in overdue.html.select("tr[data-activity]")] == [
        "Demo: demo maija"
    ]
    calls = webapp.get(maija.select("td a")[0]["href"])
    assert len(calls.html.select("tr[data-activity]")) == 2


def test_my_numbers_on_the_dashboard(webapp, db, acme, login):
    add_activity(db, acme, "call", "maija", done_at=utcnow())
    add_activity(db, acme, "call", "maija", due_at=utcnow() - timedelta(hours=1))
    add_activity(db, acme, "call", "pekka", done_at=utcnow())
    maija, pekka = acme.users["maija"].id, acme.users["pekka"].id
    for title, user, value in (
        ("Oma", maija, "1200.50"),
        ("Toinen", maija, "300"),
        ("Pekan", pekka, "99"),
    ):
        add_task(
            db,
            acme.stages["won"],
            title,
            responsible_user_id=user,
            expected_value=Decimal(value),
            closed_at=utcnow(),
        )
    login(webapp, "maija@acme.example")
    panel = webapp.get(acme.url("/")).html.select_one(".dashboard-my-numbers")
    assert panel is not None
    figures = {dd["data-figure"]: dd.get_text().strip() for dd in panel.select("dd")}
    assert figures["activities_done"] == "1"
    assert figures["activities_overdue"] == "1"
    # Maija's two won tasks, not Pekka's.
    assert figures["won"] == "2"
    assert figures["won_value"] == "1 500,50 €".replace(" ", "\u00a0")


def test_activities_without_a_task_count_and_closed_ones_are_not_overdue(webapp, db, acme, login):
    """A call logged on a customer counts like one on a task; one closed undone with its
    task (``cancelled_at``) is neither done nor overdue."""
    call = add_activity(db, acme, "call", "maija", done_at=moment(2026, 1, 20))
    with all_tenants(db):
        call.task_id, call.customer_id = None, acme.customer.id
        db.flush()
    add_activity(
        db, acme, "demo", "maija", due_at=moment(2026, 2, 10), cancelled_at=moment(2026, 2, 11)
    )
    login(webapp, "anna@acme.example")
    response = webapp.get(acme.url(f"/reports/reports.activities?{HALF}"))
    rows = {row[0]: row[1:] for row in _table(response)}
    assert rows == {"Maija Myyjä": ["1", "0", "0", "0", "0", "1", "0"]}
    maija = next(r for r in response.html.select("#report-table tbody tr") if "Maija" in r.th.text)
    calls = webapp.get(maija.select("td a")[0]["href"])
    (link,) = calls.html.select("tr[data-activity] a")
    assert link["href"].endswith(f"/customers/{acme.customer.id}")
