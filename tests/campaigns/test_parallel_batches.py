"""Two jobs make one campaign's batches at the same time, each in its own transaction.

Committed rows and real concurrent transactions, so PostgreSQL only: SQLite
lets one writer in at a time. Each job holds its batch until both have taken
one (a barrier), so a job that waited for the other's batch instead of taking
the next (no ``SKIP LOCKED``) fails the test.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import delete, func, select, text

from core.db import TenantSession, all_tenants, make_session_factory, set_tenant
from core.jobs.outbox import QUEUE_KEY
from core.licensing import enable_plugin
from core.models import Event, Membership, Role, Team, TeamMember, Tenant, User
from plugins.campaigns import batches
from plugins.campaigns.models import (
    Assignment,
    Campaign,
    CampaignBatch,
    CampaignState,
    CampaignTarget,
)
from plugins.contacts.models import Customer
from plugins.workflow.models import Task
from tests.campaigns.conftest import stages_of

CUSTOMERS = 9


@dataclass
class Launched:
    tenant_id: int
    campaign_id: int
    stage_id: int
    #: Maija, Pekka: the team's members in round-robin order.
    members: list[int]
    #: The board rank of the card that was first in the stage before the batches.
    first_rank: float


@pytest.fixture
def launched(db_engine: Any, myynti_registry: Any, monkeypatch: Any) -> Iterator[Launched]:
    """A running campaign of nine targets cut into five batches of two, all committed."""
    if db_engine.dialect.name != "postgresql":
        pytest.skip("concurrent transactions: PostgreSQL only (MYYNTI_TEST_DATABASE_URL)")
    monkeypatch.setattr(batches, "BATCH_SIZE", 2)
    factory = make_session_factory(db_engine)
    suffix = uuid.uuid4().hex[:6]
    with factory.begin() as db, all_tenants(db):
        tenant = Tenant(slug=f"parallel-{suffix}", name="Parallel Oy", licence={})
        db.add(tenant)
        db.flush()
        enable_plugin(db, myynti_registry, tenant, "campaigns", with_dependencies=True)
        team = Team(tenant_id=tenant.id, name="Myynti")
        users = [User(email=f"{n}-{suffix}@parallel.example", name=n) for n in ("maija", "pekka")]
        db.add_all([team, *users])
        db.flush()
        for user in users:
            db.add(Membership(tenant_id=tenant.id, user_id=user.id, role=Role.MEMBER))
            db.add(TeamMember(tenant_id=tenant.id, team_id=team.id, user_id=user.id))
        workflow, stages = stages_of(db, tenant)
        stage = stages["new"]
        db.add(
            Task(
                tenant_id=tenant.id,
                workflow_id=workflow.id,
                stage_id=stage.id,
                title="Vanha tehtävä",
                board_rank=5.0,
            )
        )
        campaign = Campaign(
            tenant_id=tenant.id,
            name="Rinnakkain",
            workflow_id=workflow.id,
            stage_id=stage.id,
            task_title="{customer}",
            assignment=Assignment.ROUND_ROBIN,
            team_id=team.id,
            owner_user_id=users[0].id,
            state=CampaignState.RUNNING,
            targets_total=CUSTOMERS,
            filters={},
        )
        db.add(campaign)
        db.flush()
        for n in range(CUSTOMERS):
            customer = Customer(tenant_id=tenant.id, name=f"Asiakas {n} Oy")
            db.add(customer)
            db.flush()
            drawn = db.scalar(text("SELECT nextval(pg_get_serial_sequence('task', 'id'))"))
            db.add(
                CampaignTarget(
                    tenant_id=tenant.id,
                    campaign_id=campaign.id,
                    customer_id=customer.id,
                    task_id=drawn,
                )
            )
        db.flush()
        batches.cut_batches(db, campaign, 0, 0, CUSTOMERS)
        found = Launched(tenant.id, campaign.id, stage.id, sorted(u.id for u in users), 5.0)
    yield found
    with factory.begin() as db, all_tenants(db):
        db.execute(delete(Tenant).where(Tenant.id == found.tenant_id))
        db.execute(delete(User).where(User.email.like(f"%-{suffix}@parallel.example")))


def test_two_jobs_make_the_batches_at_once_and_each_task_once(
    launched: Launched, db_engine: Any, wsgi_app: Any, monkeypatch: Any
) -> None:
    both_holding = threading.Barrier(2, timeout=20)
    made = {"first": 0, "second": 0}
    create_tasks = batches.create_tasks

    def create_when_both_hold_a_batch(*args: Any, **kwargs: Any) -> list[int]:
        if made[threading.current_thread().name] == 0:
            both_holding.wait()
        made[threading.current_thread().name] += 1
        return create_tasks(*args, **kwargs)

    monkeypatch.setattr(batches, "create_tasks", create_when_both_hold_a_batch)
    failures: list[BaseException] = []

    def job_after_job() -> None:
        try:
            for _ in range(10):
                with (
                    TenantSession(
                        bind=db_engine, info={QUEUE_KEY: wsgi_app.registry.myynti_jobs}
                    ) as db,
                    db.begin(),
                ):
                    set_tenant(db, launched.tenant_id)
                    tenant = db.get(Tenant, launched.tenant_id)
                    batches.run_batch(db, tenant, {"campaign_id": launched.campaign_id})
                    state = db.scalar(
                        select(Campaign.state).where(Campaign.id == launched.campaign_id)
                    )
                if state == CampaignState.FINISHED:
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            failures.append(exc)

    jobs = [threading.Thread(target=job_after_job, name=name) for name in made]
    for job in jobs:
        job.start()
    for job in jobs:
        job.join(60)
    assert failures == []
    assert made["first"] >= 1 and made["second"] >= 1, made
    assert made["first"] + made["second"] == 5

    with TenantSession(bind=db_engine) as db:
        set_tenant(db, launched.tenant_id)
        campaign = db.get(Campaign, launched.campaign_id)
        assert (campaign.state, campaign.targets_done) == (CampaignState.FINISHED, CUSTOMERS)
        assert db.scalar(select(func.count()).where(CampaignBatch.done_at.is_(None))) == 0
        rows = db.execute(
            select(
                CampaignTarget.customer_id,
                Task.customer_id,
                Task.board_rank,
                Task.responsible_user_id,
            )
            .join(Task, Task.id == CampaignTarget.task_id)
            .where(CampaignTarget.campaign_id == campaign.id)
            .order_by(CampaignTarget.id)
        ).all()
        # Every target has its own task, none twice.
        assert len(rows) == CUSTOMERS
        assert [row[0] for row in rows] == [row[1] for row in rows]
        assert db.scalar(select(func.count()).select_from(Task)) == CUSTOMERS + 1
        # First in the column, in the targets' order, no two cards on the same rank.
        ranks = [row[2] for row in rows]
        assert ranks == sorted(set(ranks))
        assert ranks[-1] < launched.first_rank
        # The team in turns, as one job making the batches one by one would give them.
        maija, pekka = launched.members
        assert [row[3] for row in rows] == [maija, pekka] * 4 + [maija]
        created = db.scalar(
            select(func.count()).where(Event.entity == "task", Event.kind == "created")
        )
        joined = db.scalar(select(func.count()).where(Event.kind == "campaign_joined"))
        assert (created, joined) == (CUSTOMERS, CUSTOMERS)
