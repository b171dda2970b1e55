"""Background jobs with the embedded broker: worker threads in this process, real commits.

Each test commits its tenants for real (``committed``), because a worker sees
only what another connection has committed, and ``job_queue.drain()`` waits
until the workers have nothing left to do.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import event, select, update

from core.app import make_config
from core.db import TenantViolation, all_tenants, set_tenant
from core.jobs import JobQueue, UnknownJob, enqueue, retry
from core.jobs.outbox import sweep
from core.jobs.queue import Pace
from core.jobs.scheduler import Scheduler
from core.jobs.worker import MAX_CLAIM, PLUGIN_DISABLED, claim, process, run
from core.licensing import disable_plugin, enable_plugin
from core.models import Job, JobState, PeriodicRun, Tenant, utcnow
from core.testing import PASSWORD
from tests.job_plugins.fixtures import JOB_SETTINGS
from tests.job_plugins.worklog import hooks as worklog


def start(queue: JobQueue, tenant: Tenant, name: str, payload: dict[str, Any]) -> int:
    """Enqueue in a transaction of its own and commit; the job's id."""
    with queue.session() as db:
        set_tenant(db, tenant.id)
        job_id = enqueue(db, tenant, name, payload)
        db.commit()
    return job_id


@pytest.fixture
def sent(job_queue: JobQueue, monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, bool]]:
    """``(job id, row committed when sent)`` of every message the queue sends."""
    record: list[tuple[int, bool]] = []
    send = job_queue.send

    def recording(jobs: Any) -> None:
        jobs = list(jobs)
        with job_queue.session() as db, all_tenants(db):
            for job_id, _delay in jobs:
                record.append((job_id, db.get(Job, job_id) is not None))
        send(jobs)

    monkeypatch.setattr(job_queue, "send", recording)
    return record


class messages_lost:
    """The broker loses every message sent inside the block."""

    def __init__(self, queue: JobQueue) -> None:
        self.queue = queue

    def __enter__(self) -> None:
        self.queue.send = lambda jobs: None  # type: ignore[method-assign]

    def __exit__(self, *exc: object) -> None:
        del self.queue.send


def login(web: Any, email: str) -> None:
    form = web.get("/login").forms["login-form"]
    form["email"], form["password"] = email, PASSWORD
    assert form.submit().status_int == 303


def test_a_request_job_is_sent_after_commit_and_runs_as_its_tenant(
    job_queue, jobs_web, committed, sent
) -> None:
    tenant = committed.tenant("acme")
    user = committed.user("anna", tenant)
    login(jobs_web, user.email)
    token = jobs_web.cookies["myynti_csrf"]

    response = jobs_web.post(
        f"/t/{tenant.slug}/worklog", {"text": "from a request", "csrf_token": token}
    )
    job_queue.drain()

    job_id = response.json["job"]
    assert sent == [(job_id, True)]
    job = committed.job(job_id)
    assert (job.state, job.plugin, job.attempts, job.done_at is not None) == (
        JobState.DONE,
        "worklog",
        1,
        True,
    )
    assert [e.payload["text"] for e in committed.events(tenant)] == ["from a request"]


def test_no_job_and_no_message_when_the_transaction_rolls_back(
    job_queue, jobs_web, committed, sent
) -> None:
    tenant = committed.tenant("acme")
    login(jobs_web, committed.user("anna", tenant).email)
    token = jobs_web.cookies["myynti_csrf"]

    jobs_web.post(
        f"/t/{tenant.slug}/worklog",
        {"text": "never", "then": "fail", "csrf_token": token},
        status=409,
    )
    with job_queue.session() as db:
        set_tenant(db, tenant.id)
        enqueue(db, tenant, "worklog.write", {"text": "never either"})
        db.rollback()
    job_queue.drain()

    assert sent == []
    with job_queue.session() as db, all_tenants(db):
        assert db.scalars(select(Job).where(Job.tenant_id == tenant.id)).all() == []
    assert committed.events(tenant) == []


