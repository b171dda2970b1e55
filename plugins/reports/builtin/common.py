"""What the built-in reports share: the tenant's people, teams and customers by id,
the conditions every task figure obeys, and the link from a number to its records."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from core import label_text
from core.entities import entity_types
from core.models import Team, User
from plugins.reports import _
from plugins.reports.periods import bucket_label, buckets, parse_bucket
from plugins.workflow.models import Stage, Task

NO_VALUE = "-"

#: Task sources (``plugins.workflow.models.TaskSource``) as the reports name them.
SOURCE_LABELS = {
    "manual": _("Added by hand"),
    "contact_request": _("Contact request"),
    "campaign": _("Campaign"),
    "api": _("API"),
}


def task_scope(params: dict[str, Any]) -> list[Any]:
    """Conditions on ``Task`` for the people the user may see and the chosen filters."""
    found: list[Any] = []
    visible = params.get("visible_user_ids")
    if visible is not None:
        found.append(Task.responsible_user_id.in_(sorted(visible)))
    if params.get("user_id"):
        found.append(Task.responsible_user_id == params["user_id"])
    if params.get("team_id"):
        found.append(Task.team_id == params["team_id"])
    if params.get("customer_id"):
        found.append(Task.customer_id == params["customer_id"])
    return found


def _names(db: Any, model: Any, attr: str, ids: Iterable[Any]) -> dict[Any, str]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = db.execute(select(model.id, getattr(model, attr)).where(model.id.in_(wanted)))
    return {row[0]: row[1] for row in rows}


def group_labels(
    request: Any, dimension: str, keys: Iterable[Any], params: dict[str, Any]
) -> dict[Any, str]:
    """A readable name for each group key of ``dimension`` (one query per dimension)."""
    keys = list(keys)
    locale = request.locale_name
    translate = request.localizer.translate
    db = request.db
    if dimension == "period":
        return {k: bucket_label(parse_bucket(k), params["granularity"], locale) for k in keys if k}
    if dimension == "close_month":
        found = {k: bucket_label(parse_bucket(k), "month", locale) for k in keys if k}
        return {**found, None: translate(_("No expected close date"))}
    if dimension == "user":
        return {**_names(db, User, "name", keys), None: translate(_("No responsible person"))}
    if dimension == "team":
        return {**_names(db, Team, "name", keys), None: translate(_("No team"))}
    if dimension == "customer":
        customer = entity_types(request).get("customer")
        found = _names(db, customer.model, "name", keys) if customer else {}
        return {**found, None: translate(_("No customer"))}
    if dimension == "source":
        return {k: label_text(SOURCE_LABELS.get(k, {"en": str(k)}), locale) for k in keys}
    if dimension == "lost_reason":
        return {**{k: k for k in keys if k}, None: translate(_("No reason given"))}
    if dimension == "stage":
        stages = db.execute(select(Stage.id, Stage.name).where(Stage.id.in_(list(keys) or [0])))
        return {row[0]: label_text(row[1], locale) for row in stages}
    return {k: str(k) for k in keys}


def period_keys(params: dict[str, Any]) -> list[str]:
    """Every bucket of the period, so a chart over time shows the empty ones too."""
    return [d.isoformat() for d in buckets(params["start"], params["end"], params["granularity"])]


def params_query(params: dict[str, Any]) -> dict[str, str]:
    """``params`` back as the query string that chose them."""
    values = {
        "start": params.get("start"),
        "end": params.get("end"),
        "granularity": params.get("granularity") if params.get("start") else None,
        "user": params.get("user_id"),
        "team": params.get("team_id"),
        "customer": params.get("customer_id"),
        "dimension": params.get("dimension"),
    }
    return {key: str(value) for key, value in values.items() if value}


def group_value(text: str) -> str | None:
    """A drill link's ``group`` back as the group key (``None`` for the empty group)."""
    return None if text == NO_VALUE else text


def drill_link(request: Any, report_key: str, params: dict[str, Any]) -> Any:
    """``drill(row, column)`` linking numbers to the reports plugin's drill page.

    The page lists the records behind the number: the report's own query
    string (period, filters) plus the row's group and the column.
    """

    def drill(row: dict[str, Any], column: str) -> str | None:
        if column == "label" or not row.get(column):
            return None
        group = row.get("_group")
        values = {**params_query(params), "report": report_key, "measure": column}
        values["group"] = NO_VALUE if group is None else str(group)
        return request.route_url("reports_drill", _query=values)

    return drill
