"""One app's job queue: its broker and actor, its sessions, and the workers it runs.

There is no global broker: each ``JobQueue`` makes its own and declares the
one actor on it, so several apps (the tests make many) live side by side in
one process, and nothing is declared at import time. The actor's name and
queue are the same in every process, so a web process sends what a
``myynti worker`` process receives.
"""

from __future__ import annotations

import logging
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
from core.jobs.outbox import QUEUE_KEY, UnknownJob
from core.jobs.scheduler import Scheduler
from core.plugins import PluginError, PluginRegistry

log = logging.getLogger(__name__)

ACTOR_NAME = "myynti_job"
#: Seconds ``stop`` waits for the jobs in progress to finish.
STOP_TIMEOUT = 30


@dataclass(frozen=True)
class JobConfig:
    """The ``myynti.broker_*``, ``myynti.worker_threads`` and ``myynti.job_*`` settings."""

    broker_url: str
    namespace: str
    threads: int
    attempts: int
    retry_delay: float
    stale_after: float

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> JobConfig:
        return cls(
            broker_url=str(settings.get("myynti.broker_url") or "").strip(),
            namespace=str(settings.get("myynti.broker_namespace") or "myynti").strip(),
            threads=int(settings.get("myynti.worker_threads", 4)),
            attempts=max(1, int(settings.get("myynti.job_attempts", 5))),
            retry_delay=float(settings.get("myynti.job_retry_delay", 30)),
            stale_after=float(settings.get("myynti.job_stale_after", 900)),
        )


@dataclass(frozen=True)
class Declared:
    """A job type or periodic job with the plugin that declared it."""

    plugin: str
    job: Any


class JobQueue:
    def __init__(
        self, settings: Mapping[str, Any], registry: PluginRegistry, engine: Engine
    ) -> None:
        self.config = JobConfig.from_settings(settings)
        self.registry = registry
        self.job_types: dict[str, Declared] = _declared(registry, "myynti_jobs", JobType)
        self.periodic_jobs: list[Declared] = list(
            _declared(registry, "myynti_periodic_jobs", PeriodicJob).values()
        )
        self.licensed = frozenset(p.name for p in registry.licensed)
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
        self._worker: dramatiq.Worker | None = None
        self._scheduler: Scheduler | None = None

    @property
    def embedded(self) -> bool:
        return is_embedded(self.broker)

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
        """Send each ``(job id, delay in seconds)``; a failure is left to the sweep."""
        pending = list(jobs)
        for done, (job_id, delay) in enumerate(pending):
            try:
                self.broker.enqueue(self.actor.message(job_id), delay=round(delay * 1000) or None)
            except Exception:
                log.exception(
                    "cannot send %d job(s) to the broker; the outbox sweep will send them later",
                    len(pending) - done,
                )
                return

    def _receive(self, job_id: int) -> None:
        worker.process(self, job_id)

    def start(self, threads: int, scheduler: bool) -> None:
        """Run ``threads`` worker threads, and the scheduler, in this process."""
        if threads > 0:
            self._worker = dramatiq.Worker(self.broker, worker_threads=threads)
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
        """Stop the scheduler and the workers, letting jobs in progress finish."""
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None:
            scheduler.stop()
        running, self._worker = self._worker, None
        if running is not None:
            running.stop(timeout=STOP_TIMEOUT * 1000)


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