def test_a_released_savepoint_sends_nothing_before_the_commit(job_queue, committed, sent) -> None:
    tenant = committed.tenant("acme")
    with job_queue.session() as db:
        set_tenant(db, tenant.id)
        job_id = enqueue(db, tenant, "worklog.write", {"text": "after the commit"})
        with db.begin_nested():
            db.flush()
        assert sent == []
        db.commit()
    job_queue.drain()

    assert sent == [(job_id, True)]
    assert committed.job(job_id).state == JobState.DONE


def test_a_message_the_broker_lost_is_sent_again_by_the_sweep(job_queue, committed) -> None:
    tenant = committed.tenant("acme")
    with messages_lost(job_queue):
        job_id = start(job_queue, tenant, "worklog.write", {"text": "lost once"})
    job_queue.drain()
    assert committed.job(job_id).state == JobState.PENDING

    with job_queue.session() as db:
        assert sweep(db) == 0  # not stale yet: its message may still be on the way
        db.commit()
    time.sleep(job_queue.config.stale_after + 0.1)
    with job_queue.session() as db:
        assert sweep(db) >= 1
        db.commit()
    job_queue.drain()

    assert committed.job(job_id).state == JobState.DONE
    assert [e.payload["text"] for e in committed.events(tenant)] == ["lost once"]


def test_a_duplicate_message_does_nothing_twice(job_queue, committed) -> None:
    tenant = committed.tenant("acme")
    job_id = start(job_queue, tenant, "worklog.write", {"text": "once"})
    job_queue.drain()

    job_queue.send([(job_id, 0.0), (job_id, 0.0)])
    process(job_queue, [job_id])
    job_queue.drain()

    assert committed.job(job_id).attempts == 1
    assert len(committed.events(tenant)) == 1


def test_a_failed_job_is_retried_and_does_its_work_once(job_queue, committed) -> None:
    tenant = committed.tenant("acme")
    text = f"flaky {committed.suffix}"

    job_id = start(job_queue, tenant, "worklog.write", {"text": text, "fail_times": 2})
    job_queue.drain()

    job = committed.job(job_id)
    assert (job.state, job.attempts) == (JobState.DONE, 3)
    assert "RuntimeError: failing on purpose, call 2" in job.last_error
    assert worklog.CALLS[text] == 3
    assert [e.payload["text"] for e in committed.events(tenant)] == [text]


def test_a_job_that_keeps_failing_ends_failed_and_can_be_retried(job_queue, committed) -> None:
    tenant = committed.tenant("acme")
    text = f"stubborn {committed.suffix}"
    job_id = start(job_queue, tenant, "worklog.write", {"text": text, "fail_times": 3})
    job_queue.drain()
    job = committed.job(job_id)
    assert (job.state, job.attempts) == (JobState.FAILED, 3)
    assert "call 3" in job.last_error
    assert committed.events(tenant) == []

    with job_queue.session() as db, all_tenants(db):
        retry(db, db.get(Job, job_id))
        db.commit()
    job_queue.drain()

    assert (committed.job(job_id).state, committed.job(job_id).attempts) == (JobState.DONE, 4)
    assert len(committed.events(tenant)) == 1


def test_a_job_running_longer_than_a_claim_stays_fresh_is_not_handed_on(
    job_queue, committed, db_engine
) -> None:
    """The sweep reclaims jobs of dead workers only: a long job that runs is left alone."""
    if db_engine.dialect.name != "postgresql":
        pytest.skip("on SQLite the running job's transaction holds the write lock: no sweep runs")
    tenant = committed.tenant("acme")
    text = f"long {committed.suffix}"
    stale_after = job_queue.config.stale_after
    job_id = start(job_queue, tenant, "worklog.linger", {"text": text, "seconds": stale_after * 2})
    deadline = time.monotonic() + 10
    while committed.job(job_id).state != JobState.RUNNING and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(stale_after + 0.2)  # its claim now looks stale, and the job still runs

    with job_queue.session() as db:
        assert sweep(db) == 0
        db.commit()
    job_queue.drain()

    assert (committed.job(job_id).state, committed.job(job_id).attempts) == (JobState.DONE, 1)
    assert worklog.CALLS[text] == 1
    assert [e.payload["text"] for e in committed.events(tenant)] == [text]


