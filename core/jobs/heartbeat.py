"""A worker process's heartbeat: the ``JobWorker`` row that says it is alive.

The jobs a worker claims carry its id (``Job.claimed_by``). While the process
runs, this thread renews its row's ``seen_at`` every third of the lease
(``myynti.job_lease``); a process that is killed stops renewing, and the
outbox sweep hands its claimed jobs back once a whole lease has passed
(``outbox.sweep``). A clean stop deletes the row.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from sqlalchemy import delete, update

from core.models import JobWorker, utcnow

if TYPE_CHECKING:
    from core.jobs.queue import JobQueue

log = logging.getLogger(__name__)

#: Beats per lease: a worker may miss two and still keep its claims.
BEATS_PER_LEASE = 3


class Heartbeat(threading.Thread):
    def __init__(self, queue: JobQueue) -> None:
        super().__init__(name="myynti-heartbeat", daemon=True)
        self.queue = queue
        self._stopping = threading.Event()

    def start(self) -> None:
        """Say this worker is alive before its first claim, then keep saying it."""
        self._beat_or_log()
        super().start()

    def run(self) -> None:
        while not self._stopping.wait(self.queue.config.lease / BEATS_PER_LEASE):
            self._beat_or_log()

    def stop(self) -> None:
        """Stop beating and delete the row: this worker holds no claim any more."""
        self._stopping.set()
        self.join()
        try:
            with self.queue.session() as db, db.begin():
                db.execute(delete(JobWorker).where(JobWorker.id == self.queue.worker_id))
        except Exception:
            log.exception("cannot delete this worker's heartbeat row; the sweep will")

    def beat(self) -> None:
        """Renew this worker's row (made on the first beat)."""
        now = utcnow()
        with self.queue.session() as db, db.begin():
            renewed = db.execute(
                update(JobWorker).where(JobWorker.id == self.queue.worker_id).values(seen_at=now),
                execution_options={"synchronize_session": False},
            ).rowcount
            if not renewed:
                db.add(JobWorker(id=self.queue.worker_id, started_at=now, seen_at=now))

    def _beat_or_log(self) -> None:
        try:
            self.beat()
        except Exception:
            # The next beat may get through; until a lease has passed, no claim is lost.
            log.exception("worker %s: cannot renew its heartbeat", self.queue.worker_id)
