"""The pipeline's and activity statistics' summaries stay equal to the raw figures.

After each kind of write a task or an activity goes through (created, moved
to another stage, revalued, handed to another person or team, given another
close date, won, reopened, deleted; an activity done, undone, cancelled,
moved to another day, person or type, deleted, deleted with its task), the
pipeline read from ``PipelineCell`` and ``PipelineAge`` and the activity
statistics read from ``ActivityDay`` give what the same GROUP BY over the
tasks and activities gives, by every grouping and filter, on SQLite and
PostgreSQL; a rebuild from scratch gives the same rows; each tenant's rows
are its own.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core.db import all_tenants, set_tenant
from core.models import utcnow
from core.testing import csrf_token
from plugins.reports import activity_summary, pipeline_summary
from plugins.reports.builtin import activities, pipeline
from plugins.reports.models import ActivityDay, PipelineAge, PipelineCell
from plugins.reports.periods import LOCAL_TIME, local_midnight
from plugins.reports.sql import dialect_of
from plugins.workflow import activities as workflow_activities
from plugins.workflow.models import Activity, ActivityType
from tests.reports.conftest import HALF, Company, add_task
from tests.reports.test_activities import add_activity
from tests.reports.test_sales import _table

NO_FILTER = {"user_id": None, "team_id": None, "customer_id": None, "visible_user_ids": None}


def _pipeline(db: Any, query: Any) -> dict[Any, tuple[int, Decimal, Decimal, float]]:
    return {
        row.g: (int(row.count), Decimal(row.value), Decimal(row.weighted), float(row.age))
        for row in db.execute(query)
    }


def _assert_pipeline_matches_tasks(db: Any, **filters: Any) -> None:
    dialect = dialect_of(db)
    now = datetime.now(UTC)
    for dimension, _label in pipeline.DIMENSIONS:
        params = {**NO_FILTER, **filters, "dimension": dimension}
        from_tasks = _pipeline(db, pipeline._from_tasks(params, dialect, now))
        from_summary = _pipeline(db, pipeline._from_summary(params, dialect, now))
        assert from_summary.keys() == from_tasks.keys(), dimension
        for key, (count, value, weighted, age) in from_tasks.items():
            s_count, s_value, s_weighted, s_age = from_summary[key]
            assert (s_count, s_value, s_weighted) == (count, value, weighted), (dimension, key)
            # The summary keeps whole seconds: the average age agrees to a second.
            assert abs(s_age - age) < 1 / 86400, (dimension, key)


def _summary_rows(db: Any, model: Any, measure: str) -> list[tuple[Any, ...]]:
    """The table's rows that count, tenant first, without their ids."""
    table = model.__table__
    columns = [c for c in table.columns if c.name not in ("id", "tenant_id")]
    found = db.execute(select(table.c.tenant_id, *columns).where(table.c[measure] != 0))
    return sorted(tuple(row) for row in found)


def test_the_pipeline_follows_every_write(db, acme, beta):
    stages, tasks, users = acme.stages, acme.tasks, acme.users
    with all_tenants(db):
        _assert_pipeline_matches_tasks(db)
        # a new task; a task moves on, entering its new stage now
        tasks["fresh"] = add_task(
            db, stages["new"], "fresh", responsible_user_id=users["pekka"].id, team_id=None
        )
        tasks["new_maija"].stage_id = stages["quote"].id
        tasks["new_maija"].stage_entered_at = utcnow()
        db.flush()
        _assert_pipeline_matches_tasks(db)
        # another value, close month, person and team
        tasks["quote_minna"].expected_value = Decimal("1234.56")
        tasks["quote_minna"].close_date = tasks["quote_minna"].close_date.replace(month=5)
        tasks["new_pekka"].responsible_user_id = users["maija"].id
        tasks["new_pekka"].team_id = acme.team.id
        db.flush()
        _assert_pipeline_matches_tasks(db)
        # won: out of the pipeline; a won task reopened: back in, entered today
        tasks["quote_minna"].stage_id = stages["won"].id
        tasks["quote_minna"].closed_at = utcnow()
        tasks["jan_pekka"].stage_id = stages["negotiation"].id
        tasks["jan_pekka"].closed_at = None
        tasks["jan_pekka"].stage_entered_at = utcnow()
        db.flush()
        _assert_pipeline_matches_tasks(db)
        # in its stage since local midnight 30 days ago (0–30 days) or a second before
        today = datetime.now(LOCAL_TIME).date()
        edge = local_midnight(today - timedelta(days=30))
        tasks["fresh"].stage_entered_at = edge
        tasks["new_pekka"].stage_entered_at = edge - timedelta(seconds=1)
        tasks["jan_pekka"].stage_entered_at = utcnow() - timedelta(days=400)
        db.flush()
        _assert_pipeline_matches_tasks(db)
        by_age = {**NO_FILTER, "dimension": "age"}
        ages = _pipeline(db, pipeline._from_summary(by_age, dialect_of(db), datetime.now(UTC)))
        assert {key: figures[0] for key, figures in ages.items()} == {
            "a30": 2,  # new_maija (moved today), fresh (at the edge)
            "a90": 1,  # new_pekka
            "older": 1,  # jan_pekka
        }
        # edited with its row not loaded; deleted
        db.expire(tasks["new_maija"])
        tasks["new_maija"].close_date = today
        db.delete(tasks["new_pekka"])
        db.flush()
        _assert_pipeline_matches_tasks(db)
        for filters in (
            {"user_id": users["maija"].id},
            {"team_id": acme.team.id},
            {"visible_user_ids": {users["maija"].id, users["minna"].id}},
        ):
            _assert_pipeline_matches_tasks(db, **filters)
        kept = {model: _summary_rows(db, model, "tasks") for model in (PipelineCell, PipelineAge)}
        pipeline_summary.rebuild(db.connection())
        assert {m: _summary_rows(db, m, "tasks") for m in kept} == kept
        pipeline_summary.rebuild(db.connection(), acme.tenant.id)
        assert {m: _summary_rows(db, m, "tasks") for m in kept} == kept


