"""Scheduled reports: due schedules found periodically, each recipient's report e-mailed.

A periodic job (hourly) starts one job per tenant that has a schedule due.
That job runs each due schedule's report once per recipient, with the
recipient's own permissions (``audience.audience_for``: a member gets only
their and their teams' numbers), and asks the tenant's messaging plugin,
through the ``myynti_send_message`` hook, to e-mail it with the CSV attached.
Reports never import messaging: when no enabled plugin sends messages, the
schedule records why nothing went (``last_error``), shown on its list.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qsl

from pyramid.httpexceptions import HTTPException
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import MessageFile, MessageRefused, OutgoingMessage, label_text
from core.db import all_tenants
from core.jobs import enqueue
from core.jobs.outbox import queue_of, tenant_hooks
from core.models import Tenant, utcnow
from plugins.reports import _
from plugins.reports.audience import audience_for, run_report
from plugins.reports.export import csv_bytes
from plugins.reports.models import ReportSchedule
from plugins.reports.params import FIELDS
from plugins.reports.periods import LOCAL_TIME, UTC, local_today
from plugins.reports.views.reports import heading

DUE = "reports.due_schedules"
SEND_JOB = "reports.send_schedules"
#: How often the periodic job looks for due schedules, in seconds.
INTERVAL = 3600
FREQUENCIES = ("weekly", "monthly")
#: The morning hour (local time) a schedule's run is due.
RUN_HOUR = 6
#: ``last_error`` when no enabled plugin sends messages.
NOT_ENABLED = "messaging-not-enabled"


def first_run(frequency: str, today: date) -> datetime:
    """The next Monday, or the first day of the next month, at ``RUN_HOUR`` local time."""
    if frequency == "weekly":
        day = today + timedelta(days=7 - today.weekday())
    else:
        day = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    return datetime.combine(day, time(RUN_HOUR), LOCAL_TIME).astimezone(UTC)


def due_schedules(db: Session) -> int:
    """The periodic job: start the send job of every active tenant with a schedule due."""
    with all_tenants(db):
        tenant_ids = list(
            db.scalars(
                select(ReportSchedule.tenant_id)
                .join(Tenant, Tenant.id == ReportSchedule.tenant_id)
                .where(Tenant.active, ReportSchedule.next_run_at <= utcnow())
                .distinct()
            )
        )
        for tenant_id in tenant_ids:
            enqueue(db, tenant_id, SEND_JOB)
    return len(tenant_ids)


def send_schedules(db: Session, tenant: Tenant, payload: Mapping[str, Any]) -> None:
    """The job: send this tenant's due schedules and move each to its next run."""
    due = db.scalars(
        select(ReportSchedule)
        .where(ReportSchedule.next_run_at <= utcnow())
        .order_by(ReportSchedule.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    today = local_today()
    for schedule in due:
        send_schedule(db, tenant, schedule, today)
        schedule.next_run_at = first_run(schedule.frequency, today)


def send_schedule(db: Session, tenant: Tenant, schedule: ReportSchedule, today: date) -> int:
    """E-mail ``schedule``'s report to each recipient as they see it; how many were queued."""
    registry = queue_of(db).registry
    hooks = tenant_hooks(db, tenant)
    values = {k: v for k, v in parse_qsl(schedule.query) if k in FIELDS}
    queued, problems = 0, []
    for user_id in schedule.recipient_ids:
        reader = audience_for(db, registry, tenant, user_id)
        if reader is None:
            continue  # no longer a member of the tenant
        try:
            report, _query, result = run_report(reader, schedule.report_key, values, today)
        except HTTPException:
            continue  # the report is gone, or this recipient may no longer see it
        if result is None:
            continue
        title = label_text(report.title, reader.locale_name)
        translate = reader.localizer.translate
        message = OutgoingMessage(
            entity="user",
            record_id=user_id,
            subject=f"{title} – {tenant.name}",
            body=translate(
                _(
                    "${report}: the report you were scheduled to receive is attached "
                    "as a CSV file.",
                    mapping={"report": title},
                )
            )
            + "\n",
            files=(
                MessageFile(
                    f"{schedule.report_key.replace('.', '-')}-{today.isoformat()}.csv",
                    "text/csv",
                    csv_bytes(result, heading(reader)),
                ),
            ),
            automatic=True,
        )
        try:
            sent = hooks.myynti_send_message(db=db, tenant=tenant, message=message)
        except MessageRefused as refusal:
            problems.append(str(refusal))
            continue
        if sent is None:
            problems.append(NOT_ENABLED)
            break
        queued += 1
    schedule.last_error = "" if queued else (problems[0] if problems else "")[:500]
    if queued:
        schedule.last_sent_at = utcnow()
    return queued
