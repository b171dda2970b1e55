"""Throughput of no-op outbox jobs end to end: enqueued by requests to the app, until done.

    python bench/jobs_throughput.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        --broker-url redis://127.0.0.1:6379/0

Makes a throwaway PostgreSQL database with a role that is neither superuser
nor owner of row-level security (dropped afterwards); starts one ``myynti
worker`` process on the Redis broker; then ``--web-processes`` processes
(as a production site runs several), each with the WSGI app (every
installed plugin) and ``--producers`` threads signed in as a tenant admin,
post to a page that starts no-op jobs (``core.ping``): the request's
transaction writes the rows and its commit sends the message. The clock runs
from the first request until the outbox shows the last job done.

Four rounds of ``--jobs`` jobs each: one job per request, then ``--batch``
jobs per request; and each of those again with the worker alone, paused
(SIGSTOP) while the requests are made, the clock running from its
resumption. CPU seconds per 1000 jobs are read from ``/proc`` for the web
processes (the requests), the worker, the database's server processes of
this benchmark and the Redis server.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import redis
import webtest
from jobs_bench import plugin as jobs_bench
from sqlalchemy import Engine, func, select, text

from core.app import make_config
from core.db import all_tenants, make_engine, make_session_factory
from core.models import Job, JobState, Membership, Role, Tenant, User
from core.passwords import hash_password
from core.plugins import PluginRegistry
from core.schema import upgrade
from core.testing import PASSWORD, PostgresScratchDatabase

EMAIL = "bench@jobs.example"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", required=True, help="a PostgreSQL server URL (a superuser)"
    )
    parser.add_argument("--broker-url", required=True, help="redis://host:port/db")
    parser.add_argument("--jobs", type=int, default=10_000, help="jobs per round")
    parser.add_argument("--batch", type=int, default=10, help="jobs per request, batch rounds")
    parser.add_argument("--threads", type=int, default=8, help="the worker's threads")
    parser.add_argument("--web-processes", type=int, default=2, help="processes serving requests")
    parser.add_argument(
        "--producers", type=int, default=2, help="threads making requests, in each web process"
    )
    args = parser.parse_args()
    if args.jobs % args.batch:
        parser.error("--jobs must be a multiple of --batch")
    with tempfile.TemporaryDirectory() as tmp, PostgresScratchDatabase(args.database_url) as url:
        run(url, args, Path(tmp))


@dataclass
class Round:
    label: str
    jobs: int
    per_request: int
    seconds: float
    requests_seconds: float
    cpu: dict[str, float]


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
    engine = make_engine(url)
    upgrade(engine, registry())
    slug = set_up_tenant(engine)
    engine.dispose()  # the web processes start from no open connection
    web = [WebProcess(settings, slug, args.producers) for _ in range(args.web_processes)]
    worker = start_worker(settings, tmp)
    rounds: list[Round] = []
    try:
        post_jobs(web[:1], 1, 1)
        wait_for_done(engine)  # the worker is up
        for per_request in (1, args.batch):
            what = "1 job per request" if per_request == 1 else f"{per_request} jobs per request"
            with cpu_of(engine, worker.pid, web) as cpu:
                started = time.perf_counter()
                requests_seconds = post_jobs(web, args.jobs, per_request)
                wait_for_done(engine)
                seconds = time.perf_counter() - started
            rounds.append(
                Round(f"end to end, {what}", args.jobs, per_request, seconds, requests_seconds, cpu)
            )
            worker.send_signal(signal.SIGSTOP)
            requests_seconds = post_jobs(web, args.jobs, per_request)
            with cpu_of(engine, worker.pid, web) as cpu:
                worker.send_signal(signal.SIGCONT)
                resumed = time.perf_counter()
                wait_for_done(engine)
                seconds = time.perf_counter() - resumed
            rounds.append(Round(f"worker alone, {what}", args.jobs, per_request, seconds, 0, cpu))
    finally:
        for process in web:
            process.stop()
        worker.send_signal(signal.SIGCONT)
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
        client = redis.Redis.from_url(args.broker_url)
        for key in client.scan_iter(f"{namespace}*"):
            client.delete(key)
    report(engine, args, rounds)
    engine.dispose()


def registry() -> PluginRegistry:
    """Every installed plugin, and the benchmark's own."""
    return PluginRegistry([*PluginRegistry.from_environment().plugins, jobs_bench])


def set_up_tenant(engine: Engine) -> str:
    with make_session_factory(engine).begin() as db, all_tenants(db):
        tenant = Tenant(slug="bench", name="Bench Oy", licence={})
        user = User(email=EMAIL, name="Bench", password_hash=hash_password(PASSWORD))
        db.add_all([tenant, user])
        db.flush()
        db.add(Membership(tenant_id=tenant.id, user_id=user.id, role=Role.ADMIN))
        db.flush()
    return tenant.slug


def signed_in(app: object) -> webtest.TestApp:
    client = webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "192.0.2.50"})
    form = client.get("/login").forms["login-form"]
    form["email"], form["password"] = EMAIL, PASSWORD
    assert form.submit().status_int == 303, "cannot sign in"
    return client


class WebProcess:
    """A process serving the app to ``producers`` signed-in threads, posting on command."""

    def __init__(self, settings: dict[str, str], slug: str, producers: int) -> None:
        self._pipe, child = multiprocessing.get_context("fork").Pipe()
        self.process = multiprocessing.get_context("fork").Process(
            target=serve, args=(child, settings, slug, producers), daemon=True
        )
        self.process.start()
        if self._pipe.recv() != "ready":
            raise SystemExit("a web process did not start")

    @property
    def pid(self) -> int:
        return self.process.pid

    def start_posting(self, requests: int, per_request: int) -> None:
        self._pipe.send((requests, per_request))

    def wait(self) -> None:
        """Until the posting is over; exits if a request failed."""
        failure = self._pipe.recv()
        if failure is not None:
            raise SystemExit(f"a request failed: {failure}")

    def stop(self) -> None:
        self._pipe.send(None)
        self.process.join(timeout=30)


