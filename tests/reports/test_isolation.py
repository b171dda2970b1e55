"""Every route of the plugin: another tenant's user gets 404, and so does a tenant without it."""

from __future__ import annotations

import pytest

from tests.reports.conftest import HALF

PATHS = (
    "/reports",
    "/reports/reports.sales",
    "/reports/reports.pipeline",
    "/reports/reports.sales/export.csv",
    "/reports/reports.sales/export.xlsx",
    f"/reports/drill?report=reports.sales&measure=won&group=2026-01-01&{HALF}",
)


@pytest.mark.parametrize("path", PATHS)
def test_another_tenants_member_gets_404(webapp, acme, beta, login, path):
    login(webapp, "bert@beta.example")
    webapp.get(acme.url(path), status=404)
    webapp.get(beta.url(path), status=200)


@pytest.mark.parametrize("path", PATHS)
def test_a_tenant_without_the_plugin_gets_404(webapp, db, make_tenant, make_user, login, path):
    tenant = make_tenant("gamma", "Gamma Oy", plugins=("workflow",))
    make_user("gina@gamma.example", tenant=tenant, name="Gina")
    login(webapp, "gina@gamma.example")
    webapp.get(f"/t/gamma{path}", status=404)


def test_an_unknown_report_is_404(webapp, as_anna):
    webapp.get(as_anna.url("/reports/reports.nothing"), status=404)
    webapp.get(as_anna.url("/reports/reports.nothing/export.csv"), status=404)
    webapp.get(as_anna.url("/reports/drill?report=tally.stages"), status=404)


def test_drill_down_shows_no_task_of_another_tenant(webapp, as_anna, beta):
    response = webapp.get(
        as_anna.url(f"/reports/drill?report=reports.sales&measure=won&group=2026-02-01&{HALF}")
    )
    assert "Beta" not in response.text
    assert response.html.select("tr[data-task]") == []


def test_a_member_does_not_drill_into_other_peoples_tasks(webapp, as_maija):
    pekka = as_maija.users["pekka"].id
    response = webapp.get(
        as_maija.url(
            f"/reports/drill?report=reports.sales&dimension=user&measure=won&group={pekka}&{HALF}"
        )
    )
    assert response.html.select("tr[data-task]") == []