def test_a_worker_whose_stale_claim_was_taken_over_does_not_run_the_job(
    job_queue, committed, caplog
) -> None:
    """A slow worker and the one that took its stale claim over: the work is done once."""
    tenant = committed.tenant("acme")
    with messages_lost(job_queue):
        job_id = start(job_queue, tenant, "worklog.write", {"text": "slow"})
        slow = claim(job_queue, [job_id])
    assert [c.id for c in slow] == [job_id]
    time.sleep(job_queue.config.stale_after + 0.1)
    with job_queue.session() as db:
        assert sweep(db) >= 1  # running too long: back to pending, and sent again
        db.commit()
    job_queue.drain()
    assert (committed.job(job_id).state, committed.job(job_id).attempts) == (JobState.DONE, 2)

    run(job_queue, slow)

    assert f"job {job_id}: attempt 1 was taken over" in caplog.text
    assert (committed.job(job_id).state, committed.job(job_id).attempts) == (JobState.DONE, 2)

    assert len(committed.events(tenant)) == 1


def test_every_attempt_of_a_job_gets_the_same_idempotency_key_and_no_other_job_does(
    job_queue, committed
) -> None:
    tenant = committed.tenant("acme")
    flaky, steady = f"flaky key {committed.suffix}", f"steady key {committed.suffix}"
    first = start(job_queue, tenant, "worklog.stamp", {"text": flaky, "fail_times": 3})
    second = start(job_queue, tenant, "worklog.stamp", {"text": steady})
    job_queue.drain()
    assert committed.job(first).state == JobState.FAILED  # after its three attempts

    with job_queue.session() as db, all_tenants(db):  # an operator's retry: the same job
        retry(db, db.get(Job, first))
        db.commit()
    job_queue.drain()

    assert (committed.job(first).state, committed.job(first).attempts) == (JobState.DONE, 4)
    key = committed.job(first).idempotency_key
    assert len(key) == 32
    assert worklog.KEYS[flaky] == [key] * 4
    assert worklog.KEYS[steady] == [committed.job(second).idempotency_key]
    assert worklog.KEYS[steady] != [key]


def test_a_job_reads_no_row_of_another_tenant(job_queue, committed, db_engine) -> None:
    own, other = committed.tenant("own"), committed.tenant("other")
    start(job_queue, other, "worklog.write", {"text": "secret of other"})
    job_queue.drain()

    start(job_queue, own, "worklog.peek", {"other": other.id})
    job_queue.drain()

    (seen,) = [e.payload for e in committed.events(own)]
    assert seen["orm"] == 0
    if db_engine.dialect.name == "postgresql":
        assert seen["sql"] == 0  # row-level security, under the ORM filter's back
    assert len(committed.events(other)) == 1


@pytest.mark.parametrize("how", ["orm", "sql"])
def test_a_job_writes_no_row_into_another_tenant(job_queue, committed, db_engine, how) -> None:
    if how == "sql" and db_engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no row-level security; raw SQL is core's own business there")
    own, other = committed.tenant("own"), committed.tenant("other")

    job_id = start(job_queue, own, "worklog.trespass", {"other": other.id, "how": how})
    job_queue.drain()

    job = committed.job(job_id)
    assert job.state == JobState.FAILED
    expected = TenantViolation.__name__ if how == "orm" else "row-level security"
    assert expected in job.last_error
    assert committed.events(other) == []


