"""What a worker does with one message: claim rows, run the jobs as their tenants, record.

A message names one or more jobs. The worker handles it in short transactions,
so a job in progress is visible as running, and a job that kills its worker
still uses up its attempts:

1. **claim** (one statement, one transaction): the message's rows that are
   pending and due, and up to ``more`` other due rows near them, go to running with
   ``attempts + 1``; their tenants' rows are read on the way. On PostgreSQL
   the rows are picked ``FOR UPDATE SKIP LOCKED``, so workers never wait for
   each other and never claim a row twice. A row that is done, running or
   gone is not claimed: a message for a job another claim already took
   (a duplicate, or one for a row run in someone's batch) costs one query.
2. **run**: the claimed jobs of one tenant run in one transaction working as
   that tenant (the ORM filter and, on PostgreSQL, row-level security through
   one ``set_config``, as in a request), each in a savepoint of its own. The
   transaction first locks the rows that still hold this claim's attempt
   number (one statement; on SQLite the transaction holds the database's write
   lock from its start): a worker whose stale claim was taken over (see
   ``outbox.sweep``) skips that job instead of doing it twice, and no sweep
   can take a row over while its job runs. A job's work and its row's outcome
   commit together; the outcomes are written in one statement at the end. A
   transaction is committed once it has run for ``TRANSACTION_SECONDS``, and
   the rest of the tenant's jobs go on in the next, so no job's locks or
   results wait long for the jobs after it.
3. **on failure**: only the failing job's savepoint is rolled back; the error
   is recorded and the row goes back to pending with a growing delay, or to
   failed after the last attempt. If the transaction itself fails, every job
   in it is recorded so, in a transaction of its own.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Text, and_, bindparam, func, or_, select, union, update
from sqlalchemy.orm import Session, make_transient_to_detached

from core.db import all_tenants, set_tenant
from core.jobs.outbox import send_after_commit
from core.licensing import enabled_plugins
from core.models import Job, JobState, Tenant, utcnow

if TYPE_CHECKING:
    from core.jobs.queue import JobQueue

log = logging.getLogger(__name__)

#: Reasons recorded in ``Job.last_error`` when a job is not run.
PLUGIN_DISABLED = "plugin disabled"
TENANT_INACTIVE = "tenant inactive"
NOT_INSTALLED = "no installed plugin declares this job"
#: The longest wait between two attempts.
MAX_RETRY_DELAY = 3600
ERROR_MAX = 2000
#: A transaction of jobs is committed once it has run this long (seconds).
TRANSACTION_SECONDS = 0.1
#: At most this many jobs are claimed at once. (On PostgreSQL, a transaction with
#: more than 64 savepoints that write slows down every other session's snapshots.)
MAX_CLAIM = 50
#: How far from a message's ids a claim looks for other due jobs.
NEARBY = 4 * MAX_CLAIM
#: Claimed jobs not started this many seconds after the claim are handed back.
HOLD_SECONDS = 0.5

# The statements are built once: building and hashing them anew for every job
# would cost a worker more time than running them.
_NOW = bindparam("now", type_=Job.updated_at.type)
_DUE = and_(Job.state == JobState.PENDING, or_(Job.run_after.is_(None), Job.run_after <= _NOW))
#: The message's due rows, and up to ``more`` other due rows among the ids
#: around the message's (``NEARBY`` either side): jobs started about the same
#: time, whose messages are close behind. A bounded range of the primary key,
#: so a claim costs the same however many jobs wait. On PostgreSQL a row
#: another worker is claiming right now is skipped, not waited for.
_NAMED = select(Job.id).where(Job.id.in_(bindparam("job_ids", expanding=True)), _DUE)
_OTHERS = (
    select(Job.id)
    .where(Job.id.between(bindparam("low"), bindparam("high")), _DUE)
    .order_by(Job.id)
    .limit(bindparam("more"))
)
# One IN of a UNION, not two INs joined by OR: PostgreSQL would answer the OR
# by reading the whole table.
_CLAIMABLE = Job.id.in_(
    union(
        *(
            select(locked.c.id)
            for locked in (
                _NAMED.with_for_update(skip_locked=True).subquery(),
                _OTHERS.with_for_update(skip_locked=True).subquery(),
            )
        )
    )
)
#: The claimed rows and their tenants', which the jobs get without a query of their own.
_TENANT_COLUMNS = [column.key for column in Tenant.__table__.columns]
CLAIM = (
    update(Job)
    .where(_CLAIMABLE)
    .values(
        state=JobState.RUNNING,
        attempts=Job.attempts + 1,
        claimed_by=bindparam("worker"),
        updated_at=_NOW,
    )
    .returning(
        Job.id,
        Job.plugin,
        Job.name,
        Job.payload,
        Job.attempts,
        Job.idempotency_key,
        *(
            select(Tenant.__table__.c[key])
            .where(Tenant.id == Job.tenant_id)
            .scalar_subquery()
            .label(f"tenant_{key}")
            for key in _TENANT_COLUMNS
        ),
    )
)
_HELD = and_(
    Job.id == bindparam("job_id"),
    Job.state == JobState.RUNNING,
    Job.attempts == bindparam("attempt"),
)
#: Lock the rows of these jobs for the rest of the transaction, with their attempt numbers.
HOLD = (
    select(Job.id, Job.attempts)
    .where(Job.id.in_(bindparam("job_ids", expanding=True)), Job.state == JobState.RUNNING)
    .with_for_update()
)
#: Record the outcome of a claim this worker still holds; a NULL error keeps the last one.
FINISH = (
    update(Job)
    .where(_HELD)
    .values(
        state=bindparam("state"),
        last_error=func.coalesce(bindparam("error", type_=Text), Job.last_error),
        run_after=bindparam("run_after", type_=Job.run_after.type),
        updated_at=_NOW,
        done_at=bindparam("done_at", type_=Job.done_at.type),
        claimed_by=None,
    )
)
#: Hand a claim this worker still holds back, as if it had never been made.
RELEASE = (
    update(Job)
    .where(_HELD)
    .values(state=JobState.PENDING, attempts=Job.attempts - 1, claimed_by=None, updated_at=_NOW)
)


@dataclass(frozen=True)
class Claim:
    id: int
    tenant_id: int
    plugin: str
    name: str
    payload: dict[str, Any]
    attempt: int
    idempotency_key: str
    #: The tenant's row as it was when the job was claimed.
    tenant: dict[str, Any]

    @property
    def held(self) -> dict[str, Any]:
        """The parameters that pick the row while this claim holds it."""
        return {"job_id": self.id, "attempt": self.attempt}

    def outcome(
        self, state: JobState, error: str | None = None, run_after: datetime | None = None
    ) -> dict[str, Any]:
        """The parameters of ``FINISH`` for this claim's row; a None error keeps the last one."""
        now = utcnow()
        return {
            **self.held,
            "state": state,
            "error": error,
            "run_after": run_after,
            "now": now,
            "done_at": now if state == JobState.DONE else None,
        }


