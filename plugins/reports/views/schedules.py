"""Scheduling a report: the form on a report's schedule page, the tenant's schedules, delete.

A schedule keeps the report's query string as the page had it; the job runs
it for each recipient with that recipient's permissions, so choosing a
recipient shows them nothing they could not see on the page themselves.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select

from core import label_text
from core.models import Role
from plugins.reports import _
from plugins.reports.catalogue import report_for, visible_reports
from plugins.reports.models import ReportSchedule
from plugins.reports.params import FIELDS, read_query
from plugins.reports.periods import local_today
from plugins.reports.permissions import ReportsPermission
from plugins.reports.schedules import FREQUENCIES, NOT_ENABLED, first_run
from plugins.reports.scope import visible_user_ids
from plugins.workflow.task_form import member_choices

FREQUENCY_LABELS = {"weekly": _("Weekly"), "monthly": _("Monthly")}
NO_RECIPIENTS = _("Choose at least one recipient.")
NOT_MEMBER = _("Choose recipients among the users of this organisation.")
BAD_FREQUENCY = _("Choose weekly or monthly.")
SCHEDULED = _("The report was scheduled.")
DELETED = _("The schedule was deleted.")
BAD_FILTERS = _("The report's filters are not valid: open the report and choose them again.")
#: The length of ``ReportSchedule.query``.
QUERY_MAX = 2000
NOT_ENABLED_TEXT = _("Not sent: messaging is not enabled for this organisation.")


def _filters(values: Any) -> list[tuple[str, str]]:
    """The report filters of ``values`` (a GET or POST), in the order of ``FIELDS``."""
    return [(name, str(values.get(name, ""))) for name in FIELDS if values.get(name)]


def _schedules(request: Any) -> list[dict[str, Any]]:
    titles = {r.key: label_text(r.title, request.locale_name) for r in visible_reports(request)}
    people = dict(member_choices(request.db))
    rows = request.db.scalars(select(ReportSchedule).order_by(ReportSchedule.id))
    translate = request.localizer.translate
    return [
        {
            "schedule": s,
            "title": titles.get(s.report_key, s.report_key),
            "frequency": translate(FREQUENCY_LABELS.get(s.frequency, s.frequency)),
            "recipients": ", ".join(people.get(u, "–") for u in s.recipient_ids),
            "error": translate(NOT_ENABLED_TEXT) if s.last_error == NOT_ENABLED else s.last_error,
            "may_delete": _may_change(request, s),
        }
        for s in rows
    ]


def _may_change(request: Any, schedule: ReportSchedule) -> bool:
    return request.membership.role == Role.ADMIN or schedule.created_by_user_id == request.user.id


@view_config(
    route_name="report_schedule",
    renderer="plugins.reports:templates/schedules.pt",
    permission=ReportsPermission.VIEW,
    request_method="GET",
)
def schedule_form(request: Any) -> dict[str, Any]:
    """The form for the report of the URL, with the filters of its query string."""
    return _form_page(request, request.matchdict["key"], request.GET, "weekly", [], {})


@view_config(
    route_name="report_schedules",
    renderer="plugins.reports:templates/schedules.pt",
    permission=ReportsPermission.VIEW,
    request_method="POST",
)
def schedule_create(request: Any) -> Any:
    """Save a schedule of report ``report`` (a form field) with the filters the form carries."""
    post = request.POST
    key = str(post.get("report", ""))
    frequency = str(post.get("frequency", ""))
    chosen = [str(v) for v in post.getall("recipients")]
    members = {uid for uid, _name in member_choices(request.db)}
    ids = [int(v) for v in chosen if v.isdigit() and len(v) < 10]
    errors: dict[str, Any] = {}
    if frequency not in FREQUENCIES:
        errors["frequency"] = BAD_FREQUENCY
    if not chosen:
        errors["recipients"] = NO_RECIPIENTS
    elif len(ids) != len(chosen) or not set(ids) <= members:
        errors["recipients"] = NOT_MEMBER
    page = _form_page(request, key, post, frequency, chosen, errors)
    values = {name: str(post.get(name, "")) for name in FIELDS}
    checked = read_query(request, page["report"], values, visible_user_ids(request), local_today())
    if checked.errors or len(page["query"]) > QUERY_MAX:
        errors["report"] = BAD_FILTERS
        page["errors"]["report"] = request.localizer.translate(BAD_FILTERS)
    if errors:
        request.response.status_int = 400
        return page
    request.db.add(
        ReportSchedule(
            report_key=page["report"].key,
            query=page["query"],
            frequency=frequency,
            recipient_ids=sorted(set(ids)),
            next_run_at=first_run(frequency, local_today()),
            created_by_user_id=request.user.id,
            last_error="",
        )
    )
    request.session.flash(request.localizer.translate(SCHEDULED))
    return HTTPSeeOther(request.route_url("report_schedules"))


def _form_page(
    request: Any, key: str, source: Any, frequency: str, chosen: list[str], errors: dict[str, Any]
) -> dict[str, Any]:
    """The schedule page's values; ``HTTPNotFound`` or ``HTTPForbidden`` for a report not seen."""
    report = report_for(request, key)
    filters = _filters(source)
    return {
        "report": report,
        "query": urlencode(filters),
        "filters": filters,
        "people": member_choices(request.db),
        "chosen": chosen,
        "frequency": frequency,
        "frequencies": [(f, FREQUENCY_LABELS[f]) for f in FREQUENCIES],
        "errors": {k: request.localizer.translate(v) for k, v in errors.items()},
        "schedules": _schedules(request),
    }


@view_config(
    route_name="report_schedules",
    renderer="plugins.reports:templates/schedules.pt",
    permission=ReportsPermission.VIEW,
    request_method="GET",
)
def schedule_list(request: Any) -> dict[str, Any]:
    return {"report": None, "schedules": _schedules(request)}


@view_config(
    route_name="report_schedule_delete",
    permission=ReportsPermission.VIEW,
    request_method="POST",
)
def schedule_delete(request: Any) -> Any:
    schedule = request.db.get(ReportSchedule, int(request.matchdict["id"]))
    if schedule is None:
        raise HTTPNotFound()
    if not _may_change(request, schedule):
        raise HTTPForbidden()
    request.db.delete(schedule)
    request.session.flash(request.localizer.translate(DELETED))
    return HTTPSeeOther(request.route_url("report_schedules"))