def test_a_job_of_a_disabled_plugin_is_skipped_with_the_reason(job_queue, committed) -> None:
    tenant = committed.tenant("acme")
    with committed.factory.begin() as db:
        disable_plugin(db, committed.registry, db.get(Tenant, tenant.id), "worklog")

    job_id = start(job_queue, tenant, "worklog.write", {"text": "not now"})
    job_queue.drain()

    job = committed.job(job_id)
    assert (job.state, job.last_error) == (JobState.SKIPPED, PLUGIN_DISABLED)
    assert committed.events(tenant) == []

    with committed.factory.begin() as db:
        enable_plugin(db, committed.registry, db.get(Tenant, tenant.id), "worklog")
    with job_queue.session() as db, all_tenants(db):
        retry(db, db.get(Job, job_id))
        db.commit()
    job_queue.drain()

    assert committed.job(job_id).state == JobState.DONE
    assert len(committed.events(tenant)) == 1


def test_enqueue_refuses_an_unknown_job_and_a_payload_that_is_not_json(
    job_queue, committed
) -> None:
    tenant = committed.tenant("acme")
    with job_queue.session() as db:
        set_tenant(db, tenant.id)
        with pytest.raises(UnknownJob, match="no.such"):
            enqueue(db, tenant, "no.such", {})
        with pytest.raises(ValueError, match="not JSON"):
            enqueue(db, tenant, "worklog.write", {"when": utcnow()})


def test_enqueue_for_another_tenant_is_refused(job_queue, committed) -> None:
    own, other = committed.tenant("own"), committed.tenant("other")
    with job_queue.session() as db:
        set_tenant(db, own.id)
        with pytest.raises(TenantViolation):
            enqueue(db, other, "worklog.write", {"text": "not mine"})


def test_schedulers_run_a_periodic_job_once_per_interval_between_them(job_queue) -> None:
    with job_queue.session() as db:
        db.execute(
            update(PeriodicRun)
            .where(PeriodicRun.name == "worklog.tick")
            .values(last_run_at=utcnow().replace(year=2000))
        )
        db.commit()
    before = len(worklog.TICKS)

    first, second = Scheduler(job_queue), Scheduler(job_queue)
    first.run_due()
    second.run_due()
    first.run_due()

    assert len(worklog.TICKS) == before + 1


def test_the_embedded_queue_starts_with_the_app_and_stops_cleanly(
    app_settings, jobs_registry, db_engine
) -> None:
    before = threading.active_count()
    settings = {**app_settings, **JOB_SETTINGS}
    wsgi = make_config(settings, registry=jobs_registry, engine=db_engine).make_wsgi_app()
    queue = wsgi.registry.myynti_jobs
    assert queue.embedded
    assert threading.active_count() > before + 2  # two workers, their consumers, the scheduler

    queue.stop()

    assert threading.active_count() == before


@pytest.fixture
def messages(job_queue: JobQueue, monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, ...]]:
    """The job ids of each message the queue hands its broker."""
    record: list[tuple[int, ...]] = []
    enqueue_message = job_queue.broker.enqueue

    def recording(message: Any, **options: Any) -> Any:
        record.append(tuple(message.args))
        return enqueue_message(message, **options)

    monkeypatch.setattr(job_queue.broker, "enqueue", recording)
    return record


def test_jobs_started_together_get_a_message_each_and_all_run(
    job_queue, jobs_web, committed, messages
) -> None:
    tenant = committed.tenant("acme")
    with job_queue.session() as db:
        set_tenant(db, tenant.id)
        ids = [enqueue(db, tenant, "worklog.write", {"text": f"job {i}"}) for i in range(120)]
        db.commit()
    job_queue.drain()

    # (A job a busy worker claimed but handed back is sent once more.)
    assert messages[: len(ids)] == [(job_id,) for job_id in ids]
    assert {job_id for message in messages for job_id in message} == set(ids)
    assert {committed.job(job_id).state for job_id in ids} == {JobState.DONE}
    texts = sorted(e.payload["text"] for e in committed.events(tenant))
    assert texts == sorted(f"job {i}" for i in range(120))


