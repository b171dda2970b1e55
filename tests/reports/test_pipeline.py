"""The pipeline report: open tasks by stage (a funnel), expected close month, time in stage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.db import all_tenants
from core.testing import csrf_token
from tests.reports.test_sales import _plain, _table


def test_open_tasks_by_stage_with_weighted_value(webapp, as_anna):
    response = webapp.get(as_anna.url("/reports/reports.pipeline"))
    rows = {row[0]: [_plain(c) for c in row[1:4]] for row in _table(response)}
    # New: 100 + 300 at 10 %; Quote: 1000 at 60 %; closed tasks are not in the pipeline
    assert rows == {
        "New": ["2", "400,00 €", "40,00 €"],
        "Quote": ["1", "1 000,00 €", "600,00 €"],
    }
    funnel = response.html.select_one("svg.chart-funnel")
    assert funnel is not None
    assert [_plain(t.get_text()) for t in funnel.select("g.chart-item > text")] == [
        "New: 400,00 €",
        "Quote: 1 000,00 €",
    ]


def test_expected_close_by_month_is_a_forecast(webapp, as_anna):
    response = webapp.get(as_anna.url("/reports/reports.pipeline?dimension=close_month"))
    rows = {row[0]: _plain(row[3]) for row in _table(response)}
    assert rows == {
        "1/2027": "10,00 €",
        "2/2027": "600,00 €",
        "No expected close date": "30,00 €",
    }
    assert response.html.select_one("svg.chart-bars") is not None


def test_ageing_groups_open_tasks_by_age(webapp, as_anna):
    response = webapp.get(as_anna.url("/reports/reports.pipeline?dimension=age"))
    rows = {row[0]: row[1] for row in _table(response)}
    assert rows == {"0–30 days": "3", "31–90 days": "0", "91–180 days": "0", "Over 180 days": "0"}


def test_a_member_sees_the_pipeline_of_their_team(webapp, as_maija):
    response = webapp.get(as_maija.url("/reports/reports.pipeline?dimension=user"))
    assert {row[0]: row[1] for row in _table(response)} == {
        "Minna Tiimiläinen": "1",
        "Maija Myyjä": "1",
    }


def test_a_stage_drills_down_to_its_open_tasks(webapp, as_anna):
    response = webapp.get(as_anna.url("/reports/reports.pipeline"))
    new_row = next(r for r in response.html.select("#report-table tbody tr") if "New" in r.th.text)
    drilled = webapp.get(new_row.select("td a")[0]["href"])
    titles = {a.get_text() for a in drilled.html.select("tr[data-task] td a")}
    assert titles == {"new_maija", "new_pekka"}


def test_ageing_is_the_time_in_the_current_stage(webapp, db, as_anna):
    # Created 100 days ago and in "New" since then; a move resets its time in stage.
    task = as_anna.tasks["new_pekka"]
    long_ago = datetime.now(UTC) - timedelta(days=100)
    with all_tenants(db):
        task.created_at = task.stage_entered_at = long_ago
        db.flush()
    pipeline = as_anna.url("/reports/reports.pipeline")
    url = f"{pipeline}?dimension=age"
    ages = {row[0]: row[1] for row in _table(webapp.get(url))}
    assert ages == {"0–30 days": "2", "31–90 days": "0", "91–180 days": "1", "Over 180 days": "0"}
    by_stage = {
        row[0]: row[4] for row in _table(webapp.get(as_anna.url("/reports/reports.pipeline")))
    }
    assert by_stage["New"] == "50"  # (100 + 0) / 2: Maija's new task entered today
    params = {
        "csrf_token": csrf_token(webapp),
        "stage_id": str(as_anna.stages["quote"].id),
        "version": str(task.version),
    }
    moved = webapp.post(
        as_anna.url(f"/board/tasks/{task.id}/move"), params, headers={"Accept": "application/json"}
    )
    assert moved.json["ok"] is True
    ages = {row[0]: row[1] for row in _table(webapp.get(url))}
    assert ages == {"0–30 days": "3", "31–90 days": "0", "91–180 days": "0", "Over 180 days": "0"}
    by_stage = {
        row[0]: row[4] for row in _table(webapp.get(as_anna.url("/reports/reports.pipeline")))
    }
    assert by_stage == {"New": "0", "Quote": "0"}
    heading = webapp.get(pipeline).html.select("#report-table thead th")[-1]
    assert heading.get_text() == "Average days in stage"
