"""The app's main pages beside a bare Pyramid + Chameleon page, served by gunicorn.

    python bench/pages.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    python bench/pages.py --database-url ... --sizes 1000,100000,1000000 --duration 10
    python bench/pages.py --database-url ... --sizes 1000 --write-every 0.1

A scratch PostgreSQL database owned by a new non-superuser role (row-level security
in force, as in production) holds tenant ``demo`` (every plugin, its demo data) and
one tenant per ``--sizes`` entry, each with that many customers and tasks, a tenth as
many contact requests and half as many activities, inserted by the database itself
(``INSERT … SELECT … generate_series``), then ``VACUUM ANALYZE``. Three gunicorn
servers with ``--workers`` sync workers each serve the bare page and the app twice; a
member of every tenant is signed in once and their cookie sent with each request.

Each page is served twice over: by ``app``, which keeps pages per process while their
tenant's data stand still (``core.page_cache``: what a user looking at the same pages
again gets), and by ``built``, the same app with no pages kept, so each request builds its
page (what the first look after a change costs).

1. Throughput: ``wrk -c16`` (or, without wrk, a Python load generator) against the
   bare page and each main page of ``demo`` in turn, on both servers, the bare page
   measured before and after; printed side by side with each page's share of the bare
   page's req/s and its CPU per request. Floor (issue 15): every main page at least 10 %.
   ``--write-every S`` changes one of demo's customers every S seconds meanwhile, so the
   kept pages are built again after each write, as in a tenant at work.
2. One connection: the median time of each page of ``demo``, kept and built.
3. The curve: the median time of each page built, with one connection, in each sized
   tenant, and its ratio to the smallest. Floor: within 2x of the time at 1,000 rows.

``uptime`` is printed at the start and the end: the machine is shared, so compare the
ratios, measured in the same run, rather than the absolute figures.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

from core.db import all_tenants, make_engine, make_session_factory, set_tenant
from core.licensing import enable_plugin
from core.models import Membership, Role, Team, TeamMember, Tenant, User
from core.passwords import hash_password
from core.plugins import PluginRegistry
from core.schema import upgrade
from plugins.workflow import open_counts

BENCH_DIR = Path(__file__).resolve().parent
EMAIL = "myyja@bench.example"
PASSWORD = "bench-password-123"  # noqa: S105 - a throwaway user of a throwaway database
PAGES = {
    "customer list": "/t/{slug}/customers",
    "requests": "/t/{slug}/requests",
    "task list": "/t/{slug}/tasks",
    "board": "/t/{slug}/board",
    "my work": "/t/{slug}/my-work",
    "tenant home": "/t/{slug}/",
    "customer page": "/t/{slug}/customers/{customer}",
}
#: Each tenant's customer whose page is timed (its first), by slug; set by ``set_up``.
CUSTOMERS: dict[str, int] = {}
RATIO_FLOOR = 0.10
CURVE_FLOOR = 2.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL superuser URL")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--sizes", default="1000,100000", help="rows per sized tenant")
    parser.add_argument("--samples", type=int, default=40, help="requests per curve point")
    parser.add_argument("--python-load", action="store_true", help="ignore wrk if installed")
    parser.add_argument("--curve-only", action="store_true", help="skip throughput")
    parser.add_argument(
        "--write-every",
        type=float,
        default=0.0,
        help="seconds between writes to tenant demo during the throughput runs (0: none)",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    print(f"start: {uptime()}")
    with scratch_database(args.database_url) as (app_url, admin_url):
        started = time.perf_counter()
        set_up(app_url, admin_url, sizes)
        print(f"data ready in {time.perf_counter() - started:.0f} s: {uptime()}")
        with tempfile.TemporaryDirectory() as data_dir, servers(app_url, data_dir, args) as ports:
            bare_port, app_port, built_port = ports
            cookie = sign_in(app_port)
            if not args.curve_only:
                with writes(admin_url, args.write_every):
                    throughput(args, bare_port, {"kept": app_port, "built": built_port}, cookie)
                one_connection({"kept": app_port, "built": built_port}, cookie, args.samples)
            curve(built_port, cookie, sizes, args.samples)
    print(f"end: {uptime()}")


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


# --- the database ------------------------------------------------------------------


@contextmanager
def scratch_database(admin_url: str) -> Iterator[tuple[str, str]]:
    """A new database owned by a new role that is neither superuser nor BYPASSRLS.

    Yields the app's URL (that role) and a superuser URL of the same database.
    """
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    suffix = uuid.uuid4().hex[:8]
    name = role = f"myynti_bench_pages_{suffix}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS")
        conn.exec_driver_sql(f"CREATE DATABASE {name} OWNER {role}")
    url = make_url(admin_url)
    try:
        yield (
            url.set(database=name, username=role, password=None).render_as_string(False),
            url.set(database=name).render_as_string(False),
        )
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.exec_driver_sql(f"DROP ROLE IF EXISTS {role}")
        admin.dispose()


def size_slug(size: int) -> str:
    return f"rows{size}"


def set_up(app_url: str, admin_url: str, sizes: list[int]) -> None:
    """Tenant ``demo`` and one per size, each with every plugin and its demo data."""
    registry = PluginRegistry.from_environment()
    engine = make_engine(app_url)
    upgrade(engine, registry)
    factory = make_session_factory(engine)
    with factory.begin() as db, all_tenants(db):
        user = User(email=EMAIL, name="Maija Myyjä", password_hash=hash_password(PASSWORD))
        db.add(user)
        db.flush()
    for slug in ["demo", *(size_slug(s) for s in sizes)]:
        with factory.begin() as db:
            with all_tenants(db):
                tenant = Tenant(slug=slug, name=f"Bench {slug}", licence={})
                db.add(tenant)
                db.flush()
                for plugin in registry.licensed:
                    enable_plugin(db, registry, tenant, plugin.name, with_dependencies=True)
                db.add(Membership(tenant_id=tenant.id, user_id=user.id, role=Role.MEMBER))
                db.flush()
            set_tenant(db, tenant.id)
            team = Team(name="Itä")
            db.add(team)
            db.flush()
            db.add(TeamMember(team_id=team.id, user_id=user.id))
            db.flush()
            for plugin in registry.licensed:
                registry.call_one(
                    plugin.name, "myynti_demo_data", db=db, tenant=tenant, users=[user]
                )
            tenant_id = tenant.id
        if slug != "demo":
            fill(admin_url, tenant_id, user.id, int(slug.removeprefix("rows")))
    engine.dispose()
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
        rows = conn.exec_driver_sql(
            "SELECT t.slug, min(c.id) FROM tenant t JOIN customer c ON c.tenant_id = t.id"
            " GROUP BY t.slug"
        )
        CUSTOMERS.update({slug: customer for slug, customer in rows})
    admin.dispose()


FILL = (
    # Customers: every 50th the member's.
    """
    INSERT INTO customer (tenant_id, kind, name, name_key, language, visiting_address,
        postal_address, billing_address, custom_values, marketing_consent, version,
        responsible_user_id, created_at, updated_at)
    SELECT :tenant, 'company', 'Asiakas ' || g || ' Oy', 'asiakas ' || g || ' oy', 'fi',
        '{}', '{}', '{}', '{}', false, 1, CASE WHEN g % 50 = 0 THEN :user END, now(), now()
    FROM generate_series(1, :rows) g
    """,
    # Tasks over the first workflow's stages: a fifth open, every 50th the member's.
    """
    INSERT INTO task (tenant_id, workflow_id, stage_id, title, description, customer_id,
        responsible_user_id, priority, due_date, expected_value, source, closed_at,
        board_rank, custom_values, created_at, updated_at, version)
    SELECT :tenant, s.workflow_id, s.id, 'Tehtävä ' || g, '',
        c.first + g % :rows, CASE WHEN g % 50 = 0 THEN :user END, 'normal',
        current_date + g % 90, (g % 5000 + 5) * 100, 'manual',
        CASE WHEN s.kind = 'open' THEN NULL ELSE now() - (g % 1095) * interval '1 day' END,
        g, '{}', now() - (g % 1095) * interval '1 day', now(), 1
    FROM generate_series(1, :rows) g
    CROSS JOIN (SELECT min(id) AS first FROM customer WHERE tenant_id = :tenant) c
    JOIN LATERAL (
        SELECT st.id, st.workflow_id, st.kind FROM workflow_stage st
        WHERE st.tenant_id = :tenant AND st.workflow_id = (
            SELECT id FROM workflow WHERE tenant_id = :tenant ORDER BY position, id LIMIT 1)
        ORDER BY (CASE WHEN g % 5 = 0 THEN st.kind = 'open' ELSE st.kind <> 'open' END) DESC,
            (st.position + g) % 7
        LIMIT 1
    ) s ON true
    """,
    # Activities on half the tasks, due around now, every 50th task's the member's.
    """
    INSERT INTO activity (tenant_id, task_id, type_id, subject, assignee_user_id, due_at,
        done_at, outcome, created_at, version)
    SELECT t.tenant_id, t.id, (SELECT min(id) FROM activity_type WHERE tenant_id = :tenant),
        'Soitto', t.responsible_user_id, now() + (t.id % 60 - 30) * interval '1 day',
        CASE WHEN t.id % 3 = 0 THEN now() END, '', now(), 1
    FROM task t WHERE t.tenant_id = :tenant AND t.id % 2 = 0
    """,
    # Contact requests: a tenth as many.
    """
    INSERT INTO contact_request (tenant_id, source, name, company, email, subject, message,
        extra, converted_to, state, received_at, version)
    SELECT :tenant, 'manual', 'Yhteyshenkilö ' || g, 'Yritys ' || g, 'hlo' || g || '@example.com',
        'Tarjouspyyntö', '', '{}', '{}', 'new', now() - g * interval '1 minute', 1
    FROM generate_series(1, :rows / 10) g
    """,
)


def fill(admin_url: str, tenant_id: int, user_id: int, rows: int) -> None:
    """``rows`` customers and tasks (and more) for the tenant, set-based, as a superuser."""
    started = time.perf_counter()
    admin = make_engine(admin_url)
    with admin.begin() as conn:
        for statement in FILL:
            conn.execute(text(statement), {"tenant": tenant_id, "user": user_id, "rows": rows})
        # Tasks written with SQL raise no ORM events: count them as a repair would.
        open_counts.rebuild(conn, tenant_id)
    admin.dispose()
    print(
        f"  filled {size_slug(rows)}: {rows:,} rows each in {time.perf_counter() - started:.0f} s"
    )


@contextmanager
def writes(admin_url: str, every: float) -> Iterator[None]:
    """Change one of tenant demo's customers every ``every`` seconds meanwhile (0: never).

    Each write moves the tenant's data version, so every kept page of it is built
    again on its next request, as it would be in a tenant whose people are at work.
    """
    if every <= 0:
        yield
        return
    stop = threading.Event()
    done = [0]

    def write() -> None:
        admin = make_engine(admin_url)
        while not stop.wait(every):
            with admin.begin() as conn:
                conn.execute(
                    text("UPDATE customer SET updated_at = now() WHERE id = :id"),
                    {"id": CUSTOMERS["demo"]},
                )
            done[0] += 1
        admin.dispose()

    thread = threading.Thread(target=write)
    thread.start()
    started = time.monotonic()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        seconds = time.monotonic() - started
        print(f"{done[0]} writes to tenant demo in {seconds:.0f} s ({done[0] / seconds:.1f}/s)")


# --- the servers -------------------------------------------------------------------


@contextmanager
def servers(
    app_url: str, data_dir: str, args: argparse.Namespace
) -> Iterator[tuple[int, int, int]]:
    """gunicorn serving the bare page, the app and the app building every page.

    ``--workers`` each; stopped afterwards.
    """
    env = {
        **os.environ,
        "MYYNTI_BENCH_URL": app_url,
        "MYYNTI_BENCH_DATA_DIR": data_dir,
        "MYYNTI_BENCH_SECRET": "bench-" + uuid.uuid4().hex * 2,
    }
    started = []
    ports = (free_port(), free_port(), free_port())
    try:
        for port, wsgi in zip(ports, [f"pages_wsgi:{name}" for name in SERVERS], strict=True):
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--chdir",
                    str(BENCH_DIR),
                    "--workers",
                    str(args.workers),
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--log-level",
                    "warning",
                    wsgi,
                ],
                env=env,
            )
            started.append(process)
            wait_for(port)
        yield ports
    finally:
        for process in started:
            process.send_signal(signal.SIGTERM)
        for process in started:
            process.wait(timeout=30)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/login")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn on port {port} did not start")


def sign_in(port: int) -> str:
    """The Cookie header of the member, signed in through the login form."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{port}"
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page
    )
    assert token, "no CSRF token on the login page"
    body = urllib.parse.urlencode(
        {"email": EMAIL, "password": PASSWORD, "csrf_token": token.group(1)}
    ).encode()
    opener.open(f"{base}/login", body).read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    status, _ = get(port, PAGES["tenant home"].format(slug="demo"), cookie)
    assert status == 200, f"sign-in failed: the tenant home answered {status}"
    return cookie