def serve(pipe: Connection, settings: dict[str, str], slug: str, producers: int) -> None:
    """The web process: one app, ``producers`` clients; post what the pipe asks."""
    engine = make_engine(settings["sqlalchemy.url"], pool_size=producers + 2)
    app = make_config(settings, registry=registry(), engine=engine).make_wsgi_app()
    clients = [signed_in(app) for _ in range(producers)]
    pipe.send("ready")
    while (order := pipe.recv()) is not None:
        requests, per_request = order
        try:
            post_from_threads(clients, slug, requests, per_request)
        except Exception as exc:
            pipe.send(repr(exc))
        else:
            pipe.send(None)
    app.registry.myynti_jobs.stop()
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


def post_jobs(web: list[WebProcess], jobs: int, per_request: int) -> float:
    """Start ``jobs`` jobs, ``per_request`` in each request, shared by the web processes."""
    started = time.perf_counter()
    for process, share in zip(web, shares(-(-jobs // per_request), len(web)), strict=True):
        process.start_posting(share, per_request)
    for process in web:
        process.wait()
    return time.perf_counter() - started


def shares(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` shares that differ by one at most."""
    return [total // parts + (i < total % parts) for i in range(parts)]


def post_from_threads(
    clients: list[webtest.TestApp], slug: str, requests: int, per_request: int
) -> None:
    """Make ``requests`` requests, one client per thread."""
    failures: list[BaseException] = []

    def one_thread(client: webtest.TestApp, share: int) -> None:
        token = client.cookies["myynti_csrf"]
        try:
            for _ in range(share):
                client.post(f"/t/{slug}/bench/jobs", {"count": per_request, "csrf_token": token})
        except Exception as exc:
            failures.append(exc)

    producers = [
        threading.Thread(target=one_thread, args=(client, share))
        for client, share in zip(clients, shares(requests, len(clients)), strict=True)
    ]
    for thread in producers:
        thread.start()
    for thread in producers:
        thread.join()
    if failures:
        raise failures[0]


def wait_for_done(engine: Engine, timeout: float = 900) -> None:
    """Until no job is pending or running (the requests have all committed by now)."""
    deadline = time.monotonic() + timeout
    unfinished = select(Job.id).where(Job.state.in_((JobState.PENDING, JobState.RUNNING))).limit(1)
    factory = make_session_factory(engine)
    while True:
        with factory() as db, all_tenants(db):
            if db.scalar(unfinished) is None:
                return
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for the jobs")
        time.sleep(0.02)


@contextmanager
def cpu_of(engine: Engine, worker_pid: int, web: list[WebProcess]) -> Iterator[dict[str, float]]:
    """CPU seconds used inside the block by each part, filled in when it ends."""
    parts: dict[str, Callable[[], list[int]]] = {
        "web processes": lambda: [process.pid for process in web],
        "worker process": lambda: [worker_pid],
        "database server": lambda: database_pids(engine),
        "redis server": redis_pids,
    }
    before = {name: cpu_seconds(pids()) for name, pids in parts.items()}
    found: dict[str, float] = {}
    yield found
    for name, pids in parts.items():
        after = cpu_seconds(pids())
        found[name] = sum(used - before[name].get(pid, 0) for pid, used in after.items())


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User and system CPU seconds of each process so far."""
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
    return found


def database_pids(engine: Engine) -> list[int]:
    """The server processes of this benchmark's database."""
    with engine.connect() as conn:
        query = "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        return list(conn.execute(text(query)).scalars())


def redis_pids() -> list[int]:
    return [
        int(entry.name)
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and _comm(entry) == "redis-server"
    ]


def _comm(entry: Path) -> str:
    try:
        return (entry / "comm").read_text().strip()
    except OSError:
        return ""


def report(engine: Engine, args: argparse.Namespace, rounds: list[Round]) -> None:
    with make_session_factory(engine)() as db, all_tenants(db):
        states = dict(db.execute(select(Job.state, func.count()).group_by(Job.state)).all())
    total = sum(states.values())
    size = data_size(engine)
    print("database        postgresql, broker redis, 1 worker process")
    print(
        f"                {args.threads} worker threads; {args.web_processes} web processes"
        f" with {args.producers} threads making requests each"
    )
    print(f"jobs            {args.jobs} per round; {total} in the outbox: {states}")
    print(f"data            job table {size / 1e6:.1f} MB, {size / total:.0f} B a job")
    print(f"load average    {Path('/proc/loadavg').read_text().strip()}")
    for done in rounds:
        print()
        print(f"{done.label}: {done.seconds:.2f} s, {done.jobs / done.seconds:.0f} jobs/s")
        if done.requests_seconds:
            made = -(-done.jobs // done.per_request)
            print(
                f"  requests      {made} in {done.requests_seconds:.2f} s,"
                f" {made / done.requests_seconds:.0f} requests/s"
            )
        print(
            "  CPU s per 1000 jobs: "
            + ", ".join(
                f"{name} {seconds * 1000 / done.jobs:.2f}" for name, seconds in done.cpu.items()
            )
        )


def data_size(engine: Engine) -> int:
    """The outbox's size in bytes, indexes included."""
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_total_relation_size('job')")).scalar()


if __name__ == "__main__":
    main()
