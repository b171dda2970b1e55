"""The transactional outbox: job rows written with the change that caused them.

``enqueue`` adds a ``Job`` row to the caller's transaction and notes its id on
the session; the message (the id only) is sent once the session's transaction
has committed, and forgotten when it rolls back. The same holds for a
request's session, which pyramid_tm commits through zope.sqlalchemy: its
SQLAlchemy transaction commits in the zope transaction's vote, and the
``after_commit`` event below fires then.

``sweep`` is core's periodic upkeep: it sends again what the broker seems to
have lost and forgets finished rows after a while.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, bindparam, delete, event, exists, insert, or_, select, update
from sqlalchemy.orm import Session, SessionTransaction

from core.db import (
    ALL_TENANTS,
    TenantSession,
    TenantViolation,
    all_tenants,
    current_tenant_id,
)
from core.licensing import enabled_plugins
from core.models import Job, JobState, JobWorker, Tenant, utcnow

if TYPE_CHECKING:
    from core.jobs.queue import JobQueue
    from core.plugins import TenantHooks

log = logging.getLogger(__name__)

#: ``session.info`` keys: the session's job queue, and the ids to send after commit.
QUEUE_KEY = "myynti.jobs"
UNSENT_KEY = "myynti.jobs.unsent"

#: An operator may run these again.
RETRYABLE = (JobState.FAILED, JobState.SKIPPED)
#: Rows the sweep sends again per run, so one sweep stays short after a long outage.
SWEEP_BATCH = 1000
#: Done and skipped rows are kept this long for the operators' page, then deleted.
KEEP_FINISHED = timedelta(days=30)
#: The heartbeat row of a worker not seen for this long is deleted.
FORGET_WORKER = timedelta(days=1)

_JOB = Job.__table__
_NOW = bindparam("now", type_=Job.created_at.type)
_NEW_JOB = insert(_JOB).values(
    tenant_id=bindparam("tenant_id"),
    plugin=bindparam("plugin"),
    name=bindparam("name"),
    payload=bindparam("payload", type_=Job.payload.type),
    idempotency_key=bindparam("idempotency_key"),
    state=JobState.PENDING,
    attempts=0,
    last_error="",
    created_at=_NOW,
    updated_at=_NOW,
)
INSERT = _NEW_JOB.returning(_JOB.c.id)
#: Many jobs in one statement (``insertmanyvalues``), their ids in the rows' order.
INSERT_MANY = _NEW_JOB.returning(_JOB.c.id, sort_by_parameter_order=True)


def tenant_hooks(db: Session, tenant: Tenant) -> TenantHooks:
    """The hook caller of ``tenant``'s enabled plugins where there is no request (in a job)."""
    return queue_of(db).registry.hooks_for(enabled_plugins(db, tenant))


class UnknownJob(LookupError):
    """No installed plugin declares a job of this name."""


def queue_of(db: Session) -> JobQueue:
    """The job queue of the app whose session factory made ``db``."""
    queue = db.info.get(QUEUE_KEY)
    if queue is None:
        raise RuntimeError(
            "this session has no job queue; use request.db or a session of JobQueue.session()"
        )
    return queue


def enqueue(
    db: Session, tenant: Tenant | int, job_name: str, payload: Mapping[str, Any] | None = None
) -> int:
    """Start job ``job_name`` for ``tenant`` once the current transaction commits; its id.

    ``db`` must work as ``tenant`` (a request of that tenant does), or inside
    ``all_tenants`` for a periodic job that starts work for many tenants: the
    same rule the session keeps for every tenant-owned row. ``payload`` must
    be JSON.
    """
    return enqueue_many(db, tenant, job_name, [payload or {}])[0]


def enqueue_many(
    db: Session, tenant: Tenant | int, job_name: str, payloads: list[Mapping[str, Any]]
) -> list[int]:
    """``enqueue`` a job ``job_name`` of ``tenant`` for each of ``payloads``; their ids, in order.

    One statement for them all: for work that fans out set-based (a
    webhook delivery for each of a thousand new events).
    """
    plugin = queue_of(db).owner_of(job_name)
    tenant_id = tenant if isinstance(tenant, int) else tenant.id
    working_as = current_tenant_id(db)
    if working_as != tenant_id and not db.info.get(ALL_TENANTS):
        raise TenantViolation(
            f"job {job_name} of tenant {tenant_id} started while working as tenant {working_as}"
        )
    now = utcnow()
    rows = []
    for payload in payloads:
        data = dict(payload)
        try:
            json.dumps(data)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"the payload of job {job_name} is not JSON: {exc}") from None
        rows.append(
            {
                "tenant_id": tenant_id,
                "plugin": plugin,
                "name": job_name,
                "payload": data,
                "idempotency_key": uuid.uuid4().hex,
                "now": now,
            }
        )
    if not rows:
        return []
    # Core INSERTs built once, on the session's connection, rather than the unit
    # of work or an ORM insert: enqueueing is on the hot path of requests and of
    # jobs that fan out.
    connection = db.connection()
    if len(rows) == 1:
        job_ids = [connection.execute(INSERT, rows[0]).scalar_one()]
    else:
        job_ids = list(connection.execute(INSERT_MANY, rows).scalars())
    for job_id in job_ids:
        send_after_commit(db, job_id)
    return job_ids


