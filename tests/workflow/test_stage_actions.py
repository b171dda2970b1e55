"""Stage actions: run after a move commits, each outcome in the task's history, retry on failure.

The ``stagehand`` test plugin offers a working action, one that fails until
the task's history holds a failure (so a retry works), and a broken one. Most
tests run the job's function in the test's transaction, as the worker would;
one runs the whole way through the in-process worker, on committed data.
"""

from __future__ import annotations

import uuid

import webtest
from pyramid.interfaces import IRoutesMapper
from sqlalchemy import delete, select

from core import testing
from core.app import make_config
from core.db import TenantSession, all_tenants, make_session_factory, set_tenant
from core.jobs.outbox import QUEUE_KEY
from core.licensing import enable_plugin
from core.models import Event, Job, JobState, Membership, Role, Tenant, User
from core.passwords import hash_password
from core.testing import PASSWORD, csrf_token
from plugins.workflow.moves import RUN_STAGE_ACTIONS
from plugins.workflow.stage_actions import ACTION_DONE, ACTION_FAILED
from tests.workflow_plugins.fixtures import add_task, bind_action, make_board
from tests.workflow_plugins.stagehand.hooks import REACTION, TRACE

JSON = {"Accept": "application/json"}


def move(app, board, task, stage, **extra):
    return app.post(
        f"/t/{board.tenant.slug}/board/tasks/{task.id}/move",
        {
            "csrf_token": csrf_token(app),
            "stage_id": str(stage.id),
            "version": str(task.version),
            **extra,
        },
        headers=JSON,
    )


def pending_jobs(db, tenant) -> list[Job]:
    with all_tenants(db):
        return list(
            db.scalars(
                select(Job).where(
                    Job.tenant_id == tenant.id,
                    Job.name == RUN_STAGE_ACTIONS,
                    Job.state == JobState.PENDING,
                )
            )
        )


def run_jobs(db_connection, wsgi, tenant) -> None:
    """Run the tenant's stage-action jobs as the worker does, in the test's transaction."""
    session = TenantSession(
        bind=db_connection,
        join_transaction_mode="create_savepoint",
        info={QUEUE_KEY: wsgi.registry.myynti_jobs},
    )
    try:
        testing.run_jobs(session, tenant, RUN_STAGE_ACTIONS)
        session.commit()  # releases the savepoint: the work stays in the test's transaction
    finally:
        session.close()


def history(db, task) -> list[tuple[str, dict]]:
    with all_tenants(db):
        events = db.scalars(
            select(Event)
            .where(Event.entity == "task", Event.record_id == task.id)
            .order_by(Event.id)
        )
        return [(e.kind, e.payload) for e in events]


def kinds(db, task) -> list[str]:
    """The kinds of the task's events but the move's own (stage changed, the reaction)."""
    return [kind for kind, _payload in history(db, task) if kind not in ("stage_changed", REACTION)]


def test_actions_run_after_the_move_in_their_order(
    stagehand_app, stagehand_wsgi, db, db_connection, stagehand_setup
):
    board = stagehand_setup
    quote = board.stages["quote"]
    bind_action(db, quote, "stagehand.trace", position=1, text="toinen")
    bind_action(db, quote, "stagehand.trace", position=0, text="ensimmäinen")
    task = board.tasks[0]
    move(stagehand_app, board, task, quote)
    assert kinds(db, task) == [], "nothing runs before the job"
    run_jobs(db_connection, stagehand_wsgi, board.tenant)
    traces = [p["text"] for k, p in history(db, task) if k == TRACE]
    assert traces == ["ensimmäinen", "toinen"]
    assert kinds(db, task) == [TRACE, ACTION_DONE, TRACE, ACTION_DONE]


def test_plugins_react_to_a_move_in_its_transaction(stagehand_app, db, stagehand_setup):
    board = stagehand_setup
    task = board.tasks[0]
    move(stagehand_app, board, task, board.stages["quote"])
    reactions = [p["text"] for k, p in history(db, task) if k == REACTION]
    assert reactions == ["Uusi → Tarjous"]


