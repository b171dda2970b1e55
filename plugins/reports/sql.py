"""SQL that differs between SQLite and PostgreSQL: period buckets and day differences.

A bucket is the first day of the week (Monday), month, quarter or year a
moment falls in, as ``'YYYY-MM-DD'`` text, so grouping happens in the
database and both dialects give the same keys. PostgreSQL buckets timestamps
in Finnish local time; SQLite (development and tests) has no time zones and
buckets the stored UTC time.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, cast, extract, func
from sqlalchemy.sql.elements import ColumnElement

LOCAL_ZONE = "Europe/Helsinki"


def period_bucket(
    column: Any, granularity: str, dialect: str, is_date: bool = False
) -> ColumnElement[str]:
    """The bucket key of ``column`` (a timestamp, or a date with ``is_date``)."""
    if dialect == "postgresql":
        moment = column if is_date else func.timezone(LOCAL_ZONE, column)
        return func.to_char(func.date_trunc(granularity, moment), "YYYY-MM-DD")
    if granularity == "week":
        return func.date(column, "weekday 0", "-6 days")
    if granularity == "month":
        return func.strftime("%Y-%m-01", column)
    if granularity == "quarter":
        month = cast(func.strftime("%m", column), Integer)
        first = (month - 1) // 3 * 3 + 1
        return func.printf("%s-%02d-01", func.strftime("%Y", column), first)
    return func.strftime("%Y-01-01", column)


def days_between(later: Any, earlier: Any, dialect: str) -> ColumnElement[float]:
    """``later - earlier`` in days, fractional, for timestamps."""
    if dialect == "postgresql":
        return extract("epoch", later - earlier) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


def dialect_of(db: Any) -> str:
    return db.get_bind().dialect.name
