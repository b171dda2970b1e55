"""The scheduler: runs each plugin's periodic jobs once per interval.

The time of each job's last run is kept in the database (``PeriodicRun``), and
a scheduler runs a job only after moving that time on with a conditional
update. So any number of schedulers (one per ``myynti worker``, or the web
process's own) run a job once per interval between them, and a restart does
not run everything again at once.

A periodic job's ``run(db=...)`` is called in a transaction of its own, the
session working as no tenant: it looks across tenants inside ``all_tenants``
and starts per-tenant work with ``enqueue``.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from core.contract import PeriodicJob
from core.models import PeriodicRun, as_utc, utcnow

if TYPE_CHECKING:
    from core.jobs.queue import JobQueue

log = logging.getLogger(__name__)

#: Seconds between two looks at what is due.
TICK = 1.0


class Scheduler(threading.Thread):
    def __init__(self, queue: JobQueue) -> None:
        super().__init__(name="myynti-scheduler", daemon=True)
        self.queue = queue
        self._stopping = threading.Event()
        #: When to look at each job in the database next: a hint that saves queries.
        self._next_look: dict[str, datetime] = {}

    def run(self) -> None:
        while not self._stopping.is_set():
            self.run_due()
            self._stopping.wait(TICK)

    def stop(self) -> None:
        self._stopping.set()
        self.join()

    def run_due(self) -> None:
        """Run every periodic job whose interval has passed since its last run anywhere."""
        for declared in self.queue.periodic_jobs:
            job: PeriodicJob = declared.job
            now = utcnow()
            if self._next_look.get(job.name, now) > now:
                continue
            try:
                self._next_look[job.name] = self._run_if_due(job, now)
            except Exception:
                log.exception("periodic job %s failed", job.name)
                self._next_look[job.name] = now + timedelta(seconds=job.interval)

    def _run_if_due(self, job: PeriodicJob, now: datetime) -> datetime:
        """Run ``job`` if it is due and this scheduler wins it; when to look again."""
        interval = timedelta(seconds=job.interval)
        with self.queue.session() as db:
            try:
                with db.begin():
                    # The write first: on SQLite a transaction that read before it
                    # writes can fail when another connection wrote in between.
                    won = db.execute(
                        update(PeriodicRun)
                        .where(
                            PeriodicRun.name == job.name,
                            PeriodicRun.last_run_at <= now - interval,
                        )
                        .values(last_run_at=now),
                        execution_options={"synchronize_session": False},
                    ).rowcount
                    if not won:
                        last = db.get(PeriodicRun, job.name)
                        if last is not None:
                            return as_utc(last.last_run_at) + interval
                        db.add(PeriodicRun(name=job.name, last_run_at=now))
                        db.flush()
            except IntegrityError:
                # Another scheduler made the row first: this round is its.
                return now + interval
            with db.begin():
                job.run(db=db)
        return now + interval
