"""The sales report's per-day summary stays equal to the closed tasks through every kind of write.

After each change a task can go through (won, reopened, revalued, handed to
another person or team, its closing moment moved over a month's end, deleted,
edited with its row not loaded), the report by period, person and team read
from ``SalesDay`` gives what the same GROUP BY over the tasks gives, on SQLite
and PostgreSQL; and a rebuild from scratch gives the same rows.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from core.db import all_tenants
from plugins.reports import summary
from plugins.reports.builtin import sales
from plugins.reports.models import SalesDay
from plugins.reports.sql import dialect_of

PARAMS = {
    "start": date(2026, 1, 1),
    "end": date(2026, 6, 30),
    "user_id": None,
    "team_id": None,
    "customer_id": None,
    "visible_user_ids": None,
}


def _figures(db, query):
    return {
        row.g: (int(row.won or 0), Decimal(row.won_value or 0), int(row.lost or 0), row.days)
        for row in db.execute(query)
    }


def _assert_summary_matches_tasks(db, **params):
    dialect = dialect_of(db)
    for dimension, granularity in (("period", "month"), ("period", "week"), ("user", "month")):
        wanted = {**PARAMS, **params, "dimension": dimension, "granularity": granularity}
        from_tasks = _figures(db, sales._from_tasks(wanted, dialect))
        from_summary = _figures(db, sales._from_summary(wanted, dialect))
        assert from_summary.keys() == from_tasks.keys(), (dimension, granularity)
        for key, (won, value, lost, days) in from_tasks.items():
            s_won, s_value, s_lost, s_days = from_summary[key]
            assert (s_won, s_value, s_lost) == (won, value, lost), (dimension, key)
            assert (days is None) == (s_days is None)
            assert days is None or abs(float(days) - float(s_days)) < 1e-6
    team = {**PARAMS, **params, "dimension": "team", "granularity": "month"}
    assert _figures(db, sales._from_summary(team, dialect)).keys() == (
        _figures(db, sales._from_tasks(team, dialect)).keys()
    )


def _rows(db):
    found = db.execute(
        select(
            SalesDay.tenant_id,
            SalesDay.day,
            SalesDay.stage_id,
            SalesDay.user_id,
            SalesDay.team_id,
            SalesDay.tasks,
            SalesDay.value,
        ).where(SalesDay.tasks != 0)
    )
    return sorted(tuple(row) for row in found)


def test_the_summary_follows_every_write(db, acme, beta):
    stages, tasks, users = acme.stages, acme.tasks, acme.users
    with all_tenants(db):
        _assert_summary_matches_tasks(db)
        # an open task is won late on 31 January (Helsinki: 1 February)
        tasks["new_maija"].stage_id = stages["won"].id
        tasks["new_maija"].closed_at = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)
        db.flush()
        _assert_summary_matches_tasks(db)
        # a won task is reopened
        tasks["jan_pekka"].stage_id = stages["negotiation"].id
        tasks["jan_pekka"].closed_at = None
        # a won task's value changes; a lost one goes to another person and no team
        tasks["mar_minna"].expected_value = Decimal("2500.25")
        tasks["mar_lost"].responsible_user_id = users["pekka"].id
        tasks["mar_lost"].team_id = None
        db.flush()
        _assert_summary_matches_tasks(db)
        # the closing moment moves to another month; a won task is deleted
        tasks["jan_maija"].closed_at = datetime(2026, 4, 2, 8, 0, tzinfo=UTC)
        db.delete(tasks["old_won"])
        db.flush()
        _assert_summary_matches_tasks(db)
        # edited with its row expired (not loaded): the old share is still taken away
        db.expire(tasks["mar_minna"])
        tasks["mar_minna"].closed_at = datetime(2026, 5, 5, 12, 0, tzinfo=UTC)
        db.flush()
        _assert_summary_matches_tasks(db)
        _assert_summary_matches_tasks(db, user_id=users["maija"].id)
        _assert_summary_matches_tasks(db, team_id=acme.team.id)
        _assert_summary_matches_tasks(db, visible_user_ids={users["maija"].id})
        kept = _rows(db)
        summary.rebuild(db.connection())
        assert _rows(db) == kept
        summary.rebuild(db.connection(), acme.tenant.id)
        assert _rows(db) == kept


def test_the_summary_is_per_tenant(db, acme, beta):
    with all_tenants(db):
        tenants = {row[0] for row in _rows(db)}
    assert tenants == {acme.tenant.id, beta.tenant.id}
