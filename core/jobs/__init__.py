"""Background jobs that lose nothing: a transactional outbox driven by dramatiq.

A plugin declares ``JobType`` objects (``myynti_jobs``) and starts one with
``enqueue(request.db, request.tenant, "name", {...})``. The job is a row
written in the caller's transaction; its message is sent only after that
transaction commits. A worker runs the job as its tenant and marks the row
done in the same transaction as the job's work; a periodic sweep sends again
what a broker lost. See ``outbox``, ``worker`` and ``scheduler``.

Where jobs run (``myynti.broker_url``):

* embedded (empty): dramatiq's in-memory broker, with worker threads and the
  scheduler inside the web process, started when the app is created;
* Redis or RabbitMQ: the web processes only send; ``myynti worker`` processes
  run the jobs, and ``myynti scheduler`` (or ``myynti worker --scheduler``)
  the periodic ones.
"""

from __future__ import annotations

import atexit
from typing import Any

from pyramid.events import ApplicationCreated

from core.contract import JobType, PeriodicJob
from core.jobs.outbox import UnknownJob, enqueue, retry, sweep, tenant_hooks
from core.jobs.queue import JobQueue

__all__ = ["JobQueue", "UnknownJob", "enqueue", "retry", "tenant_hooks"]

PING = "core.ping"
SWEEP = "core.outbox_sweep"
SWEEP_INTERVAL = 60


def ping(**_: Any) -> None:
    """Do nothing: ``myynti jobs ping`` and the benchmark time the way there and back."""


#: Core's own jobs, declared through its hooks like any plugin's.
CORE_JOBS = [JobType(PING, ping)]
CORE_PERIODIC_JOBS = [PeriodicJob(SWEEP, SWEEP_INTERVAL, sweep)]


def includeme(config: Any) -> None:
    """Give the app its job queue; with the embedded broker, run jobs in this process."""
    registry = config.registry
    queue = JobQueue(registry.settings, registry.myynti_plugins, registry.db_engine)
    queue.attach(registry.db_factory)
    registry.myynti_jobs = queue
    if queue.embedded and queue.config.threads > 0:
        config.add_subscriber(_start_in_process, ApplicationCreated)


def _start_in_process(event: Any) -> None:
    queue: JobQueue = event.app.registry.myynti_jobs
    queue.start(queue.config.threads, scheduler=True)
    atexit.register(queue.stop)
