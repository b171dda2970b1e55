"""Moving a task between stages: through the board's move endpoint, as a user does.

Each kind of bad input the issue names has its own test: a stage of another
workflow, of another tenant, a stale move, a lost stage without a reason, a
retired stage, another tenant's task in the URL.
"""

from __future__ import annotations

import webtest
from sqlalchemy import event, select, update

from core.db import TenantSession, all_tenants
from core.models import Event, Job
from core.testing import csrf_token
from plugins.workflow.models import Task
from tests.workflow_plugins.fixtures import add_task, bind_action, make_board

JSON = {"Accept": "application/json"}


def move(webapp, board, task, stage, version=None, status=200, **extra):
    params = {
        "csrf_token": csrf_token(webapp),
        "stage_id": str(stage.id),
        "version": str(task.version if version is None else version),
        **{key: str(value) for key, value in extra.items()},
    }
    return webapp.post(
        f"/t/{board.tenant.slug}/board/tasks/{task.id}/move", params, headers=JSON, status=status
    )


def reloaded(db, task) -> Task:
    """The task as stored now (refreshed as any tenant: the test's session works as none)."""
    with all_tenants(db):
        db.refresh(task)
    return task


def stage_events(db, task) -> list[Event]:
    with all_tenants(db):
        return list(
            db.scalars(
                select(Event).where(
                    Event.entity == "task",
                    Event.record_id == task.id,
                    Event.kind == "stage_changed",
                )
            )
        )


def test_a_move_changes_the_stage_and_records_it(webapp, db, board_setup):
    board = board_setup
    task = board.tasks[0]
    response = move(webapp, board, task, board.stages["quote"])
    assert response.json["ok"] is True
    moved = reloaded(db, task)
    assert moved.stage_id == board.stages["quote"].id
    assert response.json["version"] == moved.version == 2
    assert moved.closed_at is None
    [event] = stage_events(db, task)
    assert event.payload["old"]["fi"] == "Uusi"
    assert event.payload["new"]["en"] == "Quote"
    assert event.actor_label == "Maija Myyjä"


def test_the_history_shows_the_stage_change(webapp, db, board_setup):
    board = board_setup
    move(webapp, board, board.tasks[0], board.stages["quote"])
    page = webapp.get(f"/t/acme/history/task/{board.tasks[0].id}")
    event = page.html.select_one("li.event-stage_changed")
    assert event is not None
    assert "New → Quote" in event.get_text(" ", strip=True)


def test_winning_closes_the_task_and_reopening_opens_it(webapp, db, board_setup):
    board = board_setup
    task = board.tasks[0]
    move(webapp, board, task, board.stages["won"])
    assert reloaded(db, task).closed_at is not None
    move(webapp, board, reloaded(db, task), board.stages["new"])
    assert reloaded(db, task).closed_at is None


def test_a_lost_stage_keeps_the_reason(webapp, db, board_setup):
    board = board_setup
    task = board.tasks[1]
    move(webapp, board, task, board.stages["lost"], lost_reason="Hinta liian korkea")
    lost = reloaded(db, task)
    assert lost.lost_reason == "Hinta liian korkea"
    assert lost.closed_at is not None


def test_a_lost_stage_without_a_reason_is_refused(webapp, db, board_setup):
    board = board_setup
    task = board.tasks[1]
    response = move(webapp, board, task, board.stages["lost"], lost_reason="  ", status=400)
    assert response.json["field"] == "lost_reason"
    assert response.json["message"] == "Say why the task was lost."
    unchanged = reloaded(db, task)
    assert unchanged.stage_id == board.stages["new"].id
    assert unchanged.version == 1
    assert stage_events(db, task) == []


def test_a_lost_reason_is_asked_for_in_finnish(webapp, db, board_setup):
    board = board_setup
    task = board.tasks[1]
    response = webapp.post(
        f"/t/acme/board/tasks/{task.id}/move",
        {
            "csrf_token": csrf_token(webapp),
            "stage_id": str(board.stages["lost"].id),
            "version": "1",
        },
        headers={**JSON, "Accept-Language": "fi"},
        status=400,
    )
    assert response.json["message"] == "Kerro, miksi tehtävä hävittiin."


def test_a_stage_of_another_workflow_is_refused(webapp, db, board_setup):
    board = board_setup
    task = board.tasks[0]
    response = move(webapp, board, task, board.other_stage, status=400)
    assert response.json["field"] == "stage_id"
    assert response.json["message"] == "Choose a stage of this task's workflow."
    assert reloaded(db, task).stage_id == board.stages["new"].id


def test_a_stage_of_another_tenant_is_refused(webapp, db, make_tenant, board_setup):
    board = board_setup
    other = make_board(db, make_tenant("globex", plugins=("workflow",)))
    task = board.tasks[0]
    response = move(webapp, board, task, other.stages["quote"], status=400)
    assert response.json["field"] == "stage_id"
    assert reloaded(db, task).stage_id == board.stages["new"].id
    assert stage_events(db, task) == []


