"""Activity statistics: done and overdue activities per person, type and period.

Only types marked ``counts_in_statistics`` count. An activity counts as done
in the period its ``done_at`` falls in; as overdue if it was due in the
period, is past due and still not done (nor cancelled).

The counts are summed from ``ActivityDay`` (a row per local day, person,
type and done or open, kept exact on every activity write by
``activity_summary``): a quarter is some thousands of rows however many
activities there are. Open activities due on a day before today are all
overdue; of those due today, only the ones due before this moment are, so
today's are counted from the activities themselves (``_from_activities``, an
index range of one day). The drill-down lists the activities themselves.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select, union_all

from core import label_text
from core.models import TeamMember
from plugins.reports import _
from plugins.reports.builtin.common import drill_link, group_labels, group_value, period_keys
from plugins.reports.models import ActivityDay
from plugins.reports.periods import LOCAL_TIME, UTC, bounds, local_midnight
from plugins.reports.permissions import ReportsPermission
from plugins.reports.sql import by_label, date_bucket, dialect_of, moment_bucket
from plugins.workflow.models import Activity, ActivityType

KEY = "reports.activities"
RECORDS = "activity"
DIMENSIONS = [
    ("user", _("Person")),
    ("period", _("Period")),
    ("type", _("Activity type")),
]


def activity_scope(params: dict[str, Any], person: Any = Activity.assignee_user_id) -> list[Any]:
    """Conditions on the ``person`` column for the people the user may see and the filters."""
    found: list[Any] = []
    visible = params.get("visible_user_ids")
    if visible is not None:
        found.append(person.in_(sorted(visible)))
    if params.get("user_id"):
        found.append(person == params["user_id"])
    if params.get("team_id"):
        members = select(TeamMember.user_id).where(TeamMember.team_id == params["team_id"])
        found.append(person.in_(members))
    return found


def _done(since: datetime, until: datetime) -> Any:
    return and_(Activity.done_at >= since, Activity.done_at < until)


def _overdue(since: datetime, until: datetime, now: datetime) -> Any:
    return and_(
        Activity.done_at.is_(None),
        Activity.cancelled_at.is_(None),
        Activity.due_at >= since,
        Activity.due_at < until,
        Activity.due_at < now,
    )


def group_expression(dimension: str, params: dict[str, Any], dialect: str) -> Any:
    if dimension == "period":
        moment = func.coalesce(Activity.done_at, Activity.due_at)
        granularity, start, end = params["granularity"], params["start"], params["end"]
        return moment_bucket(moment, granularity, start, end, dialect)
    return {"user": Activity.assignee_user_id, "type": Activity.type_id}[dimension]


def _conditions(params: dict[str, Any], now: datetime) -> list[Any]:
    since, until = bounds(params["start"], params["end"])
    counted = select(ActivityType.id).where(ActivityType.counts_in_statistics)
    return [
        Activity.type_id.in_(counted),
        or_(_done(since, until), _overdue(since, until, now)),
        *activity_scope(params),
    ]


def _from_activities(
    params: dict[str, Any], dialect: str, now: datetime, overdue_since: datetime | None = None
) -> Any:
    """Done and overdue counts by group and type, over the activities themselves.

    With ``overdue_since``, only the overdue ones due from that moment on.
    """
    since, until = bounds(params["start"], params["end"])
    done = _done(since, until)
    overdue = _overdue(max(since, overdue_since or since), until, now)
    group = group_expression(params["dimension"], params, dialect).label("g")
    counted = select(ActivityType.id).where(ActivityType.counts_in_statistics)
    return (
        select(
            group,
            Activity.type_id,
            func.sum(case((done, 1), else_=0)).label("done"),
            func.sum(case((overdue, 1), else_=0)).label("overdue"),
        )
        .where(
            Activity.type_id.in_(counted),
            overdue if overdue_since else or_(done, overdue),
            *activity_scope(params),
        )
        .group_by(by_label(group), Activity.type_id)
    )


def _from_summary(params: dict[str, Any], dialect: str, today: date) -> Any:
    """Done counts of the period and overdue counts of its days before ``today``."""
    dimension = params["dimension"]
    if dimension == "period":
        group = date_bucket(ActivityDay.day, params["granularity"], dialect)
    elif dimension == "user":
        group = func.nullif(ActivityDay.user_id, 0)
    else:
        group = ActivityDay.type_id
    group = group.label("g")
    done = ActivityDay.done.is_(True)
    return (
        select(
            group,
            ActivityDay.type_id,
            func.sum(case((done, ActivityDay.activities), else_=0)).label("done"),
            func.sum(case((done, 0), else_=ActivityDay.activities)).label("overdue"),
        )
        .join(ActivityType, ActivityType.id == ActivityDay.type_id)
        .where(
            ActivityType.counts_in_statistics,
            ActivityDay.day >= params["start"],
            ActivityDay.day <= params["end"],
            or_(done, ActivityDay.day < literal(today)),
            *activity_scope(params, ActivityDay.user_id),
        )
        .group_by(by_label(group), ActivityDay.type_id)
        .having(func.sum(ActivityDay.activities) > 0)
    )


def figures(db: Any, params: dict[str, Any], now: datetime) -> list[Any]:
    """Rows of (group, type, done, overdue); a group and type may come in two rows.

    One statement: the summary's counts, and today's overdue counted from the
    activities when the period takes in today.
    """
    dialect = dialect_of(db)
    today = now.astimezone(LOCAL_TIME).date()
    query = _from_summary(params, dialect, today)
    if params["start"] <= today <= params["end"]:
        query = union_all(query, _from_activities(params, dialect, now, local_midnight(today)))
    return list(db.execute(query))


def totals(db: Any, params: dict[str, Any], now: datetime) -> tuple[int, int]:
    """``(done, overdue)`` activities of the types that count, in the period of ``params``."""
    done = overdue = 0
    for row in figures(db, {**params, "dimension": "period"}, now):
        done += int(row.done or 0)
        overdue += int(row.overdue or 0)
    return done, overdue


def counting_types(db: Any) -> list[ActivityType]:
    return list(
        db.scalars(
            select(ActivityType)
            .where(ActivityType.counts_in_statistics, ActivityType.retired_at.is_(None))
            .order_by(ActivityType.position, ActivityType.id)
        )
    )


def run(request: Any, params: dict[str, Any]) -> dict[str, Any]:
    db = request.db
    now = datetime.now(UTC)
    dimension = params["dimension"]
    cells: dict[Any, dict[str, int]] = {}
    for row in figures(db, params, now):
        found = cells.setdefault(row.g, {"done": 0, "overdue": 0})
        found[f"type_{row.type_id}"] = found.get(f"type_{row.type_id}", 0) + int(row.done or 0)
        found["done"] += int(row.done or 0)
        found["overdue"] += int(row.overdue or 0)
    types = counting_types(db)
    locale = request.locale_name
    if dimension == "period":
        keys: list[Any] = period_keys(params)
    elif dimension == "type":
        keys = [t.id for t in types if t.id in cells]
        keys += [k for k in cells if k not in keys]
    else:
        keys = list(cells)
    if dimension == "type":
        names = {t.id: label_text(t.name, locale) for t in types}
        retired = db.execute(
            select(ActivityType.id, ActivityType.name).where(ActivityType.id.in_(keys or [0]))
        )
        labels = {**{i: label_text(n, locale) for i, n in retired}, **names}
    else:
        labels = group_labels(request, dimension, keys, params)
    rows = []
    for key in keys:
        counts = cells.get(key, {"done": 0, "overdue": 0})
        row = {"_group": key, "label": labels.get(key, str(key)), **counts}
        if dimension != "type":
            row.update({f"type_{t.id}": counts.get(f"type_{t.id}", 0) for t in types})
        rows.append(row)
    if dimension == "user":
        rows.sort(key=lambda r: (-r["done"], r["label"]))
    type_columns = (
        []
        if dimension == "type"
        else [{"key": f"type_{t.id}", "label": dict(t.name), "kind": "int"} for t in types]
    )
    return {
        "columns": [
            {"key": "label", "label": dict(DIMENSIONS)[dimension], "kind": "text"},
            *type_columns,
            {"key": "done", "label": _("Done in all"), "kind": "int"},
            {"key": "overdue", "label": _("Overdue"), "kind": "int"},
        ],
        "rows": rows,
        "chart": {"type": "bars", "label": "label", "value": "done"},
        "drill": drill_link(request, KEY, params),
    }


def records(request: Any, params: dict[str, Any], group: str, measure: str) -> Any:
    """The activities behind a number of this report (a select of ``Activity``)."""
    dialect = dialect_of(request.db)
    now = datetime.now(UTC)
    since, until = bounds(params["start"], params["end"])
    expression = group_expression(params["dimension"], params, dialect)
    key: Any = group_value(group)
    if params["dimension"] in ("user", "type") and key is not None:
        key = int(key) if key.isdigit() else -1
    matches = expression.is_(None) if key is None else expression == key
    which = [_overdue(since, until, now)] if measure == "overdue" else [_done(since, until)]
    if measure.startswith("type_") and measure[5:].isdigit():
        which.append(Activity.type_id == int(measure[5:]))
    return (
        select(Activity)
        .where(matches, *which, *_conditions(params, now))
        .order_by(Activity.done_at.desc(), Activity.due_at.desc(), Activity.id.desc())
    )


def declaration() -> dict[str, Any]:
    return {
        "key": KEY,
        "title": _("Activities"),
        "group": _("Activities and tasks"),
        "permission": ReportsPermission.VIEW,
        "filters": ("period", "user", "team"),
        "dimensions": DIMENSIONS,
        "run": run,
    }
