"""Periods of a report: the default one, its buckets, and how a bucket is named."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from plugins.reports import _

GRANULARITIES = ("week", "month", "quarter", "year")
#: Longer periods are refused: they would be unreadable, and slow on a large tenant.
MAX_YEARS = 10
LOCAL_TIME = ZoneInfo("Europe/Helsinki")
UTC = ZoneInfo("UTC")

GRANULARITY_LABELS = {
    "week": _("Week"),
    "month": _("Month"),
    "quarter": _("Quarter"),
    "year": _("Year"),
}


def local_today() -> date:
    return datetime.now(LOCAL_TIME).date()


def default_period(today: date) -> tuple[date, date]:
    """From the first day of this year to today."""
    return date(today.year, 1, 1), today


def local_midnight(day: date) -> datetime:
    """The UTC moment ``day`` begins in Finnish time."""
    return datetime.combine(day, time(), LOCAL_TIME).astimezone(UTC)


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The period as UTC moments ``[from, until)``: local midnight of ``start`` to after ``end``."""
    return local_midnight(start), local_midnight(end + timedelta(days=1))


def bucket_start(day: date, granularity: str) -> date:
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    if granularity == "quarter":
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return date(day.year, 1, 1)


def next_bucket(day: date, granularity: str) -> date:
    if granularity == "week":
        return day + timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[granularity]
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


def buckets(start: date, end: date, granularity: str) -> list[date]:
    """The first days of every bucket the period touches, in order."""
    found, day = [], bucket_start(start, granularity)
    while day <= end:
        found.append(day)
        day = next_bucket(day, granularity)
    return found


def bucket_label(day: date, granularity: str, locale: str = "fi") -> str:
    """``vk 12/2026`` (``v. 12/2026`` in Swedish), ``3/2026``, ``Q1/2026`` or ``2026``."""
    if granularity == "week":
        year, week, _weekday = day.isocalendar()
        return f"{'v.' if locale == 'sv' else 'vk'} {week}/{year}"
    if granularity == "month":
        return f"{day.month}/{day.year}"
    if granularity == "quarter":
        return f"Q{(day.month - 1) // 3 + 1}/{day.year}"
    return str(day.year)


def parse_bucket(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        return None
