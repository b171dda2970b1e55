"""SQL that differs between SQLite and PostgreSQL: period buckets and day differences.

A bucket is the first day of the week (Monday), month, quarter or year a
moment falls in, as ``'YYYY-MM-DD'`` text, so grouping happens in the
database and both dialects give the same keys.

A moment (a timestamp) is bucketed by the tenant's local calendar (Finnish
time) on both dialects: the bucket edges, local midnights, are computed here
as UTC moments with ``zoneinfo`` and the database only compares with them, so
a task won at 23:30 UTC on 31 January (01:30 on 1 February in Helsinki)
counts in February on SQLite as on PostgreSQL. Comparing with edges is also
the cheapest way to bucket on PostgreSQL: ``width_bucket`` is a binary search
over the edges, where ``timezone()``, ``date_trunc()`` and ``to_char()`` per
row cost three function calls. A date (no time of day) needs no zone and is
truncated as it is.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    Integer,
    String,
    bindparam,
    case,
    cast,
    extract,
    func,
    literal,
    literal_column,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement, Grouping, Label

from plugins.reports.periods import LOCAL_TIME, buckets, local_midnight, next_bucket

#: The SQLite function ``local_day`` registers: a stored moment's local date.
SQLITE_LOCAL_DAY = "myynti_local_day"


def moment_bucket(
    column: Any, granularity: str, start: date, end: date, dialect: str
) -> ColumnElement[str]:
    """The local bucket key of the timestamp ``column``, for moments within ``start``–``end``.

    Moments outside the period get ``NULL``; the reports select only moments
    inside it.
    """
    firsts = buckets(start, end, granularity)
    keys = [day.isoformat() for day in firsts]
    edges = [local_midnight(day) for day in [*firsts, next_bucket(firsts[-1], granularity)]]
    if dialect == "postgresql":
        index = func.width_bucket(
            column, bindparam(None, edges, type_=ARRAY(DateTime(timezone=True)))
        )
        return Grouping(bindparam(None, keys, type_=ARRAY(String)))[index]
    whens = [(column < edge, key) for key, edge in zip(keys, edges[1:], strict=True)]
    return case((column < edges[0], literal(None, String)), *whens, else_=literal(None, String))


def date_bucket(column: Any, granularity: str, dialect: str) -> ColumnElement[str]:
    """The bucket key of the date ``column`` (no time of day, so no time zone)."""
    if dialect == "postgresql":
        return func.to_char(func.date_trunc(granularity, column), "YYYY-MM-DD")
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


def by_label(column: Label[Any]) -> ColumnElement[Any]:
    """``GROUP BY`` the selected ``column`` by its label.

    A bucket carries its edges as bound parameters; grouping by the expression
    would bind them again, and PostgreSQL would not see the two as the same.
    """
    return literal_column(column.name)


def dialect_of(db: Any) -> str:
    return db.get_bind().dialect.name


def local_day(connection: Any, column: Any) -> ColumnElement[date]:
    """The local (Finnish) date of the timestamp ``column``, row by row.

    For summing rows by day (the summaries' bulk upserts), where the edges of
    ``moment_bucket`` are not known beforehand. SQLite has no time zones: a
    function of Python's ``zoneinfo`` is registered on the connection, as
    core registers its ``lower``.
    """
    if connection.dialect.name == "postgresql":
        return cast(func.timezone(LOCAL_TIME.key, column), Date)
    raw = connection.connection.driver_connection
    raw.create_function(SQLITE_LOCAL_DAY, 1, _sqlite_local_day, deterministic=True)
    return getattr(func, SQLITE_LOCAL_DAY)(column, type_=Date)


def _sqlite_local_day(stored: str | None) -> str | None:
    if stored is None:
        return None
    moment = datetime.fromisoformat(stored)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TIME).date().isoformat()


def epoch_seconds(column: Any, dialect: str) -> ColumnElement[int]:
    """The timestamp ``column`` in whole seconds since 1970 (rounded down)."""
    if dialect == "postgresql":
        return cast(func.floor(extract("epoch", column)), BigInteger)
    return cast(func.strftime("%s", column), BigInteger)
