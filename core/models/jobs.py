"""The job outbox, the workers' heartbeats and the scheduler's record of periodic runs."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, TenantOwned, utcnow


class JobState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


class Job(TenantOwned, Base):
    """One piece of background work of a tenant: written with the change that caused it.

    The broker's message carries only the row's id, so a lost message loses
    nothing: the row stays pending until the sweep sends it again. ``attempts``
    doubles as the claim: a worker finishes a job only while the row still has
    the attempt number it claimed, so a row re-claimed after a stale claim is
    finished once.
    """

    __tablename__ = "job"
    __table_args__ = (
        Index("ix_job_tenant_state", "tenant_id", "state", "id"),
        # The sweep and the operators' page look across tenants by state: the one
        # index not led by tenant_id, because no query of it is per tenant.
        Index("ix_job_state_updated", "state", "updated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The plugin that declared the job type (its ``myynti_jobs``).
    plugin: Mapped[str] = mapped_column(String(63))
    name: Mapped[str] = mapped_column(String(127))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default=JobState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: The same for every attempt of this job and for no other job: a job passes it
    #: to the outside (a Message-ID, a webhook's delivery id) so that a receiver
    #: can recognise an attempt that repeats a side effect (see ``core.contract.JobType``).
    idempotency_key: Mapped[str] = mapped_column(String(32), default=lambda: uuid.uuid4().hex)
    #: The ``JobWorker`` whose claim the row holds while it is running.
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str] = mapped_column(Text, default="")
    #: A pending job waiting to be retried is not claimed before this time.
    run_after: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class JobWorker(Base):
    """A process that runs jobs, and when it last said it is alive.

    A running worker renews ``seen_at`` every third of ``myynti.job_lease``
    seconds. Once a worker has not been seen for a whole lease, the outbox
    sweep hands the jobs it claimed back (a killed process leaves no other
    trace), instead of waiting ``myynti.job_stale_after`` for them.
    """

    __tablename__ = "job_worker"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PeriodicRun(Base):
    """When a periodic job last ran, shared by every scheduler.

    A scheduler runs a periodic job only after moving ``last_run_at`` on, so
    several schedulers (a worker each) run it once per interval between them,
    and a restart does not run it again early.
    """

    __tablename__ = "periodic_run"

    name: Mapped[str] = mapped_column(String(127), primary_key=True)
    last_run_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
