"""Periods follow the Finnish calendar on SQLite as on PostgreSQL, summer time included.

A task won at 23:30 UTC on 31 January was won at 01:30 on 1 February in
Helsinki: February's. One won at 21:30 UTC on 31 March (summer time, UTC+3)
was won at 00:30 on 1 April: April's. Each is drilled to as well.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from tests.reports.conftest import HALF, add_task
from tests.reports.test_activities import add_activity
from tests.reports.test_sales import _table


def _won(db, company, title, closed):
    return add_task(
        db,
        company.stages["won"],
        title,
        responsible_user_id=company.users["pekka"].id,
        expected_value=Decimal("100"),
        closed_at=closed,
        created_at=datetime(2026, 1, 2, 10, 0, tzinfo=UTC),
    )


def test_a_win_just_before_midnight_utc_counts_in_the_local_month(webapp, db, as_anna):
    _won(db, as_anna, "late_january", datetime(2026, 1, 31, 23, 30, tzinfo=UTC))
    _won(db, as_anna, "late_march", datetime(2026, 3, 31, 21, 30, tzinfo=UTC))
    response = webapp.get(as_anna.url(f"/reports/reports.sales?{HALF}&granularity=month"))
    won = {row[0]: row[1] for row in _table(response)}
    # January keeps its own two (conftest); February and April get the late wins.
    assert won == {
        "1/2026": "2",
        "2/2026": "1",
        "3/2026": "1",
        "4/2026": "1",
        "5/2026": "0",
        "6/2026": "0",
    }
    february = next(
        r for r in response.html.select("#report-table tbody tr") if "2/2026" in r.th.get_text()
    )
    drilled = webapp.get(february.select_one("td a")["href"])
    assert [a.get_text() for a in drilled.html.select("tr[data-task] td a")] == ["late_january"]


def test_a_week_starts_at_local_midnight_on_monday(webapp, db, as_anna):
    # Sunday 1.2.2026 23:30 UTC is Monday 2.2.2026 01:30 in Helsinki: week 6, not week 5.
    _won(db, as_anna, "sunday_night", datetime(2026, 2, 1, 23, 30, tzinfo=UTC))
    response = webapp.get(
        as_anna.url("/reports/reports.sales?start=2026-01-26&end=2026-02-08&granularity=week")
    )
    assert [row[:2] for row in _table(response)] == [["vk 5/2026", "0"], ["vk 6/2026", "1"]]


def test_an_activity_done_late_in_the_evening_counts_in_the_local_month(webapp, db, as_anna):
    # 30.4.2026 21:15 UTC is 1.5.2026 00:15 in Helsinki (summer time).
    late = datetime(2026, 4, 30, 21, 15, tzinfo=UTC)
    add_activity(db, as_anna, "call", "maija", due_at=late, done_at=late)
    response = webapp.get(
        as_anna.url(f"/reports/reports.activities?{HALF}&dimension=period&granularity=month")
    )
    done = {row[0]: row[-2] for row in _table(response)}
    assert done["4/2026"] == "0" and done["5/2026"] == "1"
