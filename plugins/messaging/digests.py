"""Digests: a user's daily or hourly e-mail of what changed in their tasks and their teams' tasks.

A periodic job (hourly) starts a job for every subscription whose period has
passed; that job reads the history events of the user's tasks (responsible
for them, or in one of the user's teams) written by others since the last
digest, and queues one e-mail. A period with nothing new sends nothing but
still moves on, so a quiet week costs no mail.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core import label_text
from core.db import all_tenants
from core.i18n import LOCALES, translate
from core.jobs import enqueue
from core.jobs.outbox import tenant_hooks
from core.models import Event, TeamMember, Tenant, TenantPlugin, User, as_utc, utcnow
from plugins.messaging import _, tokens
from plugins.messaging.models import Channel, DigestSubscription, Direction, Message, State
from plugins.messaging.outbox import enqueue_send, mail_settings
from plugins.messaging.records import entity_model

DIGESTS = "messaging.digests"
DIGEST_JOB = "messaging.digest"
PERIODS = {"hourly": timedelta(hours=1), "daily": timedelta(days=1)}
MAX_EVENTS = 200

#: The digest's subject, in the recipient's language.
SUBJECT = _("Changes in your tasks")


def due_subscriptions(db: Session) -> int:
    """The periodic job: start the digest job of every subscription whose period has passed."""
    now = utcnow()
    started = 0
    with all_tenants(db):
        rows = db.execute(
            select(
                DigestSubscription.id,
                DigestSubscription.tenant_id,
                DigestSubscription.frequency,
                DigestSubscription.sent_until,
            )
            .join(Tenant, Tenant.id == DigestSubscription.tenant_id)
            .join(
                TenantPlugin,
                (TenantPlugin.tenant_id == Tenant.id) & (TenantPlugin.plugin == "messaging"),
            )
            .where(Tenant.active, TenantPlugin.enabled)
        ).all()
        for row in rows:
            period = PERIODS.get(row.frequency, PERIODS["daily"])
            if row.sent_until is None or as_utc(row.sent_until) + period <= now:
                enqueue(db, row.tenant_id, DIGEST_JOB, {"subscription_id": row.id})
                started += 1
    return started


def send_digest(db: Session, tenant: Tenant, payload: Mapping[str, Any]) -> None:
    """The job: one user's digest since the last one."""
    subscription = db.scalar(
        select(DigestSubscription)
        .where(DigestSubscription.id == payload["subscription_id"])
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if subscription is None:
        return
    now = utcnow()
    period = PERIODS.get(subscription.frequency, PERIODS["daily"])
    since = as_utc(subscription.sent_until) if subscription.sent_until else now - period
    if since + period > now + timedelta(minutes=5):
        return  # already done for this period (a duplicate job)
    user = db.get(User, subscription.user_id)
    subscription.sent_until = now
    if user is None or not user.email:
        return
    lines = digest_lines(db, tenant, user, since, now)
    server = mail_settings(db)
    if not lines or server is None or not server.smtp_host:
        return
    language = user.locale if user.locale in LOCALES else "fi"
    message = Message(
        direction=Direction.OUT,
        channel=Channel.EMAIL,
        state=State.QUEUED,
        sender=server.from_address,
        to=[user.email],
        subject=f"{translate(SUBJECT, language)} – {tenant.name}",
        body_text="\n".join(lines) + "\n",
        automatic=True,
        user_id=user.id,
    )
    db.add(message)
    db.flush()
    settings = tokens.settings_of(db)
    message.message_id = f"<digest.{message.id}@{tokens.mail_domain(settings)}>"
    enqueue_send(db, tenant, message.id, None)


def digest_lines(db: Session, tenant: Tenant, user: User, since: Any, until: Any) -> list[str]:
    """One line per event on the user's and their teams' tasks, by others, in the period."""
    task_model = entity_model(db, tenant, "task")
    if task_model is None:
        return []
    teams = list(db.scalars(select(TeamMember.team_id).where(TeamMember.user_id == user.id)))
    mine = [task_model.responsible_user_id == user.id]
    if teams:
        mine.append(task_model.team_id.in_(teams))
    titles = dict(db.execute(select(task_model.id, task_model.title).where(or_(*mine))).all())
    if not titles:
        return []
    events = db.scalars(
        select(Event)
        .where(
            Event.entity == "task",
            Event.record_id.in_(list(titles)),
            Event.at > since,
            Event.at <= until,
            or_(Event.actor_user_id.is_(None), Event.actor_user_id != user.id),
        )
        .order_by(Event.at)
        .limit(MAX_EVENTS)
    )
    language = user.locale or "fi"
    kinds = {k.key: k for k in tenant_hooks(db, tenant).collect("myynti_event_kinds")}
    lines = []
    for event in events:
        kind = kinds.get(event.kind)
        label = label_text(kind.label, language) if kind else event.kind
        text = str((event.payload or {}).get("text") or "")
        who = event.actor_label or ""
        lines.append(
            f"• {titles[event.record_id]}: {label}{': ' + text if text else ''}"
            f"{' (' + who + ')' if who else ''}"
        )
    return lines
