"""A real ``myynti worker`` process with Redis as the broker (set MYYNTI_TEST_REDIS_URL).

The test process plays the web app: it commits jobs (the worker sees only
committed rows), sends their messages to Redis, and runs the outbox sweep;
the worker runs in its own process from the console script, like in production.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import select

from core.db import all_tenants, set_tenant
from core.jobs import PING, JobQueue, enqueue
from core.jobs.outbox import sweep
from core.models import Job, JobState

REDIS_ENV = "MYYNTI_TEST_REDIS_URL"
#: ``myynti`` as its console script runs it, with the ``worklog`` test plugin installed too.
WORKER_WITH_WORKLOG = """
import sys
from core.cli import Runtime, main
from core.plugins import CORE_PLUGIN, PluginRegistry
from tests.job_plugins.worklog import plugin
main.main(sys.argv[1:], obj=Runtime(registry_factory=lambda: PluginRegistry([CORE_PLUGIN, plugin])))
"""


@pytest.fixture
def broker_settings() -> Iterator[dict[str, str]]:
    """Redis settings under a key namespace of this test's own, deleted afterwards."""
    url = os.environ.get(REDIS_ENV)
    if not url:
        pytest.skip(f"{REDIS_ENV} is not set")
    namespace = f"myynti_test_{uuid.uuid4().hex[:10]}"
    yield {"myynti.broker_url": url, "myynti.broker_namespace": namespace}
    client = redis.Redis.from_url(url)
    for key in client.scan_iter(f"{namespace}*"):
        client.delete(key)
    client.close()


@pytest.fixture
def worker_settings(broker_settings, db_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        **broker_settings,
        "sqlalchemy.url": db_url,
        "myynti.data_dir": str(tmp_path),
        "myynti.secret": "s" * 40,
        "myynti.worker_threads": "2",
        "myynti.job_stale_after": "1",
    }


