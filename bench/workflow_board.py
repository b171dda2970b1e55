"""The board, a move and my work at size: 100,000 tasks and 300,000 activities, server side.

    python bench/workflow_board.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Makes a scratch database (and a non-superuser role, so row-level security is
on as in production) on the server the URL names, fills one tenant with
``--tasks`` tasks, of which ``--open`` are open (``--team-open`` of them in
team "Itä"), the rest won or lost over three years, and three activities per
task (Faker fi_FI, bulk inserts), then times through the WSGI app (the whole
request): the board of team Itä, the board unfiltered, a card moved between
two columns (JSON, as the drag and drop posts it), and "my work" for the
busiest user when that page exists. Prints median, p95 and max per case.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import webtest
from faker import Faker
from pyramid.interfaces import IRoutesMapper
from sqlalchemy import event, insert, select, text

from core.app import make_config
from core.db import make_engine, make_session_factory, set_tenant
from core.models import Membership, Role, Team, TeamMember, Tenant, TenantPlugin, User
from core.passwords import hash_password
from core.plugins import PluginRegistry
from core.schema import upgrade
from core.testing import PostgresScratchDatabase
from plugins.contacts.models import Customer, search_key
from plugins.workflow import open_counts
from plugins.workflow.models import Activity, ActivityType, Stage, Task, Workflow

PASSWORD = "benchmark-password"  # noqa: S105 - a throwaway database's user
STAGES = (
    ("Uusi", "New", "open"),
    ("Yhteydenotto", "Contacted", "open"),
    ("Tarvekartoitus", "Needs analysis", "open"),
    ("Tarjous", "Quote", "open"),
    ("Neuvottelu", "Negotiation", "open"),
    ("Voitettu", "Won", "won"),
    ("Hävitty", "Lost", "lost"),
)
BATCH = 10_000
USERS = 20
CUSTOMERS = 5_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="PostgreSQL server (superuser)")
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--open", type=int, default=20_000)
    parser.add_argument("--team-open", type=int, default=10_000)
    parser.add_argument("--activities-per-task", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN ANALYZE the board's slowest statements"
    )
    args = parser.parse_args()
    with PostgresScratchDatabase(args.database_url) as url, tempfile.TemporaryDirectory() as tmp:
        run(url, args, tmp)


def _setup(factory: Any) -> dict[str, Any]:
    """The tenant, its plugins, users, teams, workflow, stages and activity types."""
    with factory.begin() as db:
        tenant = Tenant(slug="bench", name="Bench Oy", licence={})
        db.add(tenant)
        db.flush()
        set_tenant(db, tenant.id)
        for plugin in ("contacts", "workflow"):
            db.add(TenantPlugin(tenant_id=tenant.id, plugin=plugin, enabled=True))
        password = hash_password(PASSWORD)
        users = [
            User(email=f"myyja{n}@bench.example", name=f"Myyjä {n}", password_hash=password)
            for n in range(USERS)
        ]
        db.add_all(users)
        db.flush()
        for n, user in enumerate(users):
            role = Role.ADMIN if n == 0 else Role.MEMBER
            db.add(Membership(tenant_id=tenant.id, user_id=user.id, role=role))
        teams = [Team(tenant_id=tenant.id, name=name) for name in ("Itä", "Länsi", "Pohjoinen")]
        db.add_all(teams)
        db.flush()
        for n, user in enumerate(users):
            db.add(TeamMember(tenant_id=tenant.id, team_id=teams[n % 3].id, user_id=user.id))
        workflow = Workflow(tenant_id=tenant.id, name={"fi": "Myynti", "en": "Sales"})
        db.add(workflow)
        db.flush()
        stages = []
        for position, (fi, en, kind) in enumerate(STAGES):
            stage = Stage(
                tenant_id=tenant.id,
                workflow_id=workflow.id,
                name={"fi": fi, "en": en},
                kind=kind,
                position=position,
                probability=position * 15,
            )
            db.add(stage)
            stages.append(stage)
        types = [
            ActivityType(tenant_id=tenant.id, key=key, name={"fi": fi, "en": en}, position=n)
            for n, (key, fi, en) in enumerate(
                (("call", "Puhelu", "Call"), ("meeting", "Tapaaminen", "Meeting"))
            )
        ]
        db.add_all(types)
        db.flush()
        return {
            "tenant_id": tenant.id,
            "users": [u.id for u in users],
            "teams": [t.id for t in teams],
            "workflow_id": workflow.id,
            "open_stages": [s.id for s in stages if s.kind == "open"],
            "won": stages[-2].id,
            "lost": stages[-1].id,
            "types": [t.id for t in types],
        }


def _fill(factory: Any, args: argparse.Namespace, ids: dict[str, Any]) -> None:
    fake = Faker("fi_FI")
    fake.seed_instance(1)
    rng = random.Random(1)
    tenant_id = ids["tenant_id"]
    now = datetime.now(UTC)
    with factory.begin() as db:
        set_tenant(db, tenant_id)
        names = [f"{fake.company()} {n}" for n in range(CUSTOMERS)]
        customers = db.scalars(
            insert(Customer).returning(Customer.id),
            [
                {
                    "tenant_id": tenant_id,
                    "kind": "company",
                    "name": name,
                    "name_key": search_key(name),
                    "language": "fi",
                    "visiting_address": {},
                    "postal_address": {},
                    "billing_address": {},
                    "custom_values": {},
                    "marketing_consent": False,
                    "version": 1,
                }
                for name in names
            ],
        ).all()
    titles = [f"{fake.word().capitalize()} {fake.word()}" for _ in range(500)]
    east, others = ids["teams"][0], ids["teams"][1:]
    # The busiest user is in team Itä (users 0, 3, 6...): most of its open work is theirs.
    busy = ids["users"][0]
    for start in range(0, args.tasks, BATCH):
        rows = []
        for n in range(start, min(start + BATCH, args.tasks)):
            is_open = n < args.open
            team = east if n < args.team_open else rng.choice(others if is_open else ids["teams"])
            stage = (
                rng.choice(ids["open_stages"])
                if is_open
                else (ids["won"] if rng.random() < 0.4 else ids["lost"])
            )
            responsible = busy if is_open and n % 10 == 0 else rng.choice(ids["users"])
            closed_at = None if is_open else now - timedelta(days=rng.uniform(0, 3 * 365))
            rows.append(
                {
                    "tenant_id": tenant_id,
                    "workflow_id": ids["workflow_id"],
                    "stage_id": stage,
                    "title": rng.choice(titles),
                    "description": "",
                    "customer_id": rng.choice(customers),
                    "responsible_user_id": responsible,
                    "team_id": team,
                    "priority": "normal",
                    "due_date": (now + timedelta(days=rng.randint(-30, 90))).date(),
                    "expected_value": Decimal(rng.randint(5, 5000) * 100),
                    "source": "manual",
                    "lost_reason": "Hinta" if stage == ids["lost"] else None,
                    "closed_at": closed_at,
                    "board_rank": float(n),
                    "custom_values": {},
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }
            )
        with factory.begin() as db:
            set_tenant(db, tenant_id)
            task_ids = db.scalars(insert(Task).returning(Task.id), rows).all()
            # Bulk inserts raise no ORM events: count the tasks as a campaign launch does.
            open_counts.tasks_created(db.connection(), tenant_id, task_ids)
            activities = [
                {
                    "tenant_id": tenant_id,
                    "task_id": task_id,
                    "type_id": rng.choice(ids["types"]),
                    "subject": "Soitto",
                    "assignee_user_id": busy
                    if row["responsible_user_id"] == busy
                    else (rng.choice(ids["users"])),
                    "due_at": now + timedelta(hours=rng.randint(-200, 500)),
                    "done_at": None if row["closed_at"] is None and k == 0 else now,
                    "outcome": "",
                    "created_at": now,
                    "version": 1,
                }
                for task_id, row in zip(task_ids, rows, strict=True)
                for k in range(args.activities_per_task)
            ]
            db.execute(insert(Activity), activities)


def _sign_in(app: Any, email: str) -> webtest.TestApp:
    client = webtest.TestApp(app)
    form = client.get("/login").forms["login-form"]
    form["email"], form["password"] = email, PASSWORD
    form.submit(status=303)
    return client


def _time(label: str, repeat: int, call: Callable[[], Any]) -> None:
    call()  # warm: templates compiled, caches filled
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    ms = sorted(times)
    print(
        f"{label:34} n={len(ms)} median {statistics.median(ms):6.1f} ms"
        f"  p95 {ms[int(len(ms) * 0.95) - 1]:6.1f} ms  max {ms[-1]:6.1f} ms"
    )


def run(url: str, args: argparse.Namespace, tmp: str) -> None:
    registry = PluginRegistry.from_environment()
    engine = make_engine(url)
    upgrade(engine, registry)
    factory = make_session_factory(engine)
    t0 = time.perf_counter()
    ids = _setup(factory)
    _fill(factory, args, ids)
    print(f"filled in {time.perf_counter() - t0:.0f} s")
    # As autovacuum would have by then: statistics, and the visibility map that lets
    # the totals come from the index alone.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")

    app = make_config(
        {"myynti.data_dir": tmp, "myynti.secret": "bench" * 10, "myynti.worker_threads": "0"},
        registry=registry,
        engine=engine,
    ).make_wsgi_app()
    busy = _sign_in(app, "myyja0@bench.example")
    east = ids["teams"][0]
    board_url = f"/t/bench/board?team={east}"
    with factory() as db:
        set_tenant(db, ids["tenant_id"])
        activities = db.query(Activity).count()
        open_east = db.query(Task).filter(Task.team_id == east, Task.closed_at.is_(None)).count()
        tasks = db.query(Task).count()
        movable = list(
            db.execute(
                select(Task.id, Task.version, Task.stage_id)
                .where(Task.team_id == east, Task.stage_id.in_(ids["open_stages"][:2]))
                .limit(args.repeat + 1)
            )
        )
    print(
        f"database: {engine.dialect.name} (row-level security on); tasks: {tasks:,}"
        f" ({open_east:,} open in team Itä); activities: {activities:,}"
    )
    page = busy.get(board_url)
    assert page.html.select("li.card"), "the board shows cards"

    _time("board, team Itä", args.repeat, lambda: busy.get(board_url))
    _time("board, every team", args.repeat, lambda: busy.get("/t/bench/board"))
    _time("board, team Itä, text filter", args.repeat, lambda: busy.get(board_url + "&q=ka"))

    versions = {task_id: version for task_id, version, _stage in movable}
    where = {task_id: stage for task_id, _version, stage in movable}
    queue = list(versions)
    first, second = ids["open_stages"][:2]
    token = busy.cookies["myynti_csrf"]

    def move() -> None:
        task_id = queue.pop(0)
        queue.append(task_id)
        response = busy.post(
            f"/t/bench/board/tasks/{task_id}/move",
            {
                "csrf_token": token,
                "stage_id": str(second if where[task_id] == first else first),
                "version": str(versions[task_id]),
            },
            headers={"Accept": "application/json"},
        )
        versions[task_id] = response.json["version"]
        where[task_id] = response.json["stage_id"]

    _time("move a card (JSON)", args.repeat, move)
    if args.explain:
        explain(engine, ids["tenant_id"], lambda: busy.get(board_url))

    mapper = app.registry.getUtility(IRoutesMapper)
    if mapper.get_route("my_work") is None:
        print("my work: no route named my_work yet; not measured")
    else:
        path = mapper.get_route("my_work").generate({"tenant": "bench"})
        _time("my work, busiest user", args.repeat, lambda: busy.get(path))


def explain(engine: Any, tenant_id: int, call: Callable[[], Any]) -> None:
    """The plans of the three slowest statements of ``call``, as the app's role runs them."""
    timed: list[tuple[float, str, Any]] = []

    def started(conn, cursor, statement, parameters, context, executemany) -> None:
        conn.info["started"] = time.perf_counter()

    def finished(conn, cursor, statement, parameters, context, executemany) -> None:
        timed.append((time.perf_counter() - conn.info["started"], statement, parameters))

    event.listen(engine, "before_cursor_execute", started)
    event.listen(engine, "after_cursor_execute", finished)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", started)
        event.remove(engine, "after_cursor_execute", finished)
    for seconds, statement, parameters in sorted(timed, reverse=True)[:3]:
        print(f"\n--- {seconds * 1000:.1f} ms\n{statement}")
        with engine.begin() as conn:
            conn.execute(
                text("SELECT set_config('app.tenant_id', :tenant, true)"),
                {"tenant": str(tenant_id)},
            )
            plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            print("\n".join(row[0] for row in plan))


if __name__ == "__main__":
    main()
