"""The task list: the board's filters plus stage and state, sorting, paging, CSV export."""

from __future__ import annotations

import csv
import io
from typing import Any

from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy import select

from core import Link, cache, label_text
from core.forms import row_id
from core.people import member_choices, team_choices
from core.record_forms import ListColumn, ListFilter, csv_columns, filter_conditions, list_columns
from core.record_forms import list_filters as extension_filters
from core.spreadsheet import safe_cell
from plugins.contacts.models import Customer
from plugins.workflow import _, tasks
from plugins.workflow.board import BoardFilter, local_today, workflows
from plugins.workflow.models import Stage, Task, Workflow
from plugins.workflow.permissions import WorkflowPermission

#: The sortable columns' headings, by the English text the template names them with.
SORT_LABELS = {
    "Title": _("Title"),
    "Stage": _("Stage"),
    "Expected value": _("Expected value"),
    "Due date": _("Due date"),
}


def task_links(request: Any, slot: str) -> list[Link]:
    """ "Tasks" and "My work" in the main menu."""
    if slot != "navigation" or not request.has_permission(WorkflowPermission.TASK_VIEW):
        return []
    return [
        Link(_("Tasks"), request.route_url("tasks"), 31),
        Link(_("My work"), request.route_url("my_work"), 29),
    ]


#: The stage filter's choices are kept per process (``_stage_choices``).
cache.watch(Workflow, Stage)


def task_filter(
    request: Any,
    columns: list[ListColumn] | None = None,
    extra_filters: list[ListFilter] | None = None,
) -> tasks.TaskFilter:
    """The list's filters from the query string; a value that makes no sense is ignored.

    ``columns`` and ``extra_filters`` are other plugins' when the caller has them already.
    """
    params = request.GET
    sort = params.get("sort", "-created")
    if columns is None:
        columns = list_columns(request, "task")
    if extra_filters is None:
        extra_filters = extension_filters(request, "task")
    sortable = {c.key: c.sort for c in columns if c.sort is not None}
    extra_order: tuple[Any, ...] = ()
    if sort.lstrip("-") in sortable:
        expr = sortable[sort.lstrip("-")]
        extra_order = (expr.desc(), Task.id.desc()) if sort.startswith("-") else (expr, Task.id)
    state = params.get("state", "open")
    return tasks.TaskFilter(
        board=BoardFilter.from_params(params),
        stage_id=row_id(params.get("stage")),
        state=state if state in tasks.STATES else "open",
        sort=sort if sort in tasks.SORTS or extra_order else "-created",
        extra=filter_conditions(extra_filters),
        extra_order=extra_order,
    )


def _stage_choices(request: Any) -> list[tuple[int, str]]:
    """Every stage of every workflow, named with the workflow when there are several.

    Kept per process and language: a change to a workflow or a stage gives the
    tenant's cache a new version.
    """
    locale = request.locale_name

    def load() -> list[tuple[int, str]]:
        flows = workflows(request.db)
        names = {w.id: label_text(w.name, locale) for w in flows}
        found = request.db.scalars(
            select(Stage).order_by(Stage.workflow_id, Stage.position, Stage.id)
        )
        return [
            (
                s.id,
                label_text(s.name, locale)
                + (f" ({names.get(s.workflow_id, '')})" if len(flows) > 1 else ""),
            )
            for s in found
        ]

    return cache.cached(request, ("task_stage_choices", locale), load)


@view_config(
    route_name="tasks",
    renderer="plugins.workflow:templates/tasks.pt",
    kept_page=True,
    permission=WorkflowPermission.TASK_VIEW,
)
def task_list(request: Any) -> dict[str, Any]:
    columns = list_columns(request, "task")
    extra_filters = extension_filters(request, "task")
    filters = task_filter(request, columns, extra_filters)
    page = max(row_id(request.GET.get("page")) or 1, 1)
    rows, count = tasks.list_page(request.db, filters, local_today(), page)
    query = {k: v for k, v in request.GET.items() if k != "page"}
    customer_id = filters.board.customer_id
    return {
        "rows": rows,
        "count": count,
        "capped": count > tasks.COUNT_CAP,
        "count_cap": tasks.COUNT_CAP,
        # Past the cap the count says nothing of further pages: a full page may have one.
        "has_next": count > page * tasks.PAGE_SIZE
        or (count > tasks.COUNT_CAP and len(rows) == tasks.PAGE_SIZE),
        "page": page,
        "page_size": tasks.PAGE_SIZE,
        "filters": filters,
        "query": query,
        "people": member_choices(request, active_users_only=True),
        "teams": team_choices(request),
        "stages": _stage_choices(request),
        "customer": request.db.get(Customer, customer_id) if customer_id else None,
        "columns": columns,
        "list_filters": extra_filters,
        "can_export": request.has_permission(WorkflowPermission.TASK_EXPORT),
        "can_add": request.has_permission(WorkflowPermission.TASK_EDIT),
        "labels": SORT_LABELS,
    }


#: The export's columns: header and how to read the value from a list row.
CSV_COLUMNS = (
    ("id", lambda r: str(r.task.id)),
    ("title", lambda r: r.task.title),
    ("stage", lambda r: label_text(r.stage.name, "fi")),
    ("customer", lambda r: r.customer_name),
    ("responsible", lambda r: r.responsible_name),
    ("priority", lambda r: r.task.priority),
    ("due_date", lambda r: r.task.due_date.isoformat() if r.task.due_date else ""),
    (
        "expected_value",
        lambda r: "" if r.task.expected_value is None else f"{r.task.expected_value:.2f}",
    ),
    ("close_date", lambda r: r.task.close_date.isoformat() if r.task.close_date else ""),
    ("source", lambda r: r.task.source),
    ("lost_reason", lambda r: r.task.lost_reason or ""),
    ("created_at", lambda r: r.task.created_at.isoformat()),
)


@view_config(route_name="tasks_export", permission=WorkflowPermission.TASK_EXPORT)
def export_tasks(request: Any) -> Response:
    """The filtered list as semicolon-separated UTF-8 with a BOM, as Excel in Finland reads it."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    extra = [(c.key, c.read) for c in csv_columns(request, "task")]
    writer.writerow([name for name, _read in (*CSV_COLUMNS, *extra)])
    for row in tasks.all_matching(request.db, task_filter(request), local_today()):
        cells = [read(row) for _name, read in CSV_COLUMNS]
        cells += [read(row.task) for _name, read in extra]
        writer.writerow([safe_cell(cell) for cell in cells])
    response = Response(buffer.getvalue().encode("utf-8"), content_type="text/csv", charset="utf-8")
    response.content_disposition = 'attachment; filename="tehtavat.csv"'
    return response
