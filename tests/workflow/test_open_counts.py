"""The kept open task counts equal a GROUP BY over the tasks after every kind of write.

Written through the ORM (created, handed to another person or team, given
another due day or value, moved, won, lost, reopened, edited without being
loaded, deleted) and through the pages a user writes tasks with (the task
form, the task page's move, the board's move), on SQLite and PostgreSQL. A
rebuild gives the same rows; each tenant's rows are its own, and another
tenant's tasks never reach the board's totals. The API's and a campaign
launch's writes are checked in ``tests/api`` and ``tests/campaigns``.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import delete, select

from core.db import all_tenants, make_session_factory, set_tenant
from core.licensing import enable_plugin
from core.models import Tenant, utcnow
from core.testing import csrf_token
from plugins.workflow import open_counts
from plugins.workflow.board import local_today
from plugins.workflow.models import OpenTaskCount, Task
from tests.workflow.conftest import default_stages, tasks_of
from tests.workflow.test_tasks import created, move_form
from tests.workflow_plugins.fixtures import add_task

JSON = {"Accept": "application/json"}


def _from_tasks(db: Any, tenant: Tenant) -> dict[tuple[Any, ...], tuple[int, Decimal]]:
    """The open tasks of ``tenant`` grouped by the counter's key, counted here in Python."""
    counts: Counter[tuple[Any, ...]] = Counter()
    values: dict[tuple[Any, ...], Decimal] = {}
    with all_tenants(db):
        db.expire_all()
        for task in db.scalars(
            select(Task).where(Task.tenant_id == tenant.id, Task.closed_at.is_(None))
        ):
            key = (
                task.responsible_user_id or 0,
                task.stage_id,
                task.team_id or 0,
                task.due_date or open_counts.NO_DATE,
            )
            counts[key] += 1
            values[key] = values.get(key, Decimal(0)) + (task.expected_value or Decimal(0))
    return {key: (count, values[key]) for key, count in counts.items()}


def kept(db: Any, tenant: Tenant) -> dict[tuple[Any, ...], tuple[int, Decimal]]:
    """The counter's rows of ``tenant`` that count (a row emptied by a move stays at zero)."""
    counts = OpenTaskCount
    with all_tenants(db):
        rows = db.execute(
            select(
                counts.user_id,
                counts.stage_id,
                counts.team_id,
                counts.due_date,
                counts.tasks,
                counts.value,
            ).where(counts.tenant_id == tenant.id, counts.tasks != 0)
        ).all()
    return {tuple(row[:4]): (row.tasks, Decimal(row.value)) for row in rows}


def assert_counts_match(db: Any, tenant: Tenant) -> None:
    assert kept(db, tenant) == _from_tasks(db, tenant)


def test_the_counts_follow_every_orm_write(db, acme, beta):
    stages, today = acme.stages, local_today()
    first = add_task(
        db,
        stages["new"],
        "Ensimmäinen",
        responsible_user_id=acme.maija.id,
        team_id=acme.team.id,
        due_date=today,
        expected_value=Decimal("100.50"),
    )
    second = add_task(db, stages["new"], "Toinen", responsible_user_id=acme.pekka.id)
    third = add_task(db, stages["contacted"], "Kolmas", expected_value=Decimal("7"))
    assert_counts_match(db, acme.tenant)
    assert sum(count for count, _value in kept(db, acme.tenant).values()) == 3
    with all_tenants(db):
        # another person, team, due day and value
        first.responsible_user_id = acme.pekka.id
        first.team_id = None
        first.due_date = today - timedelta(days=3)
        first.expected_value = Decimal("2500")
        second.due_date = today + timedelta(days=10)
        second.expected_value = Decimal("12.25")
        db.flush()
        assert_counts_match(db, acme.tenant)
        # moved on; won; lost
        first.stage_id = stages["quote"].id
        second.stage_id, second.closed_at = stages["won"].id, utcnow()
        third.stage_id, third.closed_at = stages["lost"].id, utcnow()
        db.flush()
        assert_counts_match(db, acme.tenant)
        assert sum(count for count, _value in kept(db, acme.tenant).values()) == 1
        # reopened from won
        second.stage_id, second.closed_at = stages["negotiation"].id, None
        db.flush()
        assert_counts_match(db, acme.tenant)
        # edited with its row not loaded; deleted
        db.expire(first)
        first.responsible_user_id = acme.maija.id
        db.delete(third)
        db.flush()
        assert_counts_match(db, acme.tenant)
        db.delete(second)
        db.flush()
        assert_counts_match(db, acme.tenant)
    assert_counts_match(db, beta.tenant)
    assert len(kept(db, beta.tenant)) == 1
    before = {tenant.id: kept(db, tenant) for tenant in (acme.tenant, beta.tenant)}
    with all_tenants(db):
        open_counts.rebuild(db.connection())
    assert {tenant.id: kept(db, tenant) for tenant in (acme.tenant, beta.tenant)} == before
    with all_tenants(db):
        open_counts.rebuild(db.connection(), acme.tenant.id)
    assert {tenant.id: kept(db, tenant) for tenant in (acme.tenant, beta.tenant)} == before