def test_a_job_naming_another_tenants_task_does_nothing(
    stagehand_wsgi, db, db_connection, make_tenant, stagehand_registry, stagehand_setup
):
    """A forged payload: acme's job with globex's task and stage runs nothing of globex."""
    board = stagehand_setup
    globex = make_tenant("globex")
    for name in ("contacts", "workflow", "stagehand"):
        enable_plugin(db, stagehand_registry, globex, name)
    other = make_board(db, globex)
    bind_action(db, other.stages["quote"], "stagehand.trace")
    theirs = add_task(db, other.stages["quote"], "Globexin tehtävä")
    queue = stagehand_wsgi.registry.myynti_jobs
    session = TenantSession(
        bind=db_connection, join_transaction_mode="create_savepoint", info={QUEUE_KEY: queue}
    )
    try:
        set_tenant(session, board.tenant.id)
        queue.job_types[RUN_STAGE_ACTIONS].job.run(
            db=session,
            tenant=session.get(Tenant, board.tenant.id),
            payload={"task_id": theirs.id, "stage_id": other.stages["quote"].id},
        )
        session.commit()
    finally:
        session.close()
    assert history(db, theirs) == []


def test_a_failing_action_is_recorded_with_its_reason_and_the_others_still_run(
    stagehand_app, stagehand_wsgi, db, db_connection, stagehand_setup
):
    board = stagehand_setup
    quote = board.stages["quote"]
    bind_action(db, quote, "stagehand.broken", position=0)
    bind_action(db, quote, "stagehand.trace", position=1)
    task = board.tasks[0]
    move(stagehand_app, board, task, quote)
    run_jobs(db_connection, stagehand_wsgi, board.tenant)
    assert kinds(db, task) == [ACTION_FAILED, TRACE, ACTION_DONE], "the broken one's work undone"
    failed = next(p for k, p in history(db, task) if k == ACTION_FAILED)
    assert failed["reason"] == "the printer is on fire"
    assert failed["label"] == {"fi": "Rikki", "en": "Broken"}
    page = stagehand_app.get(f"/t/acme/history/task/{task.id}")
    text = page.html.select_one("li.event-stage_action_failed").get_text(" ", strip=True)
    assert "Broken: the printer is on fire" in text


def test_a_failed_action_is_retried_from_the_task_and_then_works(
    stagehand_app, stagehand_wsgi, db, db_connection, stagehand_setup
):
    board = stagehand_setup
    quote = board.stages["quote"]
    bind_action(db, quote, "stagehand.flaky")
    task = board.tasks[0]
    move(stagehand_app, board, task, quote)
    run_jobs(db_connection, stagehand_wsgi, board.tenant)
    assert kinds(db, task) == [ACTION_FAILED]

    page = stagehand_app.get(task_page(stagehand_app, task))
    panel = page.html.select_one('[data-panel="workflow-failed-actions"]')
    assert panel is not None, "the failed action is shown with a retry button"
    assert "the mail server did not answer" in panel.get_text()
    retry_form = next(f for f in page.forms.values() if "/retry" in (f.action or ""))
    retried = retry_form.submit(status=303).follow()
    assert "run again in a moment" in retried.html.select_one(".flash").get_text()
    page = stagehand_app.get(task_page(stagehand_app, task))
    assert page.html.select_one('[data-panel="workflow-failed-actions"]') is None, "retrying"

    run_jobs(db_connection, stagehand_wsgi, board.tenant)
    assert kinds(db, task) == [ACTION_FAILED, "stage_action_retried", TRACE, ACTION_DONE]
    page = stagehand_app.get(task_page(stagehand_app, task))
    assert page.html.select_one('[data-panel="workflow-failed-actions"]') is None


def test_an_action_no_enabled_plugin_offers_fails_with_a_message(
    stagehand_app, stagehand_wsgi, db, db_connection, stagehand_setup
):
    board = stagehand_setup
    quote = board.stages["quote"]
    bind_action(db, quote, "gone.plugin_action")
    task = board.tasks[0]
    move(stagehand_app, board, task, quote)
    run_jobs(db_connection, stagehand_wsgi, board.tenant)
    page = stagehand_app.get(task_page(stagehand_app, task), headers={"Accept-Language": "fi"})
    panel = page.html.select_one('[data-panel="workflow-failed-actions"]')
    assert "Mikään käytössä oleva osio ei tarjoa tätä toimintoa." in panel.get_text()