def process(queue: JobQueue, job_ids: Sequence[int], more: int = 0) -> tuple[int, list[int]]:
    """Handle one message: its jobs and up to ``more`` other due ones.

    Returns how many jobs were claimed, and the ids of those now done. Never
    raises: the rows, not the message, record what happened.
    """
    try:
        claims = claim(queue, job_ids, more)
    except Exception:
        log.exception("cannot claim jobs %s; the outbox sweep will send them again", job_ids)
        return 0, []
    return len(claims), run(queue, claims)


def claim(queue: JobQueue, job_ids: Sequence[int], more: int = 0) -> list[Claim]:
    """Claim the due jobs among ``job_ids`` and up to ``more`` others, by tenant and id."""
    if not job_ids:
        return []
    with queue.session() as db, all_tenants(db), db.begin():
        params = {
            "job_ids": list(job_ids),
            "low": min(job_ids) - NEARBY,
            "high": max(job_ids) + NEARBY,
            "more": more,
            "now": utcnow(),
            "worker": queue.worker_id,
        }
        rows = db.connection().execute(CLAIM, params).all()
    claims = []
    for row in rows:
        tenant = {key: row._mapping[f"tenant_{key}"] for key in _TENANT_COLUMNS}
        claims.append(
            Claim(
                row.id,
                tenant["id"],
                row.plugin,
                row.name,
                row.payload or {},
                row.attempts,
                row.idempotency_key,
                tenant,
            )
        )
    return sorted(claims, key=lambda c: (c.tenant_id, c.id))


def run(queue: JobQueue, claims: Iterable[Claim]) -> list[int]:
    """Run claimed jobs, a transaction per tenant (and per ``TRANSACTION_SECONDS``).

    Once ``HOLD_SECONDS`` have passed, or the queue is stopping, the claims
    not yet run are released. Returns the ids of the jobs done (and committed).
    """
    started = time.monotonic()
    done: list[int] = []
    left = list(claims)
    while left:
        if queue.stopping or time.monotonic() - started >= HOLD_SECONDS:
            release(queue, left)
            break
        tenant_id = left[0].tenant_id
        of_tenant = [c for c in left if c.tenant_id == tenant_id]
        others = [c for c in left if c.tenant_id != tenant_id]
        left = _run_some(queue, of_tenant, done) + others
    return done


def release(queue: JobQueue, claims: Iterable[Claim]) -> None:
    """Hand claims back to pending, their attempt uncounted, and send them again."""
    claims = list(claims)
    try:
        with queue.session() as db, all_tenants(db), db.begin():
            now = utcnow()
            for held in claims:
                if _update(db, RELEASE, {**held.held, "now": now}):
                    send_after_commit(db, held.id)
    except Exception:
        log.exception("cannot release jobs %s; the sweep hands them back", [c.id for c in claims])
    else:
        log.info("released %d claimed job(s) not yet started", len(claims))


