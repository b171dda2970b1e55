"""That the mail server accepted a message, recorded apart from the job that sent it.

The send job's work (the message marked *sent*) commits with the worker's
transaction, which may hold other jobs and commit seconds later. A worker that
dies, or a transaction that fails, between the server's "250 accepted" and
that commit would leave the message *queued*, and the retry would send it
again. So the moment the server accepts, a handover row is committed in a
transaction of its own; a retry that finds it marks the message sent (with
what the server said) instead of sending it again. The send job deletes the
row in its own transaction, so the table holds only messages in doubt.

What is left is at least once, not exactly once: SMTP has no way to ask
whether a message arrived, so a crash after the server accepted and before
the handover row commits (the time of one insert), or while the message is
being handed over, sends it again on the retry. It goes with the same
Message-ID and Date, so a receiver that drops duplicates by Message-ID sees
it once.

On SQLite (development) the worker's transaction holds the database's write
lock, so no second transaction can commit: the row is written in the job's
own transaction, and a crash there is retried as a send.
"""

from __future__ import annotations

import logging

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.db import set_tenant
from core.jobs.outbox import queue_of
from core.models import Tenant, utcnow
from plugins.messaging.models import Handover, Message

log = logging.getLogger(__name__)


def accepted(db: Session, message: Message) -> Handover | None:
    """The record that the server accepted ``message`` on an earlier attempt, if any."""
    return db.scalar(select(Handover).where(Handover.message_id == message.id))


def record(db: Session, tenant: Tenant, message: Message, refused: str) -> None:
    """Commit, apart from the job's transaction, that the server accepted ``message``."""
    row = {"message_id": message.id, "refused": refused[:1000], "accepted_at": utcnow()}
    if db.get_bind().dialect.name != "postgresql":
        db.add(Handover(tenant_id=tenant.id, **row))
        return
    try:
        with queue_of(db).session() as apart:
            set_tenant(apart, tenant.id)
            with apart.begin():
                apart.add(Handover(tenant_id=tenant.id, **row))
    except Exception:  # noqa: BLE001 - the send happened: failing the job would send it again
        log.exception("message %d: its handover could not be recorded", message.id)


def settle(db: Session, message: Message) -> None:
    """Forget the handover of ``message`` (marked sent in this transaction)."""
    db.execute(delete(Handover).where(Handover.message_id == message.id))