def test_a_retry_of_another_tenants_event_is_404(
    stagehand_app,
    stagehand_wsgi,
    db,
    db_connection,
    make_tenant,
    stagehand_registry,
    stagehand_setup,
):
    board = stagehand_setup
    globex = make_tenant("globex")
    for name in ("contacts", "workflow", "stagehand"):
        enable_plugin(db, stagehand_registry, globex, name)
    other = make_board(db, globex)
    theirs = add_task(db, other.stages["new"], "Globexin tehtävä")
    bind_action(db, other.stages["quote"], "stagehand.broken")
    with all_tenants(db):
        failure = Event(
            tenant_id=globex.id,
            entity="task",
            record_id=theirs.id,
            kind=ACTION_FAILED,
            payload={"binding_id": 1, "stage_id": other.stages["quote"].id, "reason": "x"},
        )
        db.add(failure)
        db.flush()
    mine = board.tasks[0]
    token = csrf_token(stagehand_app)
    for task_id in (mine.id, theirs.id):
        stagehand_app.post(
            f"/t/acme/tasks/{task_id}/actions/{failure.id}/retry", {"csrf_token": token}, status=404
        )
    assert pending_jobs(db, globex) == []


def test_a_retry_of_an_action_that_did_not_fail_is_404(
    stagehand_app, stagehand_wsgi, db, db_connection, stagehand_setup
):
    board = stagehand_setup
    quote = board.stages["quote"]
    bind_action(db, quote, "stagehand.trace")
    task = board.tasks[0]
    move(stagehand_app, board, task, quote)
    run_jobs(db_connection, stagehand_wsgi, board.tenant)
    done = next(e for e in _events(db, task) if e.kind == ACTION_DONE)
    stagehand_app.post(
        f"/t/acme/tasks/{task.id}/actions/{done.id}/retry",
        {"csrf_token": csrf_token(stagehand_app)},
        status=404,
    )


def task_page(app, task) -> str:
    """The task's page: the workflow plugin's own once it has one, else the test plugin's.

    Either way a record page whose sidebar slot the failed-actions panel fills.
    """
    route = app.app.registry.getUtility(IRoutesMapper).get_route("task")
    if route is not None:
        return route.generate({"tenant": "acme", "id": str(task.id)})
    return f"/t/acme/stagehand/tasks/{task.id}"


def _events(db, task) -> list[Event]:
    with all_tenants(db):
        return list(db.scalars(select(Event).where(Event.record_id == task.id)))


# --- the whole way: the in-process worker, on committed data ---------------------------


def test_the_worker_runs_the_actions_after_the_move_commits(
    app_settings, stagehand_registry, db_engine
):
    """A move through the app on the real engine; the worker thread runs the actions."""
    settings = {**app_settings, "myynti.worker_threads": "1", "myynti.job_retry_delay": "0"}
    wsgi = make_config(settings, registry=stagehand_registry, engine=db_engine).make_wsgi_app()
    factory = make_session_factory(db_engine)
    suffix = uuid.uuid4().hex[:6]
    with factory.begin() as db:
        tenant = Tenant(slug=f"stage-{suffix}", name="Stage Oy", licence={})
        db.add(tenant)
        db.flush()
        for name in ("contacts", "workflow", "stagehand"):
            enable_plugin(db, stagehand_registry, tenant, name)
        user = User(
            email=f"w-{suffix}@stage.example", name="W", password_hash=hash_password(PASSWORD)
        )
        db.add(user)
        db.flush()
        with all_tenants(db):
            db.add(Membership(tenant_id=tenant.id, user_id=user.id, role=Role.MEMBER))
        board = make_board(db, tenant)
        bind_action(db, board.stages["quote"], "stagehand.trace", text="oikea työläinen")
        task = add_task(db, board.stages["new"], "Committed")
        ids = (tenant.id, user.id, task.id)
        slug, email, quote_id = tenant.slug, user.email, board.stages["quote"].id
    try:
        app = webtest.TestApp(wsgi, extra_environ={"REMOTE_ADDR": "192.0.2.50"})
        form = app.get("/login").forms["login-form"]
        form["email"], form["password"] = email, PASSWORD
        form.submit(status=303)
        app.post(
            f"/t/{slug}/board/tasks/{ids[2]}/move",
            {"csrf_token": csrf_token(app), "stage_id": str(quote_id), "version": "1"},
            headers=JSON,
        )
        wsgi.registry.myynti_jobs.drain()
        with factory() as db, all_tenants(db):
            events = db.scalars(
                select(Event.kind).where(Event.tenant_id == ids[0], Event.record_id == ids[2])
            ).all()
        assert sorted(events) == sorted(["stage_changed", REACTION, TRACE, ACTION_DONE])
    finally:
        wsgi.registry.myynti_jobs.stop()
        with factory.begin() as db, all_tenants(db):
            db.execute(delete(Tenant).where(Tenant.id == ids[0]))
            db.execute(delete(User).where(User.id == ids[1]))