def get(port: int, path: str, cookie: str, conn: Any = None) -> tuple[int, float]:
    """Status and milliseconds of one GET (on ``conn`` if given, kept alive)."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    started = time.perf_counter()
    conn.request("GET", path, headers={"Cookie": cookie})
    response = conn.getresponse()
    response.read()
    elapsed = (time.perf_counter() - started) * 1000
    if own or response.getheader("Connection", "").lower() == "close":
        conn.close()
    return response.status, elapsed


# --- throughput --------------------------------------------------------------------


def throughput(
    args: argparse.Namespace, bare_port: int, app_ports: dict[str, int], cookie: str
) -> None:
    use_wrk = shutil.which("wrk") and not args.python_load
    tool = f"wrk -t2 -c{args.connections}" if use_wrk else f"Python, {args.connections} threads"
    print(
        f"\nThroughput ({tool}, {args.duration} s a page, gunicorn {args.workers} sync workers"
        " per server, PostgreSQL as a non-superuser role)"
    )

    def rate(port: int, path: str, with_cookie: bool) -> float:
        if use_wrk:
            return wrk_rate(port, path, cookie if with_cookie else "", args)
        return python_rate(port, path, cookie if with_cookie else "", args)

    # Warm every worker first: imports, compiled templates, the process's caches.
    for pattern in PAGES.values():
        for port in app_ports.values():
            for _ in range(4 * args.workers):
                get(port, page_path(pattern, "demo"), cookie)
    for _ in range(4 * args.workers):
        get(bare_port, "/", "")
    bare_before = rate(bare_port, "/", False)
    results, cpu = {}, {}
    for name, pattern in PAGES.items():
        for server, port in app_ports.items():
            processes = app_processes(server)
            before = cpu_seconds(processes), cpu_seconds(DATABASE_PROCESSES)
            results[name, server] = rate(port, page_path(pattern, "demo"), True)
            served = results[name, server] * args.duration / 1000
            cpu[name, server] = (
                (cpu_seconds(processes) - before[0]) / served,
                (cpu_seconds(DATABASE_PROCESSES) - before[1]) / served,
            )
    bare_after = rate(bare_port, "/", False)
    bare = (bare_before + bare_after) / 2
    print(
        f"{'bare Pyramid + Chameleon page':32}{bare_before:>10.0f} req/s before, "
        f"{bare_after:.0f} after (mean {bare:.0f})"
    )
    for (name, server), value in results.items():
        share = value / bare
        mark = "" if share >= RATIO_FLOOR else f"   below the floor ({RATIO_FLOOR:.0%})"
        app, database = cpu[name, server]
        print(
            f"{name + ', ' + server:32}{value:>10.0f} req/s  {share:6.1%} of the bare page"
            f"  CPU ms/request: app {app:.2f}, PostgreSQL {database:.2f}{mark}"
        )
    print(uptime())


#: The servers' WSGI apps in ``pages_wsgi``: the bare page, the app keeping pages, building all.
SERVERS = ("bare", "app", "built")
#: The PostgreSQL backends of the scratch database's role.
DATABASE_PROCESSES = re.compile(r"^postgres: .*myynti_bench_pages_")


def app_processes(server: str) -> re.Pattern[str]:
    """The gunicorn processes of the app that serves the ``server`` ("kept" or "built")."""
    return re.compile(rf"gunicorn .*pages_wsgi:{'app' if server == 'kept' else 'built'} ")


def cpu_seconds(processes: re.Pattern[str]) -> float:
    """CPU seconds (user and system) used so far by the processes whose command line matches.

    Read from ``/proc`` (0 elsewhere): under ``wrk`` the machine is saturated, so what a
    page costs is the CPU it takes per request, split between the app and the database.
    """
    ticks = 0
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if processes.search(command):
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
                ticks += int(fields[11]) + int(fields[12])
        except OSError:
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def wrk_rate(port: int, path: str, cookie: str, args: argparse.Namespace) -> float:
    command = ["wrk", "-t2", f"-c{args.connections}", f"-d{args.duration}s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    command.append(f"http://127.0.0.1:{port}{path}")
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        raise SystemExit(f"{path}: {bad.group(1)} responses were not 2xx\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def python_rate(port: int, path: str, cookie: str, args: argparse.Namespace) -> float:
    """Requests per second of ``--connections`` threads for ``--duration`` seconds."""
    counts = [0] * args.connections
    stop = time.monotonic() + args.duration

    def worker(n: int) -> None:
        while time.monotonic() < stop:
            status, _ = get(port, path, cookie)
            if status != 200:
                raise SystemExit(f"{path}: {status}")
            counts[n] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(args.connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.monotonic() - started)


# --- one connection and the curve --------------------------------------------------


def page_path(pattern: str, slug: str) -> str:
    return pattern.format(slug=slug, customer=CUSTOMERS.get(slug, 0))


def median_ms(port: int, path: str, cookie: str, samples: int) -> float:
    for _ in range(4):  # warm both workers: the process's caches, the statement cache
        get(port, path, cookie)
    times = []
    for _ in range(samples):
        status, elapsed = get(port, path, cookie)
        if status != 200:
            raise SystemExit(f"{path}: {status}")
        times.append(elapsed)
    return statistics.median(times)


def one_connection(ports: dict[str, int], cookie: str, samples: int) -> None:
    print(f"\nOne connection, median of {samples} requests, tenant demo")
    print(f"{'':32}" + "".join(f"{server:>11}" for server in ports))
    for name, pattern in PAGES.items():
        path = page_path(pattern, "demo")
        times = [median_ms(port, path, cookie, samples) for port in ports.values()]
        print(f"{name:32}" + "".join(f"{t:>8.1f} ms" for t in times))


def curve(port: int, cookie: str, sizes: list[int], samples: int) -> None:
    if not sizes:
        return
    print(
        f"\nThe curve: median ms of {samples} requests, one connection, every page built;"
        " rows = customers = tasks"
    )
    print(f"{'':20}" + "".join(f"{s:>14,}" for s in sizes) + "   worst ratio")
    for name, pattern in PAGES.items():
        times = [median_ms(port, page_path(pattern, size_slug(s)), cookie, samples) for s in sizes]
        ratio = max(t / times[0] for t in times)
        mark = "" if ratio <= CURVE_FLOOR else f"   over {CURVE_FLOOR:.0f}x"
        print(f"{name:20}" + "".join(f"{t:>11.1f} ms" for t in times) + f"{ratio:>9.2f}x{mark}")
    print(uptime())


if __name__ == "__main__":
    main()
