"""Scheduling a report: the form on a report's schedule page, the tenant's schedules, edit, delete.

A schedule keeps the report's query string as the page had it; the job runs
it for each recipient with that recipient's permissions, so choosing a
recipient shows them nothing they could not see on the page themselves.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select

from core import label_text
from core.forms import STALE
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
SAVED = _("The schedule was saved.")
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
    errors = _choice_errors(request, frequency, chosen)
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
            recipient_ids=sorted({int(v) for v in chosen}),
            next_run_at=first_run(frequency, local_today()),
            created_by_user_id=request.user.id,
            last_error="",
        )
    )
    request.session.flash(request.localizer.translate(SCHEDULED))
    return HTTPSeeOther(request.route_url("report_schedules"))


def _choice_errors(request: Any, frequency: str, chosen: list[str]) -> dict[str, Any]:
    """The form's errors in how often and to whom, by field."""
    members = {uid for uid, _name in member_choices(request.db)}
    ids = {int(v) for v in chosen if v.isdigit() and len(v) < 10}
    errors: dict[str, Any] = {}
    if frequency not in FREQUENCIES:
        errors["frequency"] = BAD_FREQUENCY
    if not chosen:
        errors["recipients"] = NO_RECIPIENTS
    elif len(ids) != len(set(chosen)) or not ids <= members:
        errors["recipients"] = NOT_MEMBER
    return errors


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
        "editing": None,
        "version": None,
    }


@view_config(
    route_name="report_schedules",
    renderer="plugins.reports:templates/schedules.pt",
    permission=ReportsPermission.VIEW,
    request_method="GET",
)
def schedule_list(request: Any) -> dict[str, Any]:
    return {"report": None, "editing": None, "schedules": _schedules(request)}


def _own_schedule(request: Any) -> ReportSchedule:
    """The schedule of the URL, if the user may change it; 404 or 403 otherwise."""
    schedule = request.db.get(ReportSchedule, int(request.matchdict["id"]))
    if schedule is None:
        raise HTTPNotFound()
    if not _may_change(request, schedule):
        raise HTTPForbidden()
    return schedule


@view_config(
    route_name="report_schedule_edit",
    renderer="plugins.reports:templates/schedules.pt",
    permission=ReportsPermission.VIEW,
)
def schedule_edit(request: Any) -> Any:
    """Change how often and to whom a schedule goes; its report and filters stay.

    The form carries the schedule's version: a save over a change saved since
    the form was opened is a 409 that keeps what was typed, as on records.
    """
    schedule = _own_schedule(request)
    if request.method != "POST":
        chosen = [str(u) for u in schedule.recipient_ids]
        source = dict(parse_qsl(schedule.query))
        page = _form_page(request, schedule.report_key, source, schedule.frequency, chosen, {})
        return {**page, "editing": schedule, "version": schedule.version}
    frequency = str(request.POST.get("frequency", ""))
    chosen = [str(v) for v in request.POST.getall("recipients")]
    errors = _choice_errors(request, frequency, chosen)
    request.db.refresh(schedule, with_for_update=True)
    version = str(request.POST.get("version", ""))
    if not errors and version != str(schedule.version):
        errors["version"] = STALE
        request.response.status_int = 409
    elif errors:
        request.response.status_int = 400
    if errors:
        source = dict(parse_qsl(schedule.query))
        page = _form_page(request, schedule.report_key, source, frequency, chosen, errors)
        return {**page, "editing": schedule, "version": schedule.version}
    if frequency != schedule.frequency:
        schedule.next_run_at = first_run(frequency, local_today())
    schedule.frequency = frequency
    schedule.recipient_ids = sorted({int(v) for v in chosen})
    schedule.version += 1
    request.session.flash(request.localizer.translate(SAVED))
    return HTTPSeeOther(request.route_url("report_schedules"))


@view_config(
    route_name="report_schedule_delete",
    permission=ReportsPermission.VIEW,
    request_method="POST",
)
def schedule_delete(request: Any) -> Any:
    request.db.delete(_own_schedule(request))
    request.session.flash(request.localizer.translate(DELETED))
    return HTTPSeeOther(request.route_url("report_schedules"))
