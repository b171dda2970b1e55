"""Throughput of a no-op outbox job end to end: enqueue in a transaction, until it is done.

    python bench/jobs_throughput.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        --broker-url redis://127.0.0.1:6379/0

Makes a throwaway database with a role that is neither superuser nor owner
of row-level security (dropped afterwards), or a temporary SQLite file
without ``--database-url``; starts one ``myynti worker`` process on the Redis
broker; then ``--producers`` threads each commit jobs the way a request does
(a zope transaction whose commit sends the message), and the clock runs from
the first enqueue until the outbox shows the last job done. A second round
times the worker alone: it is paused (SIGSTOP) while the jobs are enqueued,
and the clock runs from its resumption.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import redis
import transaction
from sqlalchemy import Engine, func, select, text

from core.db import all_tenants, make_engine, set_tenant, tm_session
from core.jobs import PING, JobQueue, enqueue
from core.models import Job, JobState, Tenant
from core.plugins import PluginRegistry
from core.schema import upgrade
from core.testing import PostgresScratchDatabase


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a PostgreSQL server URL (a superuser)")
    parser.add_argument("--broker-url", required=True, help="redis://host:port/db")
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=8, help="the worker's threads")
    parser.add_argument("--producers", type=int, default=4, help="threads that enqueue")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        if args.database_url:
            url = stack.enter_context(PostgresScratchDatabase(args.database_url))
        else:
            url = f"sqlite:///{tmp}/bench.sqlite"
        run(url, args, Path(tmp))


def run(url: str, args: argparse.Namespace, tmp: Path) -> None:
    namespace = f"myynti_bench_{uuid.uuid4().hex[:8]}"
    settings = {
        "sqlalchemy.url": url,
        "myynti.data_dir": str(tmp),
        "myynti.secret": "s" * 40,
        "myynti.broker_url": args.broker_url,
        "myynti.broker_namespace": namespace,
        "myynti.worker_threads": str(args.threads),
    }
    registry = PluginRegistry.from_environment()
    engine = make_engine(url, pool_size=args.producers + 2)
    upgrade(engine, registry)
    web = JobQueue(settings, registry, engine)
    with web.session() as db:
        tenant = Tenant(slug="bench", name="Bench Oy", licence={})
        db.add(tenant)
        db.commit()
    worker = start_worker(settings, tmp)
    try:
        produce(web, tenant.id, 1)
        wait_for_done(web, 1)  # the worker is up
        started = time.perf_counter()
        enqueue_seconds = produce(web, tenant.id, args.jobs, args.producers)
        wait_for_done(web, args.jobs + 1)
        seconds = time.perf_counter() - started
        # The worker alone: the same number of jobs waiting in Redis when it resumes.
        worker.send_signal(signal.SIGSTOP)
        produce(web, tenant.id, args.jobs, args.producers)
        worker.send_signal(signal.SIGCONT)
        resumed = time.perf_counter()
        wait_for_done(web, 2 * args.jobs + 1)
        worker_seconds = time.perf_counter() - resumed
    finally:
        worker.send_signal(signal.SIGCONT)
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
        client = redis.Redis.from_url(args.broker_url)
        for key in client.scan_iter(f"{namespace}*"):
            client.delete(key)
    what, size = data_size(engine)
    total = 2 * args.jobs + 1
    print(f"database        {engine.dialect.name}, broker redis, 1 worker process")
    print(f"                {args.threads} worker threads, {args.producers} producer threads")
    print(f"jobs            {args.jobs}")
    print(f"end to end      {seconds:.2f} s, {args.jobs / seconds:.0f} jobs/s")
    print(f"  enqueueing    {enqueue_seconds:.2f} s, {args.jobs / enqueue_seconds:.0f} jobs/s")
    print(f"worker alone    {worker_seconds:.2f} s, {args.jobs / worker_seconds:.0f} jobs/s")
    print(f"data            {what} {size / 1e6:.1f} MB for {total} jobs, {size / total:.0f} B each")
    print(f"message         {len(web.actor.message(1).encode())} bytes")
    engine.dispose()


def start_worker(settings: dict[str, str], tmp: Path) -> subprocess.Popen[bytes]:
    ini = tmp / "bench.ini"
    ini.write_text(
        "[app:main]\nuse = egg:myynti\n" + "".join(f"{k} = {v}\n" for k, v in settings.items())
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("MYYNTI_")}
    myynti = Path(sys.executable).parent / "myynti"
    return subprocess.Popen(
        [str(myynti), "--config", str(ini), "worker"], env=env, stdout=subprocess.DEVNULL
    )


def produce(web: JobQueue, tenant_id: int, count: int, threads: int = 1) -> float:
    """Enqueue ``count`` jobs, one transaction each, from ``threads`` threads; seconds."""

    def one_thread(share: int) -> None:
        manager = transaction.TransactionManager(explicit=True)
        for _ in range(share):
            with manager:
                db = tm_session(web.session_factory, manager)
                set_tenant(db, tenant_id)
                enqueue(db, tenant_id, PING)

    started = time.perf_counter()
    shares = [count // threads + (i < count % threads) for i in range(threads)]
    workers = [threading.Thread(target=one_thread, args=(share,)) for share in shares]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return time.perf_counter() - started


def wait_for_done(web: JobQueue, count: int, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    done = select(func.count()).select_from(Job).where(Job.state == JobState.DONE)
    while True:
        with web.session() as db, all_tenants(db):
            if db.scalar(done) >= count:
                return
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out: fewer than {count} jobs done")
        time.sleep(0.01)


def data_size(engine: Engine) -> tuple[str, int]:
    """What holds the outbox, and its size in bytes (indexes included)."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            size = conn.execute(text("SELECT pg_total_relation_size('job')")).scalar()
            return "job table", size
    return "database file", Path(engine.url.database).stat().st_size


if __name__ == "__main__":
    main()
