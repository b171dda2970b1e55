"""The ``worklog`` plugin's jobs, its periodic job, and a page that starts a job."""

import time
from collections import Counter
from pathlib import Path
from typing import Any

from pyramid.httpexceptions import HTTPConflict
from sqlalchemy import select, text

from core import JobType, PeriodicJob, Permission, hookimpl
from core.history import COMMENT, record_event
from core.jobs import enqueue
from core.models import Event

ENTITY = "worklog"
#: Calls of ``write`` per payload text, across attempts (rolled back or not).
CALLS: Counter[str] = Counter()
#: The idempotency keys ``stamp`` was given, per payload text, across attempts.
KEYS: dict[str, list[str]] = {}
#: Runs of the periodic job.
TICKS: list[int] = []


def write(db: Any, tenant: Any, payload: dict[str, Any]) -> None:
    """Append one event; fail (after writing it) on the first ``fail_times`` calls."""
    record_event(db, ENTITY, 1, COMMENT, {"text": payload["text"]})
    db.flush()
    CALLS[payload["text"]] += 1
    if CALLS[payload["text"]] <= payload.get("fail_times", 0):
        raise RuntimeError(f"failing on purpose, call {CALLS[payload['text']]}")


def linger(db: Any, tenant: Any, payload: dict[str, Any]) -> None:
    """Take ``seconds`` (longer than a claim stays fresh in the tests), then append one event.

    With ``started_file``, first create that file: a test in another process can then
    wait for the job to be running rather than guess how long that takes.
    """
    if "started_file" in payload:
        Path(payload["started_file"]).touch()
    time.sleep(payload["seconds"])
    CALLS[payload["text"]] += 1
    record_event(db, ENTITY, 1, COMMENT, {"text": payload["text"]})


def stamp(db: Any, tenant: Any, payload: dict[str, Any], idempotency_key: str) -> None:
    """Note the key this attempt was given; fail (after noting it) on the first ``fail_times``."""
    CALLS[payload["text"]] += 1
    KEYS.setdefault(payload["text"], []).append(idempotency_key)
    record_event(db, ENTITY, 1, COMMENT, {"text": payload["text"], "key": idempotency_key})
    if CALLS[payload["text"]] <= payload.get("fail_times", 0):
        raise RuntimeError("failing on purpose after the side effect")


def peek(db: Any, tenant: Any, payload: dict[str, Any]) -> None:
    """Count another tenant's events through the ORM and through raw SQL, and note both."""
    other = payload["other"]
    orm = len(db.scalars(select(Event).where(Event.tenant_id == other)).all())
    sql = db.execute(text("SELECT count(*) FROM event WHERE tenant_id = :t"), {"t": other}).scalar()
    record_event(db, ENTITY, 1, COMMENT, {"orm": orm, "sql": sql})


def trespass(db: Any, tenant: Any, payload: dict[str, Any]) -> None:
    """Write an event into another tenant, through the ORM or through raw SQL."""
    if payload["how"] == "sql":
        db.execute(
            text(
                "INSERT INTO event (tenant_id, entity, record_id, at, kind, actor_type,"
                " actor_label, payload) VALUES (:t, 'worklog', 1, now(), 'comment', 'system',"
                " '', '{}')"
            ),
            {"t": payload["other"]},
        )
    else:
        db.add(Event(tenant_id=payload["other"], entity=ENTITY, record_id=1, kind=COMMENT))
        db.flush()


def tick(db: Any) -> None:
    TICKS.append(1)


@hookimpl
def myynti_jobs() -> list[JobType]:
    return [
        JobType("worklog.write", write),
        JobType("worklog.linger", linger),
        JobType("worklog.stamp", stamp),
        JobType("worklog.peek", peek),
        JobType("worklog.trespass", trespass),
    ]


@hookimpl
def myynti_periodic_jobs() -> list[PeriodicJob]:
    return [PeriodicJob("worklog.tick", 3600, tick)]


@hookimpl
def myynti_permissions() -> list[Permission]:
    return [Permission("worklog:log:write", {"fi": "Kirjaa", "en": "Log work"})]


@hookimpl
def myynti_configure(config: Any) -> None:
    config.add_tenant_route("worklog_write", "/worklog")
    config.add_view(
        start_writing,
        route_name="worklog_write",
        request_method="POST",
        renderer="json",
        permission="worklog:log:write",
    )


def start_writing(request: Any) -> dict[str, Any]:
    """Start a ``worklog.write`` job; with ``then=fail``, fail the request after it."""
    job_id = enqueue(request.db, request.tenant, "worklog.write", {"text": request.POST["text"]})
    if request.POST.get("then") == "fail":
        raise HTTPConflict()
    return {"job": job_id}