@pytest.fixture
def worker_process(worker_settings, tmp_path: Path) -> Iterator[Any]:
    """``start(threads, worklog, **settings)``: a ``myynti worker`` process; killed afterwards."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MYYNTI_")}
    started: list[subprocess.Popen[str]] = []

    def start(threads: int = 2, worklog: bool = True, **settings: str) -> subprocess.Popen[str]:
        """The console script in a process of its own; or the same CLI with the test
        plugin ``worklog`` installed too."""
        ini = tmp_path / f"worker{len(started)}.ini"
        lines = (f"{key} = {value}\n" for key, value in {**worker_settings, **settings}.items())
        ini.write_text("[app:main]\nuse = egg:myynti\n" + "".join(lines))
        args = ["--config", str(ini), "worker", "--threads", str(threads)]
        if worklog:
            command = [sys.executable, "-c", WORKER_WITH_WORKLOG, *args]
        else:
            command = [str(Path(sys.executable).parent / "myynti"), *args]
        process = subprocess.Popen(
            command,
            cwd=Path(__file__).parents[1],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def needs_postgresql(engine: Any) -> None:
    """SQLite lets one transaction write at a time, and a job's transaction holds the write
    lock while the job runs: jobs cannot run side by side there, nor be seen running."""
    if engine.dialect.name != "postgresql":
        pytest.skip("on SQLite one job transaction runs at a time, holding the write lock")


def jobs_of(queue: JobQueue, job_ids: list[int]) -> dict[int, Job]:
    with queue.session() as db, all_tenants(db):
        return {job.id: job for job in db.scalars(select(Job).where(Job.id.in_(job_ids)))}


def wait_until(
    queue: JobQueue, job_ids: list[int], state: str = JobState.DONE, timeout: float = 30
) -> dict[int, Job]:
    """The jobs once every one of them is in ``state``."""
    deadline = time.monotonic() + timeout
    while True:
        jobs = jobs_of(queue, job_ids)
        if all(job.state == state for job in jobs.values()):
            return jobs
        assert time.monotonic() < deadline, {i: j.state for i, j in jobs.items()}
        time.sleep(0.02)


def wait_until_done(queue: JobQueue, job_ids: list[int], timeout: float = 30) -> dict[int, Job]:
    return wait_until(queue, job_ids, JobState.DONE, timeout)


def start_jobs(
    queue: JobQueue, tenant: Any, name: str, payloads: list[dict[str, Any]]
) -> list[int]:
    """Start jobs the way one request does: in one transaction, sent once it commits."""
    with queue.session() as db:
        set_tenant(db, tenant.id)
        job_ids = [enqueue(db, tenant, name, payload) for payload in payloads]
        db.commit()
    return job_ids


def test_a_worker_process_runs_jobs_and_the_sweep_recovers_a_lost_message(
    worker_settings, worker_process, jobs_registry, db_engine, committed
) -> None:
    web = JobQueue(worker_settings, jobs_registry, db_engine)
    tenant = committed.tenant("acme", plugins=())

    def start_ping() -> int:
        with web.session() as db:
            set_tenant(db, tenant.id)
            job_id = enqueue(db, tenant, PING)
            db.commit()
        return job_id

    worker = worker_process(worklog=False)
    kept = start_ping()
    assert wait_until_done(web, [kept])[kept].attempts == 1

    web.send = lambda jobs: None  # the broker loses the message
    lost = start_ping()
    del web.send
    time.sleep(0.5)
    with web.session() as db, all_tenants(db):
        assert db.get(Job, lost).state == JobState.PENDING
    time.sleep(web.config.stale_after + 0.1)
    with web.session() as db:
        assert sweep(db) >= 1
        db.commit()
    assert wait_until_done(web, [lost])[lost].attempts == 1

    worker.send_signal(signal.SIGTERM)
    output, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, output
    assert "Running 2 worker threads" in output


def test_the_jobs_of_one_request_are_spread_over_the_worker_threads(
    worker_settings, worker_process, jobs_registry, db_engine, committed
) -> None:
    """Twelve one-second jobs from one request on three threads: about four seconds, not twelve."""
    needs_postgresql(db_engine)
    web = JobQueue(worker_settings, jobs_registry, db_engine)
    tenant = committed.tenant("acme")
    worker = worker_process(threads=3)
    (warm,) = start_jobs(web, tenant, PING, [{}])  # the worker is up, and has seen a short job
    wait_until_done(web, [warm])

    started = time.monotonic()
    job_ids = start_jobs(
        web, tenant, "worklog.linger", [{"text": f"slow {i}", "seconds": 1} for i in range(12)]
    )
    jobs = wait_until_done(web, job_ids)
    took = time.monotonic() - started

    # Four rounds of three, and at most one job's length more while a thread
    # that claimed several hands back those it has not started.
    assert took < 7.0, f"{took:.1f} s"
    assert {job.attempts for job in jobs.values()} == {1}
    print(f"12 one-second jobs of one request on 3 threads: {took:.1f} s")
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0


def test_the_jobs_of_a_killed_worker_come_back_after_its_lease_not_after_stale_after(
    worker_settings, worker_process, jobs_registry, db_engine, committed
) -> None:
    needs_postgresql(db_engine)
    lease = {"myynti.job_lease": "2", "myynti.job_stale_after": "900"}
    web = JobQueue({**worker_settings, **lease}, jobs_registry, db_engine)
    tenant = committed.tenant("acme")
    doomed = worker_process(threads=1, **lease)
    (job_id,) = start_jobs(web, tenant, "worklog.linger", [{"text": "outlives", "seconds": 2}])
    wait_until(web, [job_id], JobState.RUNNING)

    doomed.kill()
    doomed.wait()
    killed = time.monotonic()
    with web.session() as db:
        assert sweep(db) == 0  # its worker was seen alive less than a lease ago
        db.commit()
    assert jobs_of(web, [job_id])[job_id].state == JobState.RUNNING

    worker_process(threads=1, **lease)
    while True:
        with web.session() as db:
            handed_back = sweep(db)
            db.commit()
        if handed_back:
            break
        assert time.monotonic() - killed < 10, "the dead worker's job did not come back"
        time.sleep(0.2)
    job = wait_until_done(web, [job_id])[job_id]

    assert job.attempts == 2
    assert [e.payload["text"] for e in committed.events(tenant)] == ["outlives"]
    assert time.monotonic() - killed < 15


def test_sigterm_stops_after_the_running_job_and_hands_the_rest_back(
    worker_settings, worker_process, jobs_registry, db_engine, committed, tmp_path: Path
) -> None:
    needs_postgresql(db_engine)
    web = JobQueue(worker_settings, jobs_registry, db_engine)
    tenant = committed.tenant("acme")
    stopping = worker_process(threads=1)
    started = tmp_path / "job 0 started"
    # A fresh worker expects short jobs, so it claims all six at once.
    job_ids = start_jobs(
        web,
        tenant,
        "worklog.linger",
        [{"text": "job 0", "seconds": 0.5, "started_file": str(started)}]
        + [{"text": f"job {i}", "seconds": 0.3} for i in range(1, 6)],
    )
    deadline = time.monotonic() + 30
    while not started.exists():
        assert time.monotonic() < deadline, "job 0 never started"
        time.sleep(0.01)

    stopping.send_signal(signal.SIGTERM)
    output, _ = stopping.communicate(timeout=30)

    assert stopping.returncode == 0, output
    jobs = jobs_of(web, job_ids)
    assert [(jobs[i].state, jobs[i].attempts) for i in job_ids] == [(JobState.DONE, 1)] + [
        (JobState.PENDING, 0)
    ] * 5
    assert [e.payload["text"] for e in committed.events(tenant)] == ["job 0"]

    worker_process(threads=1)  # the handed-back jobs' messages wait in Redis for it
    jobs = wait_until_done(web, job_ids)
    assert {job.attempts for job in jobs.values()} == {1}
    assert sorted(e.payload["text"] for e in committed.events(tenant)) == [
        f"job {i}" for i in range(6)
    ]