def _run_some(queue: JobQueue, claims: list[Claim], done: list[int]) -> list[Claim]:
    """Run jobs of one tenant in one transaction until time is up; the claims not run.

    Adds the ids of the jobs done to ``done`` once they are committed.
    """
    started = time.monotonic()
    rest = list(claims)
    ran: list[Claim] = []
    outcomes: list[dict[str, Any]] = []
    try:
        with queue.session() as db:
            set_tenant(db, claims[0].tenant_id)
            with db.begin():
                tenant = Tenant(**claims[0].tenant)
                # The row was read with the claim: attach it as loaded rather than query it again.
                make_transient_to_detached(tenant)
                db.add(tenant)
                checks = _Checks(queue, db, tenant)
                held = _hold(db, rest)
                while (
                    rest and time.monotonic() - started < TRANSACTION_SECONDS and not queue.stopping
                ):
                    job = rest.pop(0)
                    if job.id not in held:
                        log.warning(
                            "job %d: attempt %d was taken over by the sweep; not run here",
                            job.id,
                            job.attempt,
                        )
                        continue
                    ran.append(job)
                    outcome = _run_one(queue, db, checks, job)
                    if outcome is not None:
                        outcomes.append(outcome)
                if outcomes:
                    db.connection().execute(FINISH, outcomes)
    except Exception as exc:
        # The commit (or the connection) failed: none of the work is kept. If
        # not even the first job got to run, none of them will: all are retried.
        failed, rest = (ran, rest) if ran else (rest, [])
        log.exception("jobs %s: their transaction failed", [c.id for c in failed])
        for job in failed:
            _record_failure_alone(queue, job, exc)
    else:
        done.extend(o["job_id"] for o in outcomes if o["state"] == JobState.DONE)
    return rest


def _hold(db: Session, claims: list[Claim]) -> set[int]:
    """Lock the rows these claims still hold; their ids."""
    attempts = {c.id: c.attempt for c in claims}
    rows = db.connection().execute(HOLD, {"job_ids": list(attempts)})
    return {row.id for row in rows if attempts[row.id] == row.attempts}


class _Checks:
    """Whether a job may run, for jobs of one tenant in one transaction."""

    def __init__(self, queue: JobQueue, db: Session, tenant: Tenant) -> None:
        self.queue = queue
        self.db = db
        self.tenant = tenant
        self._enabled: set[str] | None = None

    def refusal(self, held: Claim) -> tuple[JobState, str] | None:
        """Why the job must not run (the state to record, the reason), or None."""
        if not self.tenant.active:
            return JobState.SKIPPED, TENANT_INACTIVE
        declared = self.queue.job_types.get(held.name)
        if declared is None or declared.plugin != held.plugin:
            return JobState.FAILED, NOT_INSTALLED
        if held.plugin in self.queue.licensed:
            if self._enabled is None:
                self._enabled = enabled_plugins(self.db, self.tenant)
            if held.plugin not in self._enabled:
                return JobState.SKIPPED, PLUGIN_DISABLED
        return None


def _run_one(queue: JobQueue, db: Session, checks: _Checks, job: Claim) -> dict[str, Any] | None:
    """Run one job in a savepoint: its work is kept or undone on its own.

    The outcome to record for it, or None when its failure is recorded already.
    """
    savepoint = db.begin_nested()
    try:
        state, reason = checks.refusal(job) or _call(queue, db, checks.tenant, job)
    except Exception as exc:
        savepoint.rollback()
        log.exception("job %d (%s) failed on attempt %d", job.id, job.name, job.attempt)
        _record_failure(queue, db, job, exc)
        return None
    savepoint.commit()
    return job.outcome(state, reason or None)


def _call(queue: JobQueue, db: Session, tenant: Tenant, held: Claim) -> tuple[JobState, str]:
    extra = {"idempotency_key": held.idempotency_key} if held.name in queue.takes_key else {}
    queue.job_types[held.name].job.run(db=db, tenant=tenant, payload=held.payload, **extra)
    return JobState.DONE, ""


def _update(db: Session, statement: Any, params: dict[str, Any]) -> bool:
    """Run ``statement`` on the job row; whether the claim still held it."""
    return db.connection().execute(statement, params).rowcount == 1


def _record_failure(queue: JobQueue, db: Session, held: Claim, exc: BaseException) -> None:
    """In ``db``'s transaction: retry the job later, or mark it failed after the last attempt."""
    retry = held.attempt < queue.config.attempts
    delay = min(queue.config.retry_delay * 2 ** (held.attempt - 1), MAX_RETRY_DELAY)
    outcome = held.outcome(
        JobState.PENDING if retry else JobState.FAILED,
        "".join(traceback.format_exception_only(exc)).strip()[:ERROR_MAX],
        utcnow() + timedelta(seconds=delay) if retry else None,
    )
    if _update(db, FINISH, outcome) and retry:
        send_after_commit(db, held.id, delay)


def _record_failure_alone(queue: JobQueue, held: Claim, exc: BaseException) -> None:
    try:
        with queue.session() as db:
            set_tenant(db, held.tenant_id)
            with db.begin():
                _record_failure(queue, db, held, exc)
    except Exception:
        log.exception("job %d: cannot record its failure; the sweep will retry it", held.id)