def test_the_pipeline_summary_is_per_tenant(webapp, db, acme, beta, login):
    add_task(
        db,
        beta.stages["quote"],
        "Beta open",
        responsible_user_id=beta.users["bert"].id,
        expected_value=Decimal("55555"),
    )
    with all_tenants(db):
        tenants = {row[0] for row in _summary_rows(db, PipelineCell, "tasks")}
    assert tenants == {acme.tenant.id, beta.tenant.id}
    set_tenant(db, acme.tenant.id)
    _assert_pipeline_matches_tasks(db)
    login(webapp, "anna@acme.example")
    rows = {row[0]: row[1] for row in _table(webapp.get(acme.url("/reports/reports.pipeline")))}
    assert rows == {"New": "2", "Quote": "1"}


def test_a_move_on_the_board_moves_the_pipeline_figures(webapp, db, acme, login):
    login(webapp, "anna@acme.example")
    task = acme.tasks["new_maija"]
    params = {
        "csrf_token": csrf_token(webapp),
        "stage_id": str(acme.stages["won"].id),
        "version": str(task.version),
    }
    moved = webapp.post(
        acme.url(f"/board/tasks/{task.id}/move"), params, headers={"Accept": "application/json"}
    )
    assert moved.json["ok"] is True
    rows = {row[0]: row[1] for row in _table(webapp.get(acme.url("/reports/reports.pipeline")))}
    assert rows == {"New": "1", "Quote": "1"}
    # the drill-down still lists the tasks behind the number
    response = webapp.get(acme.url("/reports/reports.pipeline"))
    new_row = next(r for r in response.html.select("#report-table tbody tr") if "New" in r.th.text)
    drilled = webapp.get(new_row.select("td a")[0]["href"])
    assert {a.get_text() for a in drilled.html.select("tr[data-task] td a")} == {"new_pekka"}


# --- activity statistics ---------------------------------------------------------------


def _activity_figures(rows: Any) -> dict[tuple[Any, int], tuple[int, int]]:
    found: dict[tuple[Any, int], tuple[int, int]] = {}
    for row in rows:
        done, overdue = found.get((row.g, row.type_id), (0, 0))
        found[(row.g, row.type_id)] = (done + int(row.done or 0), overdue + int(row.overdue or 0))
    return {key: counts for key, counts in found.items() if counts != (0, 0)}


def _assert_activities_match(db: Any, **filters: Any) -> None:
    """Summary plus today's overdue equals the GROUP BY over the activities, for a period
    around today (so today's own overdue ones are in it) and for a past half year."""
    dialect = dialect_of(db)
    now = datetime.now(UTC)
    today = now.astimezone(LOCAL_TIME).date()
    around_today = (today - timedelta(days=60), today + timedelta(days=30))
    until_yesterday = (today - timedelta(days=366), today - timedelta(days=1))
    for start, end in (around_today, until_yesterday):
        for dimension, granularity in (("user", "month"), ("type", "month"), ("period", "week")):
            params = {
                **NO_FILTER,
                **filters,
                "dimension": dimension,
                "granularity": granularity,
                "start": start,
                "end": end,
            }
            raw = _activity_figures(db.execute(activities._from_activities(params, dialect, now)))
            summed = _activity_figures(activities.figures(db, params, now))
            assert summed == raw, (start, dimension)
            assert raw or filters or end < today, "nothing to compare"