def test_a_failing_job_in_a_batch_undoes_only_its_own_work(job_queue, committed) -> None:
    tenant = committed.tenant("acme")
    flaky = f"flaky in a batch {committed.suffix}"
    with job_queue.session() as db:
        set_tenant(db, tenant.id)
        first = enqueue(db, tenant, "worklog.write", {"text": "before"})
        failing = enqueue(db, tenant, "worklog.write", {"text": flaky, "fail_times": 1})
        last = enqueue(db, tenant, "worklog.write", {"text": "after"})
        db.commit()
    job_queue.drain()

    attempts = {job_id: committed.job(job_id).attempts for job_id in (first, failing, last)}
    assert attempts == {first: 1, failing: 2, last: 1}
    assert committed.job(failing).state == JobState.DONE
    assert worklog.CALLS[flaky] == 2
    texts = sorted(e.payload["text"] for e in committed.events(tenant))
    assert texts == sorted(["before", flaky, "after"])


def test_a_message_runs_other_due_jobs_too(job_queue, committed) -> None:
    """A job whose message is lost runs with the next message's batch, before any sweep."""
    tenant = committed.tenant("acme")
    with messages_lost(job_queue):
        lost = start(job_queue, tenant, "worklog.write", {"text": "lost"})
    job_queue.drain()
    assert committed.job(lost).state == JobState.PENDING

    start(job_queue, tenant, "worklog.write", {"text": "sent"})
    job_queue.drain()

    assert (committed.job(lost).state, committed.job(lost).attempts) == (JobState.DONE, 1)
    assert sorted(e.payload["text"] for e in committed.events(tenant)) == ["lost", "sent"]


def test_each_job_of_a_message_with_two_tenants_runs_as_its_own(
    job_queue, committed, db_engine, messages
) -> None:
    own, other = committed.tenant("own"), committed.tenant("other")
    start(job_queue, other, "worklog.write", {"text": "secret of other"})
    job_queue.drain()
    how = "sql" if db_engine.dialect.name == "postgresql" else "orm"

    with job_queue.session() as db, all_tenants(db):
        peek = enqueue(db, own, "worklog.peek", {"other": other.id})
        trespass = enqueue(db, own, "worklog.trespass", {"other": other.id, "how": how})
        write = enqueue(db, other, "worklog.write", {"text": "other's own"})
        db.commit()
    job_queue.drain()

    assert {(peek,), (trespass,), (write,)} <= set(messages)
    (seen,) = [e.payload for e in committed.events(own)]
    assert seen["orm"] == 0
    if how == "sql":
        assert seen["sql"] == 0
    assert committed.job(trespass).state == JobState.FAILED
    assert committed.job(write).state == JobState.DONE
    texts = sorted(e.payload["text"] for e in committed.events(other))
    assert texts == ["other's own", "secret of other"]


def test_a_message_of_jobs_this_worker_has_done_costs_no_query(
    job_queue, committed, db_engine
) -> None:
    if db_engine.dialect.name != "postgresql":
        pytest.skip("SQLite may give a new job the id of a deleted one: every message is looked up")
    tenant = committed.tenant("acme")
    job_id = start(job_queue, tenant, "worklog.write", {"text": "once"})
    job_queue.drain()
    statements: list[str] = []
    here = threading.get_ident()

    def count(*args: Any) -> None:
        if threading.get_ident() == here:
            statements.append(args[2])

    event.listen(db_engine, "before_cursor_execute", count)
    try:
        job_queue._receive(job_id)
    finally:
        event.remove(db_engine, "before_cursor_execute", count)

    assert statements == []
    assert committed.job(job_id).attempts == 1
    assert len(committed.events(tenant)) == 1


def test_a_worker_claims_short_jobs_many_at_a_time_and_long_ones_alone() -> None:
    pace = Pace()
    for _ in range(30):
        pace.record(MAX_CLAIM, 0.05)  # a millisecond a job
    assert pace.more(1) == MAX_CLAIM - 1

    for _ in range(30):
        pace.record(1, 2.0)  # two seconds a job
    assert pace.more(1) == 0
