"""What a worker does with one message: claim the row, run the job as its tenant, record.

Separate short transactions, so a job in progress is visible as running, and
a job that kills its worker still uses up its attempts:

1. **claim**: pending (and due) → running, ``attempts + 1``, reading the
   tenant's row on the way; on PostgreSQL the row is picked ``FOR UPDATE SKIP
   LOCKED``, so a second worker with a duplicate message moves on at once. A
   row that is done, running or gone is not claimed: a duplicate message does
   nothing.
2. **run**: as the tenant (the ORM filter and, on PostgreSQL, row-level
   security, as in a request), the job's work and the row's ``done`` commit
   together, and only while the row still holds this claim's attempt number:
   a worker whose stale claim was taken over (see ``outbox.sweep``) rolls its
   work back instead of doing it twice.
3. **on failure**: the work is rolled back; the error is recorded and the row
   goes back to pending with a growing delay, or to failed after the last
   attempt.
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Text, and_, bindparam, func, or_, select, update
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

# The statements are built once: building and hashing them anew for every job
# would cost a worker more time than running them.
_NOW = bindparam("now", type_=Job.updated_at.type)
_DUE = and_(
    Job.id == bindparam("job_id"),
    Job.state == JobState.PENDING,
    or_(Job.run_after.is_(None), Job.run_after <= _NOW),
)
_CLAIM_VALUES = {"state": JobState.RUNNING, "attempts": Job.attempts + 1, "updated_at": _NOW}
#: The claimed row and its tenant's, which the job gets without a query of its own.
_TENANT_COLUMNS = [column.key for column in Tenant.__table__.columns]
_CLAIMED_ROW = (
    Job.plugin,
    Job.name,
    Job.payload,
    Job.attempts,
    *(
        select(Tenant.__table__.c[key])
        .where(Tenant.id == Job.tenant_id)
        .scalar_subquery()
        .label(f"tenant_{key}")
        for key in _TENANT_COLUMNS
    ),
)
CLAIM = update(Job).where(_DUE).values(_CLAIM_VALUES).returning(*_CLAIMED_ROW)
#: PostgreSQL: a row another worker is claiming right now is skipped, not waited for.
CLAIM_SKIP_LOCKED = (
    update(Job)
    .where(Job.id == select(Job.id).where(_DUE).with_for_update(skip_locked=True).scalar_subquery())
    .values(_CLAIM_VALUES)
    .returning(*_CLAIMED_ROW)
)
_HELD = and_(
    Job.id == bindparam("job_id"),
    Job.state == JobState.RUNNING,
    Job.attempts == bindparam("attempt"),
)
#: Refresh a claim this worker still holds (taking SQLite's write lock).
TOUCH = update(Job).where(_HELD).values(updated_at=_NOW)
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
    )
)


class ClaimLost(Exception):
    """The row was claimed again (after this claim went stale) while the job ran."""


@dataclass(frozen=True)
class Claim:
    id: int
    tenant_id: int
    plugin: str
    name: str
    payload: dict[str, Any]
    attempt: int
    #: The tenant's row as it was when the job was claimed.
    tenant: dict[str, Any]

    @property
    def held(self) -> dict[str, Any]:
        """The parameters that pick the row while this claim holds it."""
        return {"job_id": self.id, "attempt": self.attempt}


def process(queue: JobQueue, job_id: int) -> None:
    """Handle one message. Never raises: the row, not the message, records what happened."""
    claim = _claim(queue, job_id)
    if claim is None:
        return
    try:
        _run(queue, claim)
    except ClaimLost:
        log.warning(
            "job %d: attempt %d was taken over; its work is undone", claim.id, claim.attempt
        )
    except Exception as exc:
        log.exception("job %d (%s) failed on attempt %d", claim.id, claim.name, claim.attempt)
        _record_failure(queue, claim, exc)


def _claim(queue: JobQueue, job_id: int) -> Claim | None:
    with queue.session() as db, all_tenants(db), db.begin():
        connection = db.connection()
        statement = CLAIM_SKIP_LOCKED if connection.dialect.name == "postgresql" else CLAIM
        row = connection.execute(statement, {"job_id": job_id, "now": utcnow()}).one_or_none()
    if row is None:
        return None
    tenant = {key: row._mapping[f"tenant_{key}"] for key in _TENANT_COLUMNS}
    return Claim(
        job_id, tenant["id"], row.plugin, row.name, row.payload or {}, row.attempts, tenant
    )


def _run(queue: JobQueue, claim: Claim) -> None:
    with queue.session() as db:
        set_tenant(db, claim.tenant_id)
        with db.begin():
            if db.get_bind().dialect.name == "sqlite" and not _update(
                db, TOUCH, {**claim.held, "now": utcnow()}
            ):
                # SQLite: write first, so the transaction holds the write lock
                # from the start; one that reads and then writes fails outright
                # when another connection has written in between.
                raise ClaimLost()
            state, reason = _call(queue, db, claim)
            now = utcnow()
            outcome = {
                **claim.held,
                "state": state,
                "error": reason or None,
                "run_after": None,
                "now": now,
                "done_at": now if state == JobState.DONE else None,
            }
            if not _update(db, FINISH, outcome):
                raise ClaimLost()


def _call(queue: JobQueue, db: Session, claim: Claim) -> tuple[JobState, str]:
    """Run the job unless its tenant or plugin says not to; the outcome and why."""
    tenant = Tenant(**claim.tenant)
    # The row was read with the claim: attach it as loaded rather than query it again.
    make_transient_to_detached(tenant)
    db.add(tenant)
    if not tenant.active:
        return JobState.SKIPPED, TENANT_INACTIVE
    declared = queue.job_types.get(claim.name)
    if declared is None or declared.plugin != claim.plugin:
        return JobState.FAILED, NOT_INSTALLED
    if claim.plugin in queue.licensed and claim.plugin not in enabled_plugins(db, tenant):
        return JobState.SKIPPED, PLUGIN_DISABLED
    declared.job.run(db=db, tenant=tenant, payload=claim.payload)
    return JobState.DONE, ""


def _update(db: Session, statement: Any, params: dict[str, Any]) -> bool:
    """Run ``statement`` on the job row; whether the claim still held it."""
    return db.connection().execute(statement, params).rowcount == 1


def _record_failure(queue: JobQueue, claim: Claim, exc: BaseException) -> None:
    retry = claim.attempt < queue.config.attempts
    delay = min(queue.config.retry_delay * 2 ** (claim.attempt - 1), MAX_RETRY_DELAY)
    now = utcnow()
    params = {
        **claim.held,
        "state": JobState.PENDING if retry else JobState.FAILED,
        "error": "".join(traceback.format_exception_only(exc)).strip()[:ERROR_MAX],
        "run_after": now + timedelta(seconds=delay) if retry else None,
        "now": now,
        "done_at": None,
    }
    with queue.session() as db:
        set_tenant(db, claim.tenant_id)
        with db.begin():
            if _update(db, FINISH, params) and retry:
                send_after_commit(db, claim.id, delay)
