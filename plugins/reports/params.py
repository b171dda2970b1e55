"""A report's choices read from the query string: period, filters and dimension.

Everything stays in the URL, so a report is shared by sharing its address.
A bad value is refused with a message for its field (the page answers 400
with the form as typed); a filter naming another tenant's row is refused like
one that does not exist, and a member may filter only by the people whose
numbers they may see.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from core.entities import entity_types
from core.models import Membership, Team
from plugins.reports import _
from plugins.reports.contract import Report
from plugins.reports.periods import GRANULARITIES, MAX_YEARS, default_period

FIELDS = ("start", "end", "granularity", "user", "team", "customer", "dimension")


@dataclass
class ReportQuery:
    """What the user asked for (``values``, as typed), and ``params`` or ``errors``."""

    values: dict[str, str]
    params: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, Any] = field(default_factory=dict)

    @property
    def shareable(self) -> dict[str, str]:
        """The query string that shows this report again."""
        return {k: v for k, v in self.values.items() if v}


def _date(text: str) -> date | None:
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError:
        pass
    try:
        return datetime.strptime(text.strip(), "%d.%m.%Y").date()
    except ValueError:
        return None


def _id(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


def read_query(
    request: Any, report: Report, get: Mapping[str, str], visible: set[int] | None, today: date
) -> ReportQuery:
    """Parse and check ``get`` for ``report``; ``visible`` as ``scope.visible_user_ids``."""
    values = {name: str(get.get(name, "")).strip()[:40] for name in FIELDS}
    query = ReportQuery(values)
    params: dict[str, Any] = {
        "start": None,
        "end": None,
        "granularity": "month",
        "user_id": None,
        "team_id": None,
        "customer_id": None,
        "visible_user_ids": visible,
    }
    errors = query.errors
    if "period" in report.filters:
        start, end = default_period(today)
        if values["start"]:
            start = _date(values["start"]) or start
            if _date(values["start"]) is None:
                errors["start"] = _("Give a date, e.g. 31.12.2026.")
        if values["end"]:
            end = _date(values["end"]) or end
            if _date(values["end"]) is None:
                errors["end"] = _("Give a date, e.g. 31.12.2026.")
        if not errors and end < start:
            errors["end"] = _("The period cannot end before it starts.")
        elif not errors and (end - start).days > MAX_YEARS * 366:
            errors["end"] = _(
                "A period can be at most ${years} years long.", mapping={"years": MAX_YEARS}
            )
        granularity = values["granularity"] or "month"
        if granularity not in GRANULARITIES:
            errors["granularity"] = _("Choose week, month, quarter or year.")
        params.update(start=start, end=end, granularity=granularity)
    db = request.db
    if "user" in report.filters and values["user"]:
        user_id = _id(values["user"])
        member = user_id is not None and db.scalar(
            select(Membership.user_id).where(Membership.user_id == user_id)
        )
        if not member or (visible is not None and user_id not in visible):
            errors["user"] = _("Choose a person from the list.")
        params["user_id"] = user_id
    if "team" in report.filters and values["team"]:
        team_id = _id(values["team"])
        if team_id is None or db.get(Team, team_id) is None:
            errors["team"] = _("Choose a team from the list.")
        params["team_id"] = team_id
    if "customer" in report.filters and values["customer"]:
        customer_id = _id(values["customer"])
        customer = entity_types(request).get("customer")
        if customer_id is None or customer is None or db.get(customer.model, customer_id) is None:
            errors["customer"] = _("No such customer.")
        params["customer_id"] = customer_id
    dimensions = [key for key, _label in report.dimensions]
    dimension = values["dimension"] or dimensions[0]
    if dimension not in dimensions:
        errors["dimension"] = _("Choose a grouping from the list.")
    params["dimension"] = dimension
    if not errors:
        query.params = params
    return query
