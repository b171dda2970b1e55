"""A report run for a user without a request (a scheduled report's job) sees what their page does.

``audience_for`` builds the reader from the session alone; ``run_report``
answers it with the same rows as the user's own page: a member their own and
their team's numbers, an admin everyone's, in the user's language; a user of
another tenant is nobody's reader, and a report of a disabled plugin is not there.
"""

from __future__ import annotations

from datetime import date

import pytest
from pyramid.httpexceptions import HTTPNotFound

from core.db import set_tenant
from plugins.reports.audience import audience_for, run_report
from tests.reports.conftest import HALF
from tests.reports.test_sales import _table

TODAY = date(2026, 7, 1)
BY_USER = {"start": "2026-01-01", "end": "2026-06-30", "dimension": "user"}


def _rows(result):
    return {row["label"]: (row["won"], row["lost"]) for row in result["rows"]}


def _page_rows(response):
    return {row[0]: (int(row[1]), int(row[3])) for row in _table(response)}


def _reader(db, registry, company, name):
    set_tenant(db, company.tenant.id)
    return audience_for(db, registry, company.tenant, company.users[name].id)


def test_a_member_gets_their_own_and_their_teams_numbers_as_on_their_page(
    webapp, db, myynti_registry, as_maija
):
    page = webapp.get(as_maija.url(f"/reports/reports.sales?{HALF}&dimension=user"))
    reader = _reader(db, myynti_registry, as_maija, "maija")
    _report, _query, result = run_report(reader, "reports.sales", BY_USER, TODAY)
    assert _rows(result) == _page_rows(page)
    assert set(_rows(result)) == {"Maija Myyjä", "Minna Tiimiläinen"}
    # Pekka's numbers are not hers to ask for: the filter is refused as on the page
    pekka = str(as_maija.users["pekka"].id)
    _report, query, result = run_report(reader, "reports.sales", {**BY_USER, "user": pekka}, TODAY)
    assert result is None and "user" in query.errors


def test_an_admin_gets_everyones_numbers(db, myynti_registry, acme):
    reader = _reader(db, myynti_registry, acme, "anna")
    _report, _query, result = run_report(reader, "reports.sales", BY_USER, TODAY)
    assert _rows(result) == {
        "Maija Myyjä": (1, 1),
        "Minna Tiimiläinen": (1, 0),
        "Pekka Puuska": (1, 0),
    }


def test_the_users_language_names_the_columns(db, myynti_registry, acme):
    acme.users["maija"].locale = "fi"
    reader = _reader(db, myynti_registry, acme, "maija")
    _report, _query, result = run_report(reader, "reports.sales", BY_USER, TODAY)
    headings = [reader.localizer.translate(c["label"]) for c in result["columns"][1:3]]
    assert headings == ["Voitettu", "Voitettu arvo"]
    acme.users["maija"].locale = "en"
    english = _reader(db, myynti_registry, acme, "maija")
    assert english.localizer.translate(result["columns"][1]["label"]) == "Won"


def test_a_user_of_another_tenant_reads_nothing_here(db, myynti_registry, acme, beta):
    set_tenant(db, acme.tenant.id)
    assert audience_for(db, myynti_registry, acme.tenant, beta.users["bert"].id) is None


def test_a_report_of_a_disabled_plugin_is_not_there(db, myynti_registry, acme):
    reader = _reader(db, myynti_registry, acme, "anna")
    with pytest.raises(HTTPNotFound):
        run_report(reader, "campaigns.results", {}, TODAY)
    with pytest.raises(HTTPNotFound):
        run_report(reader, "reports.nothing", {}, TODAY)
