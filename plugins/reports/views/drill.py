"""Drill-down: the records behind a number of a built-in report.

The link carries the report's own query string (period, filters), the row's
group and the column; the records are selected with the same conditions the
report counted with, and for the same people the user may see.
"""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config
from sqlalchemy import func, select

from core.models import User
from plugins.reports.builtin import MODULES
from plugins.reports.catalogue import report_for
from plugins.reports.params import read_query
from plugins.reports.periods import local_today
from plugins.reports.permissions import ReportsPermission
from plugins.reports.scope import visible_user_ids
from plugins.workflow.models import ActivityType, Stage

#: The drill page lists this many records; the count says how many there are.
SHOWN = 200


@view_config(
    route_name="reports_drill",
    renderer="plugins.reports:templates/drill.pt",
    permission=ReportsPermission.VIEW,
    request_method="GET",
)
def drill(request: Any) -> dict[str, Any]:
    key = request.GET.get("report", "")
    module = MODULES.get(key)
    if module is None:
        raise HTTPNotFound()
    report = report_for(request, key)
    query = read_query(request, report, request.GET, visible_user_ids(request), local_today())
    measure = str(request.GET.get("measure", ""))[:40]
    if query.errors:
        raise HTTPNotFound()
    selection = module.records(
        request, query.params, str(request.GET.get("group", ""))[:200], measure
    )
    db = request.db
    count = db.scalar(select(func.count()).select_from(selection.order_by(None).subquery()))
    items = list(db.scalars(selection.limit(SHOWN)))
    kind = getattr(module, "RECORDS", "task")
    return {
        "report": report,
        "kind": kind,
        "items": items,
        "count": count,
        "shown": SHOWN,
        "back": request.route_url("report", key=key, _query=query.shareable),
        **_names(db, items, kind),
    }


def _names(db: Any, items: list[Any], kind: str) -> dict[str, Any]:
    """People, stages and activity types of the records listed, in one query each."""
    people_ids = {
        (i.assignee_user_id if kind == "activity" else i.responsible_user_id) for i in items
    }
    people = dict(
        db.execute(select(User.id, User.name).where(User.id.in_(people_ids - {None}))).all()
    )
    stages: dict[int, Any] = {}
    types: dict[int, Any] = {}
    if kind == "task":
        wanted = {i.stage_id for i in items}
        stages = dict(db.execute(select(Stage.id, Stage.name).where(Stage.id.in_(wanted))).all())
    else:
        wanted = {i.type_id for i in items}
        found = select(ActivityType.id, ActivityType.name).where(ActivityType.id.in_(wanted))
        types = dict(db.execute(found).all())
    return {"people": people, "stages": stages, "types": types}
