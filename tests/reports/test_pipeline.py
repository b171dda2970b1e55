"""The pipeline report: open tasks by stage (a funnel), expected close month, age, person."""

from __future__ import annotations

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
