"""The sales report: won and lost by period and by person, win rate, days to win, lost reasons."""

from __future__ import annotations

import re

from tests.reports.conftest import HALF


def _table(response) -> list[list[str]]:
    """The report table's rows as lists of cell texts (no-break spaces made plain)."""
    rows = response.html.select("#report-table tbody tr")
    return [[" ".join(c.get_text().split()) for c in row.find_all(["th", "td"])] for row in rows]


def _plain(text: str) -> str:
    return re.sub(r"[\u00a0\u202f]", " ", text)


def test_won_by_month_over_the_half_year(webapp, as_anna):
    response = webapp.get(as_anna.url(f"/reports/reports.sales?{HALF}&granularity=month"))
    rows = {row[0]: [_plain(c) for c in row[1:]] for row in _table(response)}
    assert list(rows) == ["1/2026", "2/2026", "3/2026", "4/2026", "5/2026", "6/2026"]
    # won, won value, lost, win rate, days to win
    assert rows["1/2026"] == ["2", "1 500,00 €", "0", "100,0 %", "15"]
    assert rows["2/2026"] == ["0", "0,00 €", "0", "", ""]
    assert rows["3/2026"] == ["1", "2 000,50 €", "1", "50,0 %", "30"]
    svg = response.html.select_one("svg.report-chart")
    assert svg is not None and svg.find("title").get_text() == "Sales"
    assert len(svg.select("g.chart-item rect")) == 6


def test_won_by_quarter_and_year(webapp, as_anna):
    response = webapp.get(as_anna.url(f"/reports/reports.sales?{HALF}&granularity=quarter"))
    rows = {row[0]: row[1:3] for row in _table(response)}
    assert list(rows) == ["Q1/2026", "Q2/2026"]
    assert rows["Q1/2026"][0] == "3"
    response = webapp.get(
        as_anna.url("/reports/reports.sales?start=1.1.2025&end=31.12.2026&granularity=year")
    )
    assert {row[0]: row[1] for row in _table(response)} == {"2025": "1", "2026": "3"}


def test_weeks_start_on_monday(webapp, as_anna):
    # 20.1.2026 and 25.1.2026 are in ISO weeks 4 and 4 (Tue, Sun)
    response = webapp.get(
        as_anna.url("/reports/reports.sales?start=2026-01-19&end=2026-01-25&granularity=week")
    )
    assert [row[:2] for row in _table(response)] == [["vk 4/2026", "2"]]


def test_by_salesperson_an_admin_sees_everyone(webapp, as_anna):
    response = webapp.get(as_anna.url(f"/reports/reports.sales?{HALF}&dimension=user"))
    rows = {row[0]: row[1:4] for row in _table(response)}
    assert set(rows) == {"Minna Tiimiläinen", "Maija Myyjä", "Pekka Puuska"}
    assert rows["Maija Myyjä"][0] == "1" and rows["Maija Myyjä"][2] == "1"


def test_a_member_sees_only_their_own_and_their_teams_numbers(webapp, as_maija):
    response = webapp.get(as_maija.url(f"/reports/reports.sales?{HALF}&dimension=user"))
    names = {row[0] for row in _table(response)}
    assert names == {"Minna Tiimiläinen", "Maija Myyjä"}
    by_month = webapp.get(as_maija.url(f"/reports/reports.sales?{HALF}"))
    january = next(row for row in _table(by_month) if row[0] == "1/2026")
    assert january[1] == "1"  # Pekka's January win is not counted for Maija
    # and the salesperson choice offers only the people she may see
    options = {o.get_text() for o in by_month.html.select("#user option")}
    assert "Pekka Puuska" not in options and "Minna Tiimiläinen" in options


def test_by_team_customer_source_and_lost_reason(webapp, as_anna):
    url = as_anna.url(f"/reports/reports.sales?{HALF}&dimension=")
    teams = {row[0]: row[1] for row in _table(webapp.get(url + "team"))}
    assert teams == {"Myynti": "2", "No team": "1"}
    customers = {row[0]: row[1] for row in _table(webapp.get(url + "customer"))}
    assert customers["=Rakennus Virtanen Oy"] == "1"
    sources = {row[0]: row[1] for row in _table(webapp.get(url + "source"))}
    assert sources == {"Added by hand": "3"}
    reasons = {row[0]: row[3] for row in _table(webapp.get(url + "lost_reason"))}
    assert reasons["Hinta"] == "1"


def test_filters_narrow_the_figures(webapp, as_anna):
    pekka = as_anna.users["pekka"].id
    response = webapp.get(as_anna.url(f"/reports/reports.sales?{HALF}&user={pekka}"))
    assert sum(int(row[1]) for row in _table(response)) == 1
    response = webapp.get(as_anna.url(f"/reports/reports.sales?{HALF}&team={as_anna.team.id}"))
    assert sum(int(row[1]) for row in _table(response)) == 2
    customer = as_anna.customer.id
    response = webapp.get(as_anna.url(f"/reports/reports.sales?{HALF}&customer={customer}"))
    assert sum(int(row[1]) for row in _table(response)) == 1


def test_the_choices_stay_in_the_url_and_the_export_links(webapp, as_anna):
    response = webapp.get(as_anna.url(f"/reports/reports.sales?{HALF}&granularity=quarter"))
    assert response.html.select_one("#start")["value"] == "2026-01-01"
    assert response.html.select_one("#granularity option[selected]")["value"] == "quarter"
    csv_link = response.html.find("a", string="Export CSV")["href"]
    assert "granularity=quarter" in csv_link and "start=2026-01-01" in csv_link


def test_a_number_drills_down_to_its_tasks(webapp, as_anna):
    response = webapp.get(as_anna.url(f"/reports/reports.sales?{HALF}&dimension=user"))
    maija_row = next(
        r for r in response.html.select("#report-table tbody tr") if "Maija" in r.get_text()
    )
    links = maija_row.select("td a")
    won = webapp.get(links[0]["href"])
    assert [a.get_text() for a in won.html.select("tr[data-task] td a")] == ["jan_maija"]
    lost = webapp.get(links[2]["href"])
    assert [a.get_text() for a in lost.html.select("tr[data-task] td a")] == ["mar_lost"]


def test_in_finnish(webapp, as_anna):
    response = webapp.get(
        as_anna.url(f"/reports/reports.sales?{HALF}&dimension=team"),
        headers={"Accept-Language": "fi"},
    )
    headings = [th.get_text() for th in response.html.select("#report-table thead th")]
    assert headings == [
        "Tiimi",
        "Voitettu",
        "Voitettu arvo",
        "Hävitty",
        "Voittoprosentti",
        "Päiviä voittoon keskimäärin",
    ]
    assert {row[0] for row in _table(response)} == {"Myynti", "Ei tiimiä"}
    assert response.html.find("a", string="Vie XLSX") is not None
    refused = webapp.get(
        as_anna.url("/reports/reports.sales?start=2026-06-01&end=2026-01-01"),
        headers={"Accept-Language": "fi"},
        status=400,
    )
    assert refused.html.select_one("#end-error").get_text() == (
        "Jakso ei voi päättyä ennen kuin se alkaa."
    )
