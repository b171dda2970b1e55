"""Bad choices of a report get a 400 with a message next to the field and the typed value kept."""

from __future__ import annotations

import pytest

from tests.reports.test_sales import _plain, _table


def _error(response, field: str) -> str:
    found = response.html.select_one(f"#{field}-error")
    assert found is not None, response.text[:3000]
    return found.get_text()


def test_a_period_that_ends_before_it_starts(webapp, as_anna):
    response = webapp.get(
        as_anna.url("/reports/reports.sales?start=2026-06-01&end=2026-01-01"), status=400
    )
    assert _error(response, "end") == "The period cannot end before it starts."
    assert response.html.select_one("#end")["value"] == "2026-01-01"
    assert response.html.select_one("#report-table") is None


@pytest.mark.parametrize("typed", ["31.2.2026", "eilen", "2026-13-01", "'; drop table task"])
def test_a_date_that_is_not_a_date(webapp, as_anna, typed):
    response = webapp.get(as_anna.url("/reports/reports.sales"), {"start": typed}, status=400)
    assert _error(response, "start") == "Give a date, e.g. 31.12.2026."
    assert response.html.select_one("#start")["value"] == typed[:40]


def test_a_period_of_a_hundred_years_is_refused(webapp, as_anna):
    response = webapp.get(
        as_anna.url("/reports/reports.sales?start=1.1.1926&end=31.12.2025&granularity=week"),
        status=400,
    )
    assert _error(response, "end") == "A period can be at most 10 years long."


def test_a_period_of_ten_years_is_fine(webapp, as_anna):
    response = webapp.get(
        as_anna.url("/reports/reports.sales?start=1.1.2017&end=31.12.2026&granularity=year")
    )
    assert len(_table(response)) == 10


def test_an_unknown_granularity_or_grouping(webapp, as_anna):
    response = webapp.get(as_anna.url("/reports/reports.sales?granularity=decade"), status=400)
    assert _error(response, "granularity") == "Choose week, month, quarter or year."
    response = webapp.get(as_anna.url("/reports/reports.sales?dimension=password"), status=400)
    assert _error(response, "dimension") == "Choose a grouping from the list."


@pytest.mark.parametrize("field", ["user", "team", "customer"])
def test_a_filter_value_of_another_tenant_is_refused(webapp, as_anna, beta, field):
    other = {"user": beta.users["bert"].id, "team": beta.team.id, "customer": beta.customer.id}
    for path in ("/reports/reports.sales", "/reports/reports.sales/export.csv"):
        response = webapp.get(
            as_anna.url(path), {"start": "2026-01-01", field: other[field]}, status=400
        )
        assert "77 777" not in _plain(response.text)  # Beta's won value never shows
        assert "Beta" not in response.text
        assert response.html.select_one(f"#{field}-error") is not None


def test_a_member_cannot_filter_by_someone_outside_their_teams(webapp, as_maija):
    pekka = as_maija.users["pekka"].id
    response = webapp.get(as_maija.url(f"/reports/reports.sales?user={pekka}"), status=400)
    assert _error(response, "user") == "Choose a person from the list."
