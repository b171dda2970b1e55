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
    """``start()``: a ``myynti worker`` process on the settings; stopped afterwards."""
    ini = tmp_path / "worker.ini"
    ini.write_text(
        "[app:main]\nuse = egg:myynti\n"
        + "".join(f"{key} = {value}\n" for key, value in worker_settings.items())
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("MYYNTI_")}
    started: list[subprocess.Popen[str]] = []

    def start() -> subprocess.Popen[str]:
        myynti = Path(sys.executable).parent / "myynti"
        process = subprocess.Popen(
            [str(myynti), "--config", str(ini), "worker", "--threads", "2"],
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


def wait_until_done(queue: JobQueue, job_ids: list[int], timeout: float = 30) -> dict[int, Job]:
    deadline = time.monotonic() + timeout
    while True:
        with queue.session() as db, all_tenants(db):
            jobs = {job.id: job for job in db.scalars(select(Job).where(Job.id.in_(job_ids)))}
        if all(job.state == JobState.DONE for job in jobs.values()):
            return jobs
        assert time.monotonic() < deadline, {i: j.state for i, j in jobs.items()}
        time.sleep(0.05)


def test_a_worker_process_runs_jobs_and_the_sweep_recovers_a_lost_message(
    worker_settings, worker_process, myynti_registry, db_engine, committed
) -> None:
    web = JobQueue(worker_settings, myynti_registry, db_engine)
    tenant = committed.tenant("acme", plugins=())

    def start_ping() -> int:
        with web.session() as db:
            set_tenant(db, tenant.id)
            job_id = enqueue(db, tenant, PING)
            db.commit()
        return job_id

    worker = worker_process()
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
