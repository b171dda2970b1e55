"""Summary tables kept exact as their records are written: upserts that add, never overwrite.

A plugin that keeps sums of rows (reports' sales per day and open pipeline,
workflow's open task counts) takes a record's old share away and adds its new
one in ORM flush listeners, on the flush's own connection, so the sums commit
or roll back with the record (``keep``). Each change is an ``INSERT … ON CONFLICT DO
UPDATE SET n = n + excluded.n`` on the summary's unique key: two transactions
adding to the same row both count, with no read-modify-write to race. Rows
written with bulk SQL are caught up with ``add_selected`` from
``myynti_records_created_in_bulk`` (``core.bulk``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Select, event, inspect, text
from sqlalchemy.dialects import postgresql, sqlite


def add(connection: Any, table: Any, key: dict[str, Any], measures: dict[str, Any]) -> None:
    """Add ``measures`` to the row of ``table`` with ``key``, made at zero if missing.

    An upsert on the unique key (all of ``key``'s columns), so two flushes
    adding to the same row concurrently both count: no read-modify-write.
    """
    statement = _insert(connection, table).values(**key, **measures)
    connection.execute(_adding(statement, table, list(key), list(measures)))


def add_selected(
    connection: Any, table: Any, keys: Sequence[str], measures: Sequence[str], rows: Select[Any]
) -> None:
    """Add each row of ``rows`` (its ``keys`` then its ``measures``) to ``table``, as ``add``.

    One ``INSERT … SELECT … ON CONFLICT DO UPDATE``: the summaries' catch-up
    after rows were written with bulk SQL. ``rows`` is ordered by the key, so
    its upserts lock rows in the order ``add_in_order`` does.
    """
    statement = _insert(connection, table).from_select([*keys, *measures], rows)
    connection.execute(_adding(statement, table, keys, measures))


def _insert(connection: Any, table: Any) -> Any:
    make = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    return make(table)


def _adding(statement: Any, table: Any, keys: Sequence[str], measures: Sequence[str]) -> Any:
    return statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: table.c[name] + statement.excluded[name] for name in measures},
    )


def grouped(rows: Select[Any], keys: int) -> Select[Any]:
    """``rows`` grouped and ordered by its first ``keys`` columns (by position).

    By position, not by expression: an expression with bound parameters (a
    zone, a format) is bound again in ``GROUP BY``, and PostgreSQL would not
    see the two as the same.
    """
    positions = text(", ".join(str(n) for n in range(1, keys + 1)))
    return rows.group_by(positions).order_by(positions)


def add_in_order(
    connection: Any, table: Any, changes: list[tuple[dict[str, Any], dict[str, Any]]]
) -> None:
    """``add`` each (key, measures) of ``changes`` to ``table``, in the order of the keys.

    An upsert locks its row until the transaction ends. Taking the rows in key
    order means two moves between the same rows in opposite directions (one
    task from stage A to B while another goes from B to A) wait for each
    other instead of deadlocking.
    """
    for key, measures in sorted(changes, key=lambda change: tuple(change[0].values())):
        add(connection, table, key, measures)


def now_values(target: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(target, name) for name in fields}


def values_before(target: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """The row's ``fields`` as they were before this flush."""
    state = inspect(target)
    values = {}
    for name in fields:
        history = state.attrs[name].history
        if history.added or history.deleted:
            # Changed in this flush; SQLAlchemy lists no deleted value when it was None.
            values[name] = history.deleted[0] if history.deleted else None
        else:
            values[name] = getattr(target, name)
    return values


def _load_old_value(target: Any, value: Any, old: Any, initiator: Any) -> None:
    """Nothing: listening with ``active_history`` makes SQLAlchemy load the old value."""


def keep_old_values(model: Any, fields: tuple[str, ...]) -> None:
    """Make a row edited without being loaded first still know its old ``fields``."""
    for name in fields:
        event.listen(getattr(model, name), "set", _load_old_value, active_history=True)


def keep(
    model: Any,
    fields: tuple[str, ...],
    share: Callable[[dict[str, Any]], Any],
    apply: Callable[[Any, list[tuple[Any, int]]], None],
) -> None:
    """Keep a summary of ``model``'s rows exact as the ORM writes them.

    ``share(values)`` is what a row with these ``fields`` adds to the summary
    (``None`` for nothing); ``apply(connection, [(share, +1 or -1), ...])``
    adds or takes away shares, on the flush's connection. A new row adds its
    share, an edited one takes its old share away and adds its new one (when
    they differ), a deleted one takes its share away.
    """

    def inserted(mapper: Any, connection: Any, target: Any) -> None:
        found = share(now_values(target, fields))
        if found is not None:
            apply(connection, [(found, 1)])

    def updated(mapper: Any, connection: Any, target: Any) -> None:
        old, new = share(values_before(target, fields)), share(now_values(target, fields))
        if old != new:
            apply(connection, [(found, sign) for found, sign in ((old, -1), (new, 1)) if found])

    def deleted(mapper: Any, connection: Any, target: Any) -> None:
        found = share(values_before(target, fields))
        if found is not None:
            apply(connection, [(found, -1)])

    event.listen(model, "after_insert", inserted)
    event.listen(model, "after_update", updated)
    event.listen(model, "after_delete", deleted)
    keep_old_values(model, fields)
