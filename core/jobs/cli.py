"""``myynti worker``, ``myynti scheduler`` and ``myynti jobs``: run and inspect background jobs.

The commands take the ``myynti`` group's context object (``core.cli.Runtime``:
``settings``, ``registry``, ``engine``, ``config_path``); ``register(main)``
adds them to the group.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
from pyramid.paster import setup_logging
from sqlalchemy import func, select

from core.db import all_tenants, set_tenant
from core.jobs import PING, enqueue, retry
from core.jobs.broker import BrokerConfigError
from core.jobs.outbox import RETRYABLE
from core.jobs.queue import JobQueue
from core.jobs.worker import process
from core.models import Job, JobState, Tenant

STATES = [state.value for state in JobState]
ERROR_SHOWN = 60


def register(group: click.Group) -> None:
    """Add the job commands to the ``myynti`` group."""
    for command in (worker, scheduler, jobs):
        group.add_command(command)


def _queue(runtime: Any) -> JobQueue:
    try:
        return JobQueue(runtime.settings, runtime.registry, runtime.engine)
    except BrokerConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _needs_broker(queue: JobQueue) -> None:
    if queue.embedded:
        raise click.ClickException(
            "No broker: myynti.broker_url is empty, so jobs run inside the web process."
            " Set MYYNTI_BROKER_URL (redis://... or amqp://...) to run them here."
        )


def _run_until_stopped(runtime: Any, queue: JobQueue, threads: int, with_scheduler: bool) -> None:
    """Run the queue's threads until SIGTERM or Ctrl+C, then let the jobs in progress end."""
    setup_logging(str(Path(runtime.config_path).resolve()))
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    queue.start(threads, scheduler=with_scheduler)
    url = _without_password(queue.config.broker_url)
    parts = [f"{threads} worker threads"] if threads else []
    parts += ["the scheduler"] if with_scheduler else []
    click.echo(f"Running {' and '.join(parts)} on {url}, queue {queue.config.namespace}.")
    while not stopping.wait(1):
        pass
    click.echo("Stopping: letting the jobs in progress finish.")
    queue.stop()


@click.command("worker")
@click.option(
    "--threads",
    type=click.IntRange(1, 512),
    help="Jobs run at once [default: myynti.worker_threads].",
)
@click.option("--scheduler", "with_scheduler", is_flag=True, help="Also run the periodic jobs.")
@click.pass_obj
def worker(runtime: Any, threads: int | None, with_scheduler: bool) -> None:
    """Run background jobs from the broker until stopped (SIGTERM or Ctrl+C).

    Run as many worker processes as the load needs; each claims a job before
    running it, so none is run twice.
    """
    queue = _queue(runtime)
    _needs_broker(queue)
    _run_until_stopped(runtime, queue, threads or max(queue.config.threads, 1), with_scheduler)


@click.command("scheduler")
@click.pass_obj
def scheduler(runtime: Any) -> None:
    """Run the plugins' periodic jobs (and the outbox sweep) until stopped."""
    queue = _queue(runtime)
    _needs_broker(queue)
    _run_until_stopped(runtime, queue, 0, with_scheduler=True)


@click.group("jobs", invoke_without_command=True)
@click.option("--tenant", "slug", metavar="SLUG", help="Only this tenant's jobs.")
@click.option("--state", type=click.Choice(STATES), help="Only jobs in this state.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.pass_context
def jobs(ctx: click.Context, slug: str | None, state: str | None, limit: int) -> None:
    """List background jobs, newest first; 'retry' and 'ping' below."""
    if ctx.invoked_subcommand is not None:
        return
    queue = _queue(ctx.obj)
    with queue.session() as db, all_tenants(db):
        chosen = select(Job)
        if slug is not None:
            chosen = chosen.where(Job.tenant_id == _tenant(db, slug).id)
        by_state = chosen.with_only_columns(Job.state, func.count()).group_by(Job.state)
        counts = {job_state: count for job_state, count in db.execute(by_state)}
        if state is not None:
            chosen = chosen.where(Job.state == state)
        rows = db.execute(
            chosen.add_columns(Tenant.slug)
            .join(Tenant, Tenant.id == Job.tenant_id)
            .order_by(Job.id.desc())
            .limit(limit)
        )
        _table(
            ("ID", "TENANT", "JOB", "STATE", "ATTEMPTS", "UPDATED", "LAST ERROR"),
            [
                (
                    job.id,
                    tenant_slug,
                    job.name,
                    job.state,
                    job.attempts,
                    f"{job.updated_at:%Y-%m-%d %H:%M:%S}",
                    _first_line(job.last_error)[:ERROR_SHOWN],
                )
                for job, tenant_slug in rows
            ],
        )
    click.echo(", ".join(f"{counts.get(s, 0)} {s}" for s in STATES))


@jobs.command("retry")
@click.argument("job_id", type=int)
@click.pass_obj
def jobs_retry(runtime: Any, job_id: int) -> None:
    """Run failed or skipped job JOB_ID again."""
    queue = _queue(runtime)
    with queue.session() as db:
        with all_tenants(db):
            job = db.get(Job, job_id)
        if job is None:
            raise click.ClickException(f"No job with the id {job_id}.")
        if job.state not in RETRYABLE:
            raise click.ClickException(
                f"Job {job_id} is {job.state}; only failed or skipped jobs can be retried."
            )
        retry(db, job)
        db.commit()
    click.echo(f"Job {job_id} will run again.")
    if queue.embedded:
        _run_here(queue, job_id)


@jobs.command("ping")
@click.option("--tenant", "slug", metavar="SLUG", required=True, help="The tenant it runs as.")
@click.option("--timeout", type=click.FloatRange(0.1, 3600), default=30, show_default=True)
@click.pass_obj
def jobs_ping(runtime: Any, slug: str, timeout: float) -> None:
    """Run a job that does nothing and wait for it: do the workers work?"""
    queue = _queue(runtime)
    started = time.monotonic()
    with queue.session() as db:
        tenant = _tenant(db, slug)
        set_tenant(db, tenant.id)
        job_id = enqueue(db, tenant, PING)
        db.commit()
    if queue.embedded:
        _run_here(queue, job_id)
    deadline = started + timeout
    while _state(queue, job_id) in (JobState.PENDING, JobState.RUNNING):
        if time.monotonic() >= deadline:
            raise click.ClickException(
                f"Job {job_id} did not run within {timeout:g} s: is a 'myynti worker' running?"
            )
        time.sleep(0.02)
    click.echo(f"Job {job_id} ran in {(time.monotonic() - started) * 1000:.0f} ms.")


def _run_here(queue: JobQueue, job_id: int) -> None:
    """Without a broker no other process can take the message: run the job in this one."""
    process(queue, [job_id])
    with queue.session() as db, all_tenants(db):
        job = db.get(Job, job_id)
    error = f": {_first_line(job.last_error)}" if job.state != JobState.DONE else ""
    click.echo(f"Ran job {job_id} here: {job.state}{error}.")


def _state(queue: JobQueue, job_id: int) -> str | None:
    with queue.session() as db, all_tenants(db):
        return db.scalar(select(Job.state).where(Job.id == job_id))


def _tenant(db: Any, slug: str) -> Tenant:
    tenant = db.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise click.ClickException(f"No tenant with the slug {slug!r}.")
    return tenant


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if not parts.password:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl()


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    for row in (headers, *rows):
        cells = (str(cell).ljust(width) for cell, width in zip(row, widths, strict=True))
        click.echo("  ".join(cells).rstrip())