def _beta_activity(db: Any, beta: Company, **values: Any) -> Activity:
    with all_tenants(db):
        activity = Activity(
            tenant_id=beta.tenant.id,
            task_id=beta.tasks["secret"].id,
            type_id=_types(db, beta)["call"].id,
            assignee_user_id=beta.users["bert"].id,
            **values,
        )
        db.add(activity)
        db.flush()
    return activity


def _types(db: Any, company: Company) -> dict[str, ActivityType]:
    found = db.scalars(select(ActivityType).where(ActivityType.tenant_id == company.tenant.id))
    return {t.key: t for t in found}


def test_activity_statistics_follow_every_write(db, acme, beta):
    now = utcnow()
    hour = timedelta(hours=1)
    made = {
        "done_yesterday": add_activity(db, acme, "call", "maija", done_at=now - 24 * hour),
        "overdue": add_activity(db, acme, "meeting", "maija", due_at=now - 50 * hour),
        "overdue_today": add_activity(db, acme, "demo", "pekka", due_at=now - timedelta(minutes=1)),
        "due_later": add_activity(db, acme, "call", "minna", due_at=now + hour),
        "due_next_month": add_activity(db, acme, "call", "minna", due_at=now + 30 * 24 * hour),
        "comment": add_activity(db, acme, "comment", "maija", done_at=now - hour),
        "undated": add_activity(db, acme, "call", "pekka"),
    }
    _beta_activity(db, beta, done_at=now - hour)
    set_tenant(db, acme.tenant.id)  # workflow records history as the tenant
    _assert_activities_match(db)
    # done and undone through workflow, as the app does it
    workflow_activities.complete(db, made["overdue"], "Soitettu", None)
    workflow_activities.complete(db, made["due_later"], "", None)
    _assert_activities_match(db)
    workflow_activities.reopen(db, made["due_later"], None)
    workflow_activities.reopen(db, made["done_yesterday"], None)
    _assert_activities_match(db)
    # its task won with its open activities closed undone: no longer overdue
    settled = workflow_activities.settle_on_close(
        db, acme.tasks["new_maija"], workflow_activities.CLOSE_UNDONE, None
    )
    assert settled == 5  # all but the done ones: overdue and comment
    _assert_activities_match(db)
    # another day, assignee and type; not loaded when edited
    made["due_later"].cancelled_at = None
    made["due_later"].due_at = now - 200 * hour
    made["overdue"].assignee_user_id = acme.users["pekka"].id
    db.expire(made["comment"])
    made["comment"].type_id = _types(db, acme)["demo"].id
    db.flush()
    _assert_activities_match(db)
    for filters in (
        {"user_id": acme.users["pekka"].id},
        {"team_id": acme.team.id},
        {"visible_user_ids": {acme.users["maija"].id}},
    ):
        _assert_activities_match(db, **filters)
    # a type no longer counted leaves the statistics at once
    _types(db, acme)["demo"].counts_in_statistics = False
    db.flush()
    _assert_activities_match(db)
    # deleted, and deleted with its task
    db.delete(made["undated"])
    db.flush()
    on_task = add_activity(db, acme, "call", "pekka", due_at=now - 3 * hour)
    on_task.task_id = acme.tasks["quote_minna"].id
    db.flush()
    _assert_activities_match(db)
    db.delete(acme.tasks["quote_minna"])
    db.flush()
    _assert_activities_match(db)
    with all_tenants(db):
        kept = _summary_rows(db, ActivityDay, "activities")
        activity_summary.rebuild(db.connection())
        assert _summary_rows(db, ActivityDay, "activities") == kept
        activity_summary.rebuild(db.connection(), acme.tenant.id)
        assert _summary_rows(db, ActivityDay, "activities") == kept
        assert {row[0] for row in kept} == {acme.tenant.id, beta.tenant.id}


def test_activity_statistics_count_only_the_tenants_own(webapp, db, acme, beta, login):
    add_activity(db, acme, "call", "maija", done_at=utcnow())
    for _ in range(3):
        _beta_activity(db, beta, done_at=utcnow())
    login(webapp, "anna@acme.example")
    today = datetime.now(LOCAL_TIME).date()
    query = f"start={today.replace(day=1)}&end={today}"
    response = webapp.get(acme.url(f"/reports/reports.activities?{query}"))
    rows = {row[0]: row[-2:] for row in _table(response)}
    assert rows == {"Maija Myyjä": ["1", "0"]}
    response = webapp.get(acme.url(f"/reports/reports.activities?{HALF}&dimension=type"))
    assert all("Bert" not in " ".join(row) for row in _table(response))