def test_the_task_form_and_the_moves_keep_the_counts(webapp, db, as_maija):
    acme = as_maija
    task = created(webapp, db, acme, expected_value="100")
    assert_counts_match(db, acme.tenant)
    form = webapp.get(f"/t/acme/tasks/{task.id}/edit").forms["task-form"]
    form["expected_value"] = "250"
    overdue = local_today() - timedelta(days=2)
    form["due_date"] = overdue.isoformat()
    form["responsible_user_id"] = str(acme.pekka.id)
    form.submit(status=303)
    assert_counts_match(db, acme.tenant)
    (stored,) = tasks_of(db, acme.tenant)
    assert (stored.responsible_user_id, stored.due_date) == (acme.pekka.id, overdue)
    assert stored.expected_value == 250
    move_form(webapp, task, stage_id=str(acme.stages["contacted"].id)).submit(status=303)
    assert_counts_match(db, acme.tenant)
    move_form(webapp, task, stage_id=str(acme.stages["won"].id)).submit(status=303)
    assert kept(db, acme.tenant) == {}
    for stage in ("quote", "lost", "new"):
        (stored,) = tasks_of(db, acme.tenant)
        webapp.post(
            f"/t/acme/board/tasks/{task.id}/move",
            {
                "csrf_token": csrf_token(webapp),
                "stage_id": str(acme.stages[stage].id),
                "version": str(stored.version),
                "lost_reason": "Hinta",
            },
            headers=JSON,
        )
        (stored,) = tasks_of(db, acme.tenant)
        assert stored.stage_id == acme.stages[stage].id
        assert_counts_match(db, acme.tenant)
    assert sum(count for count, _value in kept(db, acme.tenant).values()) == 1


def test_another_tenants_counts_never_reach_the_board(webapp, db, as_maija, beta):
    acme = as_maija
    add_task(db, acme.stages["new"], "Oma", expected_value=Decimal("10"))
    for n in range(3):
        add_task(db, beta.stage, f"Vieras {n}", expected_value=Decimal("1000"))
    set_tenant(db, acme.tenant.id)
    assert [row.tenant_id for row in db.scalars(select(OpenTaskCount))] == [acme.tenant.id]
    page = webapp.get(f"/t/acme/board?workflow={acme.workflow.id}")
    column = page.html.select_one(f"section.column[data-stage='{acme.stages['new'].id}']")
    assert (column["data-count"], Decimal(column["data-total"])) == ("1", Decimal(10))


def test_concurrent_writers_to_one_row_both_count(db_engine, myynti_registry):
    """Two transactions at once add tasks to the same counter row: no increment is lost.

    Committed rows and real concurrent transactions, so PostgreSQL only.
    """
    if db_engine.dialect.name != "postgresql":
        pytest.skip("concurrent transactions: PostgreSQL only (MYYNTI_TEST_DATABASE_URL)")
    factory = make_session_factory(db_engine)
    with factory.begin() as db, all_tenants(db):
        tenant = Tenant(slug=f"counts-{uuid.uuid4().hex[:6]}", name="Rinnakkain Oy", licence={})
        db.add(tenant)
        db.flush()
        enable_plugin(db, myynti_registry, tenant, "workflow", with_dependencies=True)
        db.flush()
        workflow, stages = default_stages(db, tenant)
        tenant_id, workflow_id, stage_id = tenant.id, workflow.id, stages["new"].id
    start, each = threading.Barrier(2), 15

    def write(name: str) -> None:
        start.wait()
        for n in range(each):
            with factory.begin() as db:
                set_tenant(db, tenant_id)
                db.add(
                    Task(
                        tenant_id=tenant_id,
                        workflow_id=workflow_id,
                        stage_id=stage_id,
                        title=f"{name} {n}",
                        expected_value=Decimal("1.50"),
                    )
                )

    try:
        writers = [threading.Thread(target=write, args=(name,)) for name in ("a", "b")]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join()
        with factory() as db:
            set_tenant(db, tenant_id)
            row = db.execute(select(OpenTaskCount.tasks, OpenTaskCount.value)).one()
        assert (row.tasks, row.value) == (2 * each, Decimal("1.50") * 2 * each)
    finally:
        with factory.begin() as db, all_tenants(db):
            db.execute(delete(Tenant).where(Tenant.id == tenant_id))
