"""A campaign launched for 100,000 targets: tasks per second against a raw insert, pages meanwhile.

    python bench/campaigns_launch.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test \
        --broker-url redis://127.0.0.1:6379/0

Makes a scratch PostgreSQL database (and a non-superuser role, so row-level
security is in force as in production) and one tenant with ``--targets``
customers, each with a contact person (bulk inserts). Then, in the same run:

1. **raw**: the same task rows the launch makes (every column the launch
   fills: title, description, customer, contact person, responsible person,
   team, stage, priority, due date, source, board rank, times, creator)
   built in Python as dictionaries and written with a plain SQLAlchemy Core
   ``INSERT`` of ``BATCH_SIZE`` rows per transaction, as the app's role with
   row-level security in force, into a second workflow of the tenant. It
   includes only the tasks: no history events, no target rows, no job
   machinery, which the launch does on top;
2. **pages, idle**: the campaign page, its progress (what the progress bar
   polls) and the tenant's dashboard, each requested ``IDLE_SAMPLES`` times in
   turn with the worker idle, to tell what the pages cost on this machine now;
3. **launch**: a campaign created, its (empty, so everyone) target group saved
   and launched through the app's pages; one ``myynti worker`` process on the
   Redis broker runs the batches. The clock runs from the launch request until
   the campaign is finished; meanwhile this process requests the same three
   pages in turn, one every ``PAGE_PAUSE`` seconds (a progress bar polls every
   two), and times each whole request;
4. **results**: with the campaign finished and the worker stopped, its page,
   which now shows the results (targets, tasks by stage, won, lost with
   reasons, activities, messages, replies, won by week), ``RESULTS_SAMPLES``
   times; then again after a ``VACUUM ANALYZE`` (what autovacuum does soon
   after so many new rows).

Prints both rates and their ratio (floor, issue 13: at least 50 %), the launch
request's time (the snapshot), and the pages' median, p95 and max, idle and
while the launch ran (floor: under 200 ms), the results page's, and the load
average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis
import webtest
from faker import Faker
from sqlalchemy import Engine, func, insert, select, text

from core.app import make_config
from core.db import all_tenants, make_engine, make_session_factory, set_tenant
from core.models import Membership, Role, Team, TeamMember, Tenant, TenantPlugin, User, utcnow
from core.passwords import hash_password
from core.plugins import PluginRegistry
from core.schema import upgrade
from core.testing import PostgresScratchDatabase
from plugins.campaigns.batches import BATCH_SIZE
from plugins.campaigns.models import Campaign, CampaignState
from plugins.contacts.models import ContactPerson, Customer, search_key
from plugins.workflow.models import ActivityType, Stage, StageKind, Task, Workflow

PASSWORD = "benchmark-password"  # noqa: S105 - a throwaway database's user
EMAIL = "myyja0@bench.example"
USERS = 10
FILL_BATCH = 10_000
#: Requests of each page before the launch, with the worker idle.
IDLE_SAMPLES = 30
#: Seconds between two page requests while the launch runs.
PAGE_PAUSE = 0.3
#: Requests of the finished campaign's page (its results) after the launch.
RESULTS_SAMPLES = 30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="PostgreSQL server (superuser)")
    parser.add_argument("--broker-url", required=True, help="redis://host:port/db")
    parser.add_argument("--targets", type=int, default=100_000)
    args = parser.parse_args()
    with PostgresScratchDatabase(args.database_url) as url, tempfile.TemporaryDirectory() as tmp:
        run(url, args, Path(tmp))


def set_up(engine: Engine) -> dict[str, Any]:
    """The tenant with its plugins, users in a team, and two workflows of two stages."""
    with make_session_factory(engine).begin() as db:
        tenant = Tenant(slug="bench", name="Bench Oy", licence={})
        db.add(tenant)
        db.flush()
        set_tenant(db, tenant.id)
        for plugin in ("contacts", "workflow", "campaigns"):
            db.add(TenantPlugin(tenant_id=tenant.id, plugin=plugin, enabled=True))
        password = hash_password(PASSWORD)
        users = [
            User(email=f"myyja{n}@bench.example", name=f"Myyjä {n}", password_hash=password)
            for n in range(USERS)
        ]
        db.add_all(users)
        team = Team(tenant_id=tenant.id, name="Myynti")
        db.add(team)
        db.flush()
        for n, user in enumerate(users):
            role = Role.ADMIN if n == 0 else Role.MEMBER
            db.add(Membership(tenant_id=tenant.id, user_id=user.id, role=role))
            db.add(TeamMember(tenant_id=tenant.id, team_id=team.id, user_id=user.id))
        stages = {}
        for name in ("Kampanja", "Vertailu"):
            workflow = Workflow(tenant_id=tenant.id, name={"fi": name, "en": name})
            db.add(workflow)
            db.flush()
            stage = Stage(
                tenant_id=tenant.id, workflow_id=workflow.id, name={"fi": "Uusi", "en": "New"}
            )
            db.add(stage)
            db.flush()
            stages[name] = (workflow.id, stage.id)
        return {
            "tenant_id": tenant.id,
            "users": [u.id for u in users],
            "team_id": team.id,
            "stages": stages,
        }


def fill(engine: Engine, ids: dict[str, Any], count: int) -> list[tuple[int, int, str, str]]:
    """``count`` customers with a contact person each: (customer id, person id, names)."""
    fake = Faker("fi_FI")
    fake.seed_instance(13)
    tenant_id = ids["tenant_id"]
    found = []
    factory = make_session_factory(engine)
    for start in range(0, count, FILL_BATCH):
        names = [f"{fake.company()} {n}" for n in range(start, min(start + FILL_BATCH, count))]
        people = [fake.name() for _ in names]
        with factory.begin() as db:
            set_tenant(db, tenant_id)
            customers = db.scalars(
                insert(Customer).returning(Customer.id, sort_by_parameter_order=True),
                [
                    {
                        "tenant_id": tenant_id,
                        "kind": "company",
                        "name": name,
                        "name_key": search_key(name),
                        "language": "fi",
                        "visiting_address": {"city": "Helsinki"},
                        "postal_address": {},
                        "billing_address": {},
                        "custom_values": {},
                        "marketing_consent": False,
                        "responsible_user_id": ids["users"][n % USERS],
                        "version": 1,
                    }
                    for n, name in enumerate(names)
                ],
            ).all()
            persons = db.scalars(
                insert(ContactPerson).returning(ContactPerson.id, sort_by_parameter_order=True),
                [
                    {
                        "tenant_id": tenant_id,
                        "customer_id": customer_id,
                        "name": person,
                        "name_key": search_key(person),
                        "language": "fi",
                        "marketing_consent": False,
                        "custom_values": {},
                        "version": 1,
                    }
                    for customer_id, person in zip(customers, people, strict=True)
                ],
            ).all()
        found += list(zip(customers, persons, names, people, strict=True))
    return found


def raw_insert(
    engine: Engine, ids: dict[str, Any], targets: list[tuple[int, int, str, str]]
) -> float:
    """Seconds to write the launch's task rows with a plain Core INSERT, a batch per transaction."""
    tenant_id = ids["tenant_id"]
    workflow_id, stage_id = ids["stages"]["Vertailu"]
    factory = make_session_factory(engine)
    started = time.perf_counter()
    for start in range(0, len(targets), BATCH_SIZE):
        now = utcnow()
        rows = [
            {
                "tenant_id": tenant_id,
                "workflow_id": workflow_id,
                "stage_id": stage_id,
                "title": f"Kevät: {name}",
                "description": "",
                "customer_id": customer_id,
                "contact_person_id": person_id,
                "responsible_user_id": ids["users"][(start + n) % USERS],
                "team_id": None,
                "priority": "normal",
                "due_date": None,
                "source": "campaign",
                "board_rank": -float(start + n),
                "custom_values": {},
                "created_by_id": ids["users"][0],
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
            for n, (customer_id, person_id, name, _person) in enumerate(
                targets[start : start + BATCH_SIZE]
            )
        ]
        with factory.begin() as db:
            set_tenant(db, tenant_id)
            db.connection().execute(insert(Task.__table__), rows)
    return time.perf_counter() - started


def signed_in(app: Any) -> webtest.TestApp:
    client = webtest.TestApp(app, extra_environ={"REMOTE_ADDR": "192.0.2.60"})
    form = client.get("/login").forms["login-form"]
    form["email"], form["password"] = EMAIL, PASSWORD
    assert form.submit().status_int == 303, "cannot sign in"
    return client


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


def campaign_state(engine: Engine, campaign_id: int) -> tuple[str, int]:
    with make_session_factory(engine)() as db, all_tenants(db):
        state, done = db.execute(
            select(Campaign.state, Campaign.targets_done).where(Campaign.id == campaign_id)
        ).one()
    return state, done


def add_outcomes(engine: Engine, tenant_id: int, campaign_id: int, workflow_id: int) -> str:
    """Some of the campaign's tasks won, lost with a reason, with a done activity or a reply.

    Every tenth task won (closed over eight weeks, with a value), every tenth lost with one
    of five reasons, every tenth with a done activity and every twentieth with a received
    message, so that each figure of the results has rows to count.
    """
    with make_session_factory(engine).begin() as db:
        set_tenant(db, tenant_id)
        won = Stage(tenant_id=tenant_id, workflow_id=workflow_id, kind=StageKind.WON, position=1)
        lost = Stage(tenant_id=tenant_id, workflow_id=workflow_id, kind=StageKind.LOST, position=2)
        kind = ActivityType(tenant_id=tenant_id, key="call", name={"fi": "Soitto"})
        db.add_all([won, lost, kind])
        db.flush()
        tasks = "SELECT task_id AS id FROM campaign_target WHERE campaign_id = :campaign"
        params = {"campaign": campaign_id, "won": won.id, "lost": lost.id, "kind": kind.id}
        statements = [
            "UPDATE task SET stage_id = :won, expected_value = 1000 + id % 500,"
            " closed_at = now() - (id % 56) * interval '1 day'"
            " WHERE id IN ({tasks}) AND id % 10 = 0",
            "UPDATE task SET stage_id = :lost, closed_at = now(),"
            " lost_reason = 'Syy ' || (id % 5) WHERE id IN ({tasks}) AND id % 10 = 1",
            "INSERT INTO activity (tenant_id, task_id, type_id, subject, done_at, outcome,"
            " created_at, version) SELECT tenant_id, id, :kind, 'Soitto', now(), '', now(), 1"
            " FROM task WHERE id IN ({tasks}) AND id % 10 = 2",
            "INSERT INTO event (tenant_id, entity, record_id, at, kind, actor_type,"
            " actor_label, payload) SELECT tenant_id, 'task', id, now(), 'message_in',"
            " 'system', '', '{}' FROM task WHERE id IN ({tasks}) AND id % 20 = 3",
        ]
        for statement in statements:
            db.execute(text(statement.replace("{tasks}", tasks)), params)
    return "10 % won, 10 % lost with 5 reasons, 10 % with a done activity, 5 % replied"


def timed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def report(label: str, times: list[float]) -> None:
    if not times:
        print(f"{label:34} no request finished while the launch ran")
        return
    ms = sorted(times)
    print(
        f"{label:34} n={len(ms):<4} median {statistics.median(ms):6.1f} ms"
        f"  p95 {ms[max(int(len(ms) * 0.95) - 1, 0)]:6.1f} ms  max {ms[-1]:6.1f} ms"
    )


def run(url: str, args: argparse.Namespace, tmp: Path) -> None:
    namespace = f"myynti_bench_{uuid.uuid4().hex[:8]}"
    settings = {
        "sqlalchemy.url": url,
        "myynti.data_dir": str(tmp),
        "myynti.secret": "s" * 40,
        "myynti.broker_url": args.broker_url,
        "myynti.broker_namespace": namespace,
        "myynti.worker_threads": "2",
    }
    registry = PluginRegistry.from_environment()
    engine = make_engine(url)
    upgrade(engine, registry)
    ids = set_up(engine)
    started = time.perf_counter()
    targets = fill(engine, ids, args.targets)
    seconds = time.perf_counter() - started
    print(f"filled {len(targets):,} customers and contact persons in {seconds:.0f} s")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")

    # Started now, the worker is up and waiting by the time of the launch.
    worker = start_worker(settings, tmp)
    raw_seconds = raw_insert(engine, ids, targets)
    raw_rate = len(targets) / raw_seconds

    app = make_config(settings, registry=registry, engine=engine).make_wsgi_app()
    client = signed_in(app)
    labels = ("campaign page", "progress (JSON)", "dashboard")
    idle: dict[str, list[float]] = {label: [] for label in labels}
    pages: dict[str, list[float]] = {label: [] for label in labels}
    try:
        workflow_id, stage_id = ids["stages"]["Kampanja"]
        form = client.get("/t/bench/campaigns/new").forms["campaign-form"]
        form["name"] = "Kevät"
        form["task_title"] = "{campaign}: {customer}"
        form["workflow_id"] = str(workflow_id)
        form["stage_id"] = str(stage_id)
        form["assignment"] = "responsible"
        editor = form.submit(status=303).follow()
        campaign_id = int(editor.request.path.split("/")[-2])
        editor.forms["target-form"].submit("save", status=303)
        page_url = f"/t/bench/campaigns/{campaign_id}"
        calls = {
            "campaign page": lambda: client.get(page_url),
            "progress (JSON)": lambda: client.get(f"{page_url}/progress"),
            "dashboard": lambda: client.get("/t/bench/"),
        }
        for call in calls.values():
            call()  # warm: templates compiled, caches filled
        for _n in range(IDLE_SAMPLES):
            for label, call in calls.items():
                idle[label].append(timed(call))
        token = client.cookies["myynti_csrf"]
        launch_started = time.perf_counter()
        client.post(f"{page_url}/launch", {"csrf_token": token}, status=303)
        launch_request = time.perf_counter() - launch_started
        turn = 0
        while True:
            state, done = campaign_state(engine, campaign_id)
            if state != CampaignState.RUNNING:
                break
            label = labels[turn % len(labels)]
            pages[label].append(timed(calls[label]))
            turn += 1
            time.sleep(PAGE_PAUSE)
        launch_seconds = time.perf_counter() - launch_started
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        client_redis = redis.Redis.from_url(args.broker_url)
        for key in client_redis.scan_iter(f"{namespace}*"):
            client_redis.delete(key)
    with make_session_factory(engine)() as db:
        set_tenant(db, ids["tenant_id"])
        made = db.scalar(select(func.count(Task.id)).where(Task.stage_id == stage_id))
    assert state == CampaignState.FINISHED and made == len(targets), (state, done, made)
    outcomes = add_outcomes(engine, ids["tenant_id"], campaign_id, workflow_id)
    finished = [timed(calls["campaign page"]) for _n in range(RESULTS_SAMPLES)]
    # Again once the tables' statistics know the new rows, as autovacuum's analyze
    # gets them within a minute or so of the launch.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    analyzed = [timed(calls["campaign page"]) for _n in range(RESULTS_SAMPLES)]
    launch_rate = made / launch_seconds
    print("database: postgresql (row-level security on), broker: redis, 1 worker process")
    print(f"targets: {len(targets):,}; batch: {BATCH_SIZE} targets")
    print(f"raw Core insert of the task rows   {raw_seconds:6.1f} s  {raw_rate:8,.0f} rows/s")
    print(
        f"campaign launch, tasks created     {launch_seconds:6.1f} s  {launch_rate:8,.0f} tasks/s"
        f"  (launch request with the snapshot: {launch_request * 1000:.0f} ms)"
    )
    print(f"ratio: {launch_rate / raw_rate:.0%} of the raw insert's rate (floor 50 %)")
    print(f"pages with the worker idle, {IDLE_SAMPLES} requests each:")
    for label, times in idle.items():
        report(label, times)
    print(f"pages while the launch ran, one every {PAGE_PAUSE} s in turn (floor 200 ms):")
    for label, times in pages.items():
        report(label, times)
    print(f"finished campaign ({outcomes}), its page with results, {RESULTS_SAMPLES} requests:")
    report("campaign page with results", finished)
    report("the same after VACUUM ANALYZE", analyzed)
    print(f"load average (1, 5, 15 min): {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
    engine.dispose()


if __name__ == "__main__":
    main()
