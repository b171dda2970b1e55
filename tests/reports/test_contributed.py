"""A plugin contributes reports through ``myynti_reports`` with no change to reports' code."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from core.licensing import disable_plugin
from core.plugins import CORE_PLUGIN, PluginRegistry
from plugins.contacts import plugin as contacts_plugin
from plugins.reports.contract import ReportDeclarationError, checked_result, declared
from plugins.workflow import plugin as workflow_plugin
from tests.reports.tally import plugin as tally_plugin
from tests.reports.test_sales import _table


def test_a_contributed_report_is_listed_run_and_exported(tally_app, tally_acme, login):
    login(tally_app, "anna@acme.example")
    listing = tally_app.get(tally_acme.url("/reports"))
    keys = [li["data-report"] for li in listing.html.select("li[data-report]")]
    assert "tally.stages" in keys and "reports.sales" in keys
    page = tally_app.get(tally_acme.url("/reports/tally.stages"))
    rows = {row[0]: row[1] for row in _table(page)}
    assert rows["Won"] == "4" and rows["New"] == "2"
    assert page.html.select_one("svg.chart-bars") is not None
    drill = page.html.select_one("#report-table td a")["href"]
    assert "/tasks?" in drill
    csv_rows = tally_app.get(tally_acme.url("/reports/tally.stages/export.csv")).body
    assert "Won;4" in csv_rows.decode("utf-8-sig")
    xlsx = tally_app.get(tally_acme.url("/reports/tally.stages/export.xlsx")).body
    values = list(load_workbook(io.BytesIO(xlsx)).active.iter_rows(values_only=True))
    assert ("Won", 4) in values


def test_a_contributed_report_counts_what_the_member_may_see(tally_app, tally_acme, login):
    login(tally_app, "maija@acme.example")
    page = tally_app.get(tally_acme.url("/reports/tally.stages"))
    assert {row[0]: row[1] for row in _table(page)}["Won"] == "3"  # not Pekka's


def test_a_report_the_user_may_not_see_is_neither_listed_nor_exported(tally_app, tally_acme, login):
    login(tally_app, "maija@acme.example")
    listing = tally_app.get(tally_acme.url("/reports"))
    assert "tally.secret" not in listing.text
    tally_app.get(tally_acme.url("/reports/tally.secret"), status=403)
    tally_app.get(tally_acme.url("/reports/tally.secret/export.csv"), status=403)
    tally_app.get(tally_acme.url("/reports/tally.secret/export.xlsx"), status=403)
    login(tally_app, "anna@acme.example")
    tally_app.get(tally_acme.url("/reports/tally.secret/export.xlsx"), status=200)


def test_a_report_of_a_disabled_plugin_is_404(tally_app, tally_acme, tally_registry, db, login):
    disable_plugin(db, tally_registry, tally_acme.tenant, "tally")
    db.flush()
    login(tally_app, "anna@acme.example")
    tally_app.get(tally_acme.url("/reports/tally.stages"), status=404)
    tally_app.get(tally_acme.url("/reports/tally.stages/export.csv"), status=404)
    assert "tally.stages" not in tally_app.get(tally_acme.url("/reports")).text


def test_the_contributor_loads_without_the_reports_plugin():
    registry = PluginRegistry([CORE_PLUGIN, contacts_plugin, workflow_plugin, tally_plugin])
    assert "tally" in registry.by_name
    assert registry.pm.hook.myynti_reports.spec is None


GOOD = {
    "key": "tally.good",
    "title": {"fi": "Hyvä", "en": "Good"},
    "group": {"fi": "Ryhmä", "en": "Group"},
    "permission": "workflow:task:view",
    "filters": ("period",),
    "dimensions": [("stage", {"fi": "Vaihe", "en": "Stage"})],
    "run": lambda request, params: {},
}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"key": "other.good"}, 'key must be "tally.<name>"'),
        ({"title": "Good"}, "title must be a label dict"),
        ({"filters": ("period", "moon")}, "unknown filters ['moon']"),
        ({"dimensions": []}, "dimensions must be"),
        ({"run": "not callable"}, "run must be callable"),
        ({"permission": None}, "permission must be"),
    ],
)
def test_a_malformed_declaration_fails_loudly_naming_the_plugin(change, problem):
    with pytest.raises(ReportDeclarationError) as raised:
        declared("tally", {**GOOD, **change})
    assert str(raised.value).startswith("plugin 'tally'")
    assert problem in str(raised.value)


def test_a_declaration_missing_keys_names_them():
    with pytest.raises(ReportDeclarationError, match="missing run"):
        declared("tally", {k: v for k, v in GOOD.items() if k != "run"})


@pytest.mark.parametrize(
    ("result", "problem"),
    [
        ({"rows": []}, 'with "columns" and "rows"'),
        ({"columns": [{"key": "a", "label": "A", "kind": "euros"}], "rows": []}, "kind must be"),
        (
            {
                "columns": [{"key": "a", "label": "A", "kind": "int"}],
                "rows": [],
                "chart": {"type": "pie", "label": "a", "value": "a"},
            },
            "chart must be",
        ),
    ],
)
def test_a_malformed_result_fails_loudly_naming_the_plugin(result, problem):
    report = declared("tally", GOOD)
    with pytest.raises(ReportDeclarationError) as raised:
        checked_result(report, result)
    assert "plugin 'tally', report 'tally.good'" in str(raised.value)
    assert problem in str(raised.value)
