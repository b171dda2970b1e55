"""One app's job queue: its broker and actor, its sessions, and the workers it runs.

There is no global broker: each ``JobQueue`` makes its own and declares the
one actor on it, so several apps (the tests make many) live side by side in
one process, and nothing is declared at import time. The actor's name and
queue are the same in every process, so a web process sends what a
``myynti worker`` process receives.
"""

from __future__ import annotations

import inspect
import logging
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import dramatiq
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from core.contract import JobType, PeriodicJob
from core.db import TenantSession, make_session_factory
from core.jobs import worker
from core.jobs.broker import is_embedded, make_broker
from core.jobs.heartbeat import Heartbeat
from core.jobs.outbox import QUEUE_KEY, UnknownJob
from core.jobs.scheduler import Scheduler
from core.plugins import PluginError, PluginRegistry

log = logging.getLogger(__name__)

ACTOR_NAME = "myynti_job"
#: Seconds ``stop`` waits for the jobs in progress to finish.
STOP_TIMEOUT = 30
#: The longest a worker's broker consumer sleeps between two polls of an empty
#: queue (milliseconds; dramatiq backs off up to it, its default being 1000). A
#: job started by a job (a campaign launch's next batch) waits for the next poll,
#: so at dramatiq's default a chain of a hundred jobs spent most of a minute asleep.
CONSUMER_TIMEOUT_MS = 100


@dataclass(frozen=True)
class JobConfig:
    """The ``myynti.broker_*``, ``myynti.worker_threads`` and ``myynti.job_*`` settings."""

    broker_url: str
    namespace: str
    threads: int
    attempts: int
    retry_delay: float
    stale_after: float
    #: Seconds after its worker was last seen alive that a claimed job is handed back.
    lease: float

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> JobConfig:
        return cls(
            broker_url=str(settings.get("myynti.broker_url") or "").strip(),
            namespace=str(settings.get("myynti.broker_namespace") or "myynti").strip(),
            threads=int(settings.get("myynti.worker_threads", 4)),
            attempts=max(1, int(settings.get("myynti.job_attempts", 5))),
            retry_delay=float(settings.get("myynti.job_retry_delay", 30)),
            stale_after=float(settings.get("myynti.job_stale_after", 900)),
            lease=max(1.0, float(settings.get("myynti.job_lease", 30))),
        )


@dataclass(frozen=True)
class Declared:
    """A job type or periodic job with the plugin that declared it."""

    plugin: str
    job: Any


class JobQueue:
    """One app's jobs: it sends their messages, and runs them in threads once started."""

    def __init__(
        self, settings: Mapping[str, Any], registry: PluginRegistry, engine: Engine
    ) -> None:
        self.config = JobConfig.from_settings(settings)
        #: The app's settings, for jobs that need them (``queue_of(db).settings``).
        self.settings = settings
        self.registry = registry
        self.job_types: dict[str, Declared] = _declared(registry, "myynti_jobs", JobType)
        self.periodic_jobs: list[Declared] = list(
            _declared(registry, "myynti_periodic_jobs", PeriodicJob).values()
        )
        #: The job types whose ``run`` takes the ``idempotency_key`` argument.
        self.takes_key = frozenset(
            name for name, declared in self.job_types.items() if _takes_key(declared.job.run)
        )
        self.licensed = frozenset(p.name for p in registry.licensed)
        #: This process's name in ``JobWorker`` and on the jobs it claims.
        self.worker_id = uuid.uuid4().hex
        self._stopping = threading.Event()
        self.session_factory = make_session_factory(engine)
        self.attach(self.session_factory)
        self.broker = make_broker(self.config.broker_url, self.config.namespace)
        self.actor = dramatiq.Actor(
            self._receive,
            broker=self.broker,
            actor_name=ACTOR_NAME,
            queue_name=self.config.namespace,
            priority=0,
            options={},
        )
        self._pace = Pace()
        # PostgreSQL never hands out a job id twice; SQLite may again give a new
        # row the id of the newest row once that is deleted.
        self._done_here = RecentlyDone() if engine.dialect.name == "postgresql" else None
        self._worker: dramatiq.Worker | None = None
        self._scheduler: Scheduler | None = None
        self._heartbeat: Heartbeat | None = None

    @property
    def embedded(self) -> bool:
        return is_embedded(self.broker)

    @property
    def stopping(self) -> bool:
        """True once ``stop`` is called: a worker thread starts no further job."""
        return self._stopping.is_set()

    def attach(self, factory: sessionmaker[TenantSession]) -> None:
        """Let sessions of ``factory`` (the app's ``request.db``) enqueue jobs."""
        factory.configure(info={**factory.kw.get("info", {}), QUEUE_KEY: self})

    def session(self) -> TenantSession:
        """A session of its own on the real engine, able to enqueue."""
        return self.session_factory()

    def owner_of(self, job_name: str) -> str:
        declared = self.job_types.get(job_name)
        if declared is None:
            raise UnknownJob(f"no installed plugin declares a job named {job_name!r}")
        return declared.plugin

    def send(self, jobs: Iterable[tuple[int, float]]) -> None:
        """Send each ``(job id, delay in seconds)``; a failure is left to the sweep.

        Each job has a message of its own, so the jobs a request starts are
        spread over every free worker thread. (A thread that finds short jobs
        due claims several at once anyway: see ``Pace``.)
        """
        jobs = list(jobs)
        for sent, (job_id, delay) in enumerate(jobs):
            try:
                self.broker.enqueue(self.actor.message(job_id), delay=round(delay * 1000) or None)
            except Exception:
                log.exception(
                    "cannot send %d job(s) to the broker; the outbox sweep will send them later",
                    len(jobs) - sent,
                )
                return

    def _receive(self, *job_ids: int) -> None:
        """The actor: run the message's job, and as many other due ones as fit a batch.

        (A message of an older version may name several jobs.)

        Most messages name jobs another message's batch has run already: on
        PostgreSQL, those this process ran cost nothing here.
        """
        recent = self._done_here
        unknown = [job_id for job_id in job_ids if recent is None or job_id not in recent]
        if job_ids and not unknown:
            return
        started = time.monotonic()
        claimed, done = worker.process(self, unknown, self._pace.more(len(unknown)))
        self._pace.record(claimed, time.monotonic() - started)
        if recent is not None:
            recent.add(done)

    def start(self, threads: int, scheduler: bool) -> None:
        """Run ``threads`` worker threads, and the scheduler, in this process."""
        self._stopping.clear()
        if threads > 0:
            self._heartbeat = Heartbeat(self)
            self._heartbeat.start()
            self._worker = dramatiq.Worker(
                self.broker, worker_threads=threads, worker_timeout=CONSUMER_TIMEOUT_MS
            )
            self._worker.start()
        if scheduler:
            self._scheduler = Scheduler(self)
            self._scheduler.start()

    def drain(self) -> None:
        """Wait until this process's workers have nothing left to do (tests, bench)."""
        if self._worker is None:
            raise RuntimeError("no workers run in this process")
        self.broker.join(self.config.namespace)
        self._worker.join()

    def stop(self) -> None:
        """Stop the scheduler and the workers, letting the jobs in progress finish.

        A worker thread finishes the job it is running and hands the rest of
        its claim back to the queue (``worker.release``), where other
        workers find them at once.
        """
        self._stopping.set()
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None:
            scheduler.stop()
        running, self._worker = self._worker, None
        if running is not None:
            running.stop(timeout=STOP_TIMEOUT * 1000)
        heartbeat, self._heartbeat = self._heartbeat, None
        if heartbeat is not None:
            heartbeat.stop()


