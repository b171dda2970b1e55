"""The report list, a report's page (chart and table), its CSV and XLSX exports."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from pyramid.renderers import render_to_response
from pyramid.response import Response
from pyramid.view import view_config

from core import Link, label_text
from plugins.reports import _
from plugins.reports.audience import run_report
from plugins.reports.catalogue import visible_reports
from plugins.reports.cells import page_text
from plugins.reports.charts import make_chart
from plugins.reports.contract import Report
from plugins.reports.export import csv_bytes, xlsx_bytes
from plugins.reports.params import FIELDS, ReportQuery
from plugins.reports.periods import GRANULARITIES, GRANULARITY_LABELS, local_today
from plugins.reports.permissions import ReportsPermission
from plugins.reports.scope import visible_user_ids
from plugins.workflow.task_form import member_choices, team_choices

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def report_links(request: Any, slot: str) -> list[Link]:
    if slot != "navigation" or not request.has_permission(ReportsPermission.VIEW):
        return []
    return [Link(_("Reports"), request.route_url("reports"), 60)]


def heading(request: Any) -> Any:
    """A column's heading as text: its label may be a label dict or a translation string."""

    def text(column: dict[str, Any]) -> str:
        label = column["label"]
        if isinstance(label, dict):
            return label_text(label, request.locale_name)
        return request.localizer.translate(label)

    return text


@view_config(
    route_name="reports",
    renderer="plugins.reports:templates/reports.pt",
    permission=ReportsPermission.VIEW,
    request_method="GET",
)
def report_list(request: Any) -> dict[str, Any]:
    groups: OrderedDict[str, list[Report]] = OrderedDict()
    for report in visible_reports(request):
        groups.setdefault(label_text(report.group, request.locale_name), []).append(report)
    return {"groups": groups}


def _answer(request: Any) -> tuple[Report, ReportQuery, dict[str, Any] | None]:
    """The report of the URL, its query and result, as ``audience.run_report`` gives them."""
    values = {name: str(request.GET.get(name, "")) for name in FIELDS}
    return run_report(request, request.matchdict["key"], values, local_today())


def _table(request: Any, result: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """The rows as cells of text, each number with its drill-down link if the report has one."""
    locale = request.locale_name
    drill = result.get("drill")
    table = []
    for row in result["rows"]:
        cells = []
        for column in result["columns"]:
            value = row.get(column["key"])
            url = drill(row, column["key"]) if drill and column["kind"] != "text" else None
            cells.append(
                {
                    "text": page_text(value, column["kind"], locale),
                    "url": url,
                    "kind": column["kind"],
                }
            )
        table.append(cells)
    return table


def _page(
    request: Any, report: Report, query: ReportQuery, result: dict[str, Any] | None
) -> dict[str, Any]:
    chart = None
    if result and result.get("chart"):
        spec = result["chart"]
        kind = next(c["kind"] for c in result["columns"] if c["key"] == spec["value"])
        chart = make_chart(
            spec,
            result["rows"],
            lambda row: page_text(row.get(spec["value"]), kind, request.locale_name),
        )
    visible = query.params.get("visible_user_ids") if query.params else visible_user_ids(request)
    people = [p for p in member_choices(request.db) if visible is None or p[0] in visible]
    return {
        "report": report,
        "query": query,
        "errors": query.errors,
        "values": query.values,
        "result": result,
        "headings": [heading(request)(c) for c in result["columns"]] if result else [],
        "table": _table(request, result) if result else [],
        "chart": chart,
        "people": people,
        "teams": team_choices(request.db),
        "granularities": [(g, GRANULARITY_LABELS[g]) for g in GRANULARITIES],
        "dimensions": [
            (key, label_text(label, request.locale_name)) for key, label in report.dimensions
        ],
    }


@view_config(
    route_name="report",
    renderer="plugins.reports:templates/report.pt",
    permission=ReportsPermission.VIEW,
    request_method="GET",
)
def report_page(request: Any) -> dict[str, Any]:
    report, query, result = _answer(request)
    if query.errors:
        request.response.status_int = 400
    return _page(request, report, query, result)


@view_config(route_name="report_export", permission=ReportsPermission.VIEW, request_method="GET")
def report_export(request: Any) -> Response:
    """The report's table as CSV or XLSX, for the same period, filters and people as its page."""
    report, query, result = _answer(request)
    if result is None:
        response = render_to_response(
            "plugins.reports:templates/report.pt",
            _page(request, report, query, None),
            request=request,
        )
        response.status_int = 400
        return response
    title = label_text(report.title, request.locale_name)
    name = report.key.replace(".", "-")
    if request.matchdict["format"] == "xlsx":
        response = Response(xlsx_bytes(result, heading(request), title), content_type=XLSX_TYPE)
    else:
        response = Response(
            csv_bytes(result, heading(request)), content_type="text/csv", charset="utf-8"
        )
    response.content_disposition = f'attachment; filename="{name}.{request.matchdict["format"]}"'
    return response
