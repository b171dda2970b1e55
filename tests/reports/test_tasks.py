"""The tasks report: created, closed and overdue by person, team, period and stage."""

from __future__ import annotations

from datetime import date

from tests.reports.conftest import HALF, add_task, moment
from tests.reports.test_sales import _table


def test_created_closed_and_overdue_by_person(webapp, db, as_anna):
    add_task(
        db,
        as_anna.stages["quote"],
        "late",
        responsible_user_id=as_anna.users["pekka"].id,
        created_at=moment(2026, 2, 1),
        due_date=date(2026, 3, 1),
    )
    response = webapp.get(as_anna.url(f"/reports/reports.tasks?{HALF}"))
    rows = {row[0]: row[1:] for row in _table(response)}
    # created in the half: the closed tasks of the fixture and "late"; the open ones are new
    assert rows["Pekka Puuska"] == ["2", "1", "1"]
    assert rows["Maija Myyjä"] == ["2", "2", "0"]
    assert rows["Minna Tiimiläinen"] == ["1", "1", "0"]


def test_by_period_and_stage(webapp, as_anna):
    url = as_anna.url(f"/reports/reports.tasks?{HALF}&dimension=")
    by_month = {row[0]: row[1:] for row in _table(webapp.get(url + "period"))}
    assert by_month["1/2026"] == ["2", "2", "0"]
    assert by_month["3/2026"] == ["0", "2", "0"]
    by_stage = {row[0]: row[2] for row in _table(webapp.get(url + "stage"))}
    assert by_stage == {"Won": "3", "Lost": "1"}


def test_closed_drills_down_to_tasks(webapp, as_anna):
    response = webapp.get(as_anna.url(f"/reports/reports.tasks?{HALF}&dimension=period"))
    march = next(r for r in response.html.select("#report-table tbody tr") if r.th.text == "3/2026")
    closed = webapp.get(march.select("td a")[0]["href"])
    assert {a.get_text() for a in closed.html.select("tr[data-task] td a")} == {
        "mar_minna",
        "mar_lost",
    }