def retry(db: Session, job: Job) -> None:
    """Run a failed or skipped job again (an operator's action, of any tenant)."""
    if job.state not in RETRYABLE:
        raise ValueError(f"job {job.id} is {job.state}; only failed or skipped jobs are retried")
    with all_tenants(db):
        job.state = JobState.PENDING
        job.run_after = None
        job.updated_at = utcnow()
        db.flush()
    send_after_commit(db, job.id)


def send_after_commit(db: Session, job_id: int, delay: float = 0.0) -> None:
    """Send job ``job_id``'s message ``delay`` seconds after ``db`` commits."""
    db.info.setdefault(UNSENT_KEY, []).append((job_id, delay))


@event.listens_for(TenantSession, "after_commit")
def _send_unsent(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: its transaction has yet to commit
    unsent = session.info.pop(UNSENT_KEY, None)
    if unsent:
        queue_of(session).send(unsent)


@event.listens_for(TenantSession, "after_transaction_end")
def _forget_unsent(session: Session, transaction: SessionTransaction) -> None:
    # A root transaction that ends with ids left unsent has rolled back.
    # (Ids of rows rolled back in a savepoint stay; their messages find no row.)
    if transaction.parent is None:
        session.info.pop(UNSENT_KEY, None)


def sweep(db: Session) -> int:
    """Send again jobs pending or running for too long; drop old finished rows.

    A pending job whose message the broker lost looks like a row untouched
    for ``myynti.job_stale_after`` seconds. A running job whose worker died
    looks like a claim whose worker has not been seen for a lease
    (``myynti.job_lease``; see ``heartbeat``), or, whatever its worker, like
    a row running for ``job_stale_after``. Such a row goes back to pending,
    unless its job is running right now (its worker holds the row's lock:
    skipped, not waited for); a slow worker that gets to the job later finds
    its claim gone and leaves the job alone. Returns how many jobs were sent
    again.
    """
    queue = queue_of(db)
    now = utcnow()
    stale = now - timedelta(seconds=queue.config.stale_after)
    lease_ago = now - timedelta(seconds=queue.config.lease)
    worker_alive = exists().where(JobWorker.id == Job.claimed_by, JobWorker.seen_at >= lease_ago)
    with all_tenants(db):
        abandoned = (
            select(Job.id)
            .where(
                Job.state == JobState.RUNNING,
                or_(Job.updated_at < stale, and_(Job.updated_at < lease_ago, ~worker_alive)),
            )
            .with_for_update(skip_locked=True)
        )
        reclaimed = db.scalars(
            update(Job)
            .where(Job.id.in_(abandoned))
            .values(state=JobState.PENDING, run_after=None, claimed_by=None, updated_at=now)
            .returning(Job.id),
            execution_options={"synchronize_session": False},
        ).all()
        lost = and_(
            Job.state == JobState.PENDING,
            Job.updated_at < stale,
            or_(Job.run_after.is_(None), Job.run_after < stale),
        )
        batch = select(Job.id).where(lost).order_by(Job.id).limit(SWEEP_BATCH)
        resent = db.scalars(
            update(Job)
            .where(Job.id.in_(batch), lost)
            .values(run_after=None, updated_at=now)
            .returning(Job.id),
            execution_options={"synchronize_session": False},
        ).all()
        db.execute(
            delete(Job).where(
                Job.state.in_((JobState.DONE, JobState.SKIPPED)),
                Job.updated_at < now - KEEP_FINISHED,
            ),
            execution_options={"synchronize_session": False},
        )
        db.execute(
            delete(JobWorker).where(JobWorker.seen_at < now - FORGET_WORKER),
            execution_options={"synchronize_session": False},
        )
    ids = sorted({*reclaimed, *resent})
    for job_id in ids:
        send_after_commit(db, job_id)
    if ids:
        log.warning("outbox sweep: sent %d stale jobs again", len(ids))
    return len(ids)