def _declared(registry: PluginRegistry, hook: str, kind: type) -> dict[str, Declared]:
    """Every installed plugin's declarations from ``hook``, by name (unique)."""
    found: dict[str, Declared] = {}
    for impl in getattr(registry.pm.hook, hook).get_hookimpls():
        for job in impl.function() or ():
            if not isinstance(job, kind):
                raise PluginError(f"{impl.plugin_name}: {hook} returned {job!r}")
            if job.name in found:
                raise PluginError(
                    f"job {job.name!r} is declared by both {found[job.name].plugin}"
                    f" and {impl.plugin_name}"
                )
            found[job.name] = Declared(impl.plugin_name, job)
    return found


def _takes_key(run: Any) -> bool:
    """Whether a job's ``run`` accepts ``idempotency_key`` (by name or as ``**kwargs``)."""
    try:
        parameters = inspect.signature(run).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(
        p.kind is p.VAR_KEYWORD or (p.name == "idempotency_key" and p.kind is not p.POSITIONAL_ONLY)
        for p in parameters
    )


class Pace:
    """How many other due jobs a worker claims with a message's, from how long jobs take.

    Short jobs are claimed many at a time (fewer statements and commits per
    job); long ones one at a time, so that no job waits in one worker's batch
    while another worker is idle. Roughly ``worker.TRANSACTION_SECONDS`` of work per claim.
    """

    #: Weight of the latest message in the running mean of seconds per job.
    WEIGHT = 0.2

    def __init__(self) -> None:
        self.seconds_per_job = worker.TRANSACTION_SECONDS / 10

    def more(self, named: int) -> int:
        fits = int(worker.TRANSACTION_SECONDS / max(self.seconds_per_job, 1e-6))
        return max(0, min(fits, worker.MAX_CLAIM) - named)

    def record(self, jobs: int, seconds: float) -> None:
        if jobs:
            latest = seconds / jobs
            self.seconds_per_job += self.WEIGHT * (latest - self.seconds_per_job)


class RecentlyDone:
    """Ids of the jobs this process has run to done in the last minute or two.

    Done is final: no sweep or retry makes a done job pending again, so a
    message naming only these needs no query. Ids are forgotten after a while
    (a message that comes later costs one query), so memory stays bounded.
    """

    #: Seconds an id is kept at least (and at most twice as long).
    KEEP = 60.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current: set[int] = set()
        self._previous: set[int] = set()
        self._since = time.monotonic()

    def add(self, job_ids: Iterable[int]) -> None:
        with self._lock:
            if time.monotonic() - self._since >= self.KEEP:
                self._previous, self._current = self._current, set()
                self._since = time.monotonic()
            self._current.update(job_ids)

    def __contains__(self, job_id: int) -> bool:
        return job_id in self._current or job_id in self._previous