def test_a_retired_stage_is_refused(webapp, db, board_setup):
    board = board_setup
    task = board.tasks[0]
    response = move(webapp, board, task, board.stages["old"], status=400)
    assert response.json["field"] == "stage_id"
    assert response.json["message"] == "This stage is retired: choose another one."
    assert reloaded(db, task).stage_id == board.stages["new"].id


def test_a_stale_move_is_refused(webapp, db, make_user, board_setup, login):
    """Maija and Pekka both see version 1; Pekka moves first, Maija's move is refused."""
    board = board_setup
    task = board.tasks[0]
    make_user("pekka@acme.example", tenant=board.tenant, name="Pekka")
    pekka = webtest.TestApp(webapp.app, extra_environ={"REMOTE_ADDR": "192.0.2.11"})
    login(pekka, "pekka@acme.example")
    move(pekka, board, task, board.stages["quote"], version=1)
    response = move(webapp, board, task, board.stages["won"], version=1, status=409)
    assert response.json["field"] == "version"
    assert "Someone else changed this task" in response.json["message"]
    assert response.json["version"] == 2
    kept = reloaded(db, task)
    assert kept.stage_id == board.stages["quote"].id
    assert kept.closed_at is None
    assert len(stage_events(db, task)) == 1


def test_a_task_of_another_tenant_in_the_url_is_404(webapp, db, make_tenant, board_setup):
    board = board_setup
    other = make_board(db, make_tenant("globex", plugins=("workflow",)))
    theirs = add_task(db, other.stages["new"], "Globexin salaisuus")
    webapp.post(
        f"/t/acme/board/tasks/{theirs.id}/move",
        {
            "csrf_token": csrf_token(webapp),
            "stage_id": str(board.stages["quote"].id),
            "version": "1",
        },
        status=404,
    )
    webapp.get(f"/t/acme/board/tasks/{theirs.id}/move", status=404)
    assert reloaded(db, theirs).stage_id == other.stages["new"].id


def test_the_card_goes_between_its_new_neighbours(webapp, db, board_setup):
    board = board_setup
    first, second, third = board.tasks
    move(webapp, board, third, board.stages["new"], after_id=first.id)
    ranks = {t.title: reloaded(db, t).board_rank for t in board.tasks}
    assert ranks["Ensimmäinen"] < ranks["Kolmas"] < ranks["Toinen"]
    move(webapp, board, reloaded(db, second), board.stages["quote"])
    move(webapp, board, reloaded(db, first), board.stages["quote"])
    assert reloaded(db, first).board_rank < reloaded(db, second).board_rank


def test_a_reorder_in_the_same_column_records_no_stage_change(webapp, db, board_setup):
    board = board_setup
    first, second, _third = board.tasks
    move(webapp, board, first, board.stages["new"], after_id=second.id)
    assert stage_events(db, first) == []


def test_a_move_into_a_stage_with_actions_starts_a_job(webapp, db, board_setup):
    board = board_setup
    quote = board.stages["quote"]
    bind_action(db, quote, "anything.at_all")
    task = board.tasks[0]
    move(webapp, board, task, quote)
    with all_tenants(db):
        jobs = db.scalars(select(Job).where(Job.tenant_id == board.tenant.id)).all()
    [job] = [j for j in jobs if j.name == "workflow.run_stage_actions"]
    assert job.payload == {"task_id": task.id, "stage_id": quote.id}
    move(webapp, board, reloaded(db, task), board.stages["won"])
    with all_tenants(db):
        count = len(db.scalars(select(Job).where(Job.tenant_id == board.tenant.id)).all())
    assert count == len(jobs), "a stage without actions starts no job"


def test_a_member_without_the_plugin_gets_404(webapp, db, make_tenant, make_user, login):
    tenant = make_tenant("plain", plugins=("contacts",))
    make_user("olli@plain.example", tenant=tenant)
    login(webapp, "olli@plain.example")
    webapp.get("/t/plain/board", status=404)


def test_a_save_landing_between_the_check_and_the_write_is_refused(webapp, db, board_setup):
    """Another writer bumps the version after the check, before the flush: the version
    column catches it, the move is refused and nothing of it is written."""
    board = board_setup
    task = board.tasks[0]
    table = Task.__table__
    raced = []

    def another_save(session, flush_context, instances) -> None:
        if not raced and any(isinstance(o, Task) and o.id == task.id for o in session.dirty):
            raced.append(True)
            session.connection().execute(
                update(table).where(table.c.id == task.id).values(version=table.c.version + 1)
            )

    event.listen(TenantSession, "before_flush", another_save)
    try:
        response = move(webapp, board, task, board.stages["quote"], status=409)
    finally:
        event.remove(TenantSession, "before_flush", another_save)
    assert raced
    assert response.json["field"] == "version"
    assert reloaded(db, task).stage_id == board.stages["new"].id
    assert stage_events(db, task) == []
