"""Group sends: one template to a filtered list of customers or contact persons.

The recipients are fixed when the user confirms (the preview's count is what
is sent). A fan-out job then queues their messages a batch at a time, each
one through ``queue_message`` like any other (its own row, history event and
send job), spaced by the tenant's messages-per-minute so a big send does not
flood its mail server. Consent is checked again for each message as it is
queued: a person who unsubscribed after the preview is skipped. The times
the messages go are the tenant's, shared by all its group sends
(``throttle``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import MessageRefused
from core.jobs import enqueue
from core.models import Tenant, User, as_utc, utcnow
from plugins.contacts.models import ContactPerson, Customer, CustomerTag, search_key
from plugins.messaging import templates, throttle, tokens
from plugins.messaging.models import Bounce, Channel, GroupSend, MailSettings, Message, State
from plugins.messaging.outbox import Draft, queue_message
from plugins.messaging.records import Party
from plugins.messaging.rendering import Rendered, RenderError, render, text_to_html, values

GROUP_JOB = "messaging.group_send"
AUDIENCES = ("customer", "contact_person")
#: Recipients queued per run of the fan-out job (one transaction).
BATCH = 500
MAX_RECIPIENTS = 50_000


@dataclass
class Selection:
    audience: str
    q: str = ""
    tag: str = ""
    marketing: bool = True


@dataclass
class Preview:
    eligible: list[int]
    skipped: int
    sample: Rendered | None
    sample_to: str


def _candidates(db: Session, selection: Selection) -> list[Any]:
    if selection.audience == "customer":
        query = select(Customer).where(Customer.archived_at.is_(None))
        if selection.tag:
            query = query.where(
                Customer.id.in_(
                    select(CustomerTag.customer_id).where(CustomerTag.tag == selection.tag)
                )
            )
        if selection.q:
            key = search_key(selection.q)
            query = query.where(Customer.name_key >= key, Customer.name_key < key + "\uffff")
        return list(db.scalars(query.order_by(Customer.id).limit(MAX_RECIPIENTS)))
    query = select(ContactPerson).where(ContactPerson.archived_at.is_(None))
    if selection.tag:
        query = query.where(
            ContactPerson.customer_id.in_(
                select(CustomerTag.customer_id).where(CustomerTag.tag == selection.tag)
            )
        )
    if selection.q:
        key = search_key(selection.q)
        query = query.where(ContactPerson.name_key >= key, ContactPerson.name_key < key + "\uffff")
    return list(db.scalars(query.order_by(ContactPerson.id).limit(MAX_RECIPIENTS)))


def _eligible(record: Any, marketing: bool, bouncing: set[str]) -> bool:
    if not record.email or record.email.lower() in bouncing:
        return False
    return record.marketing_consent or not marketing


def _party(db: Session, audience: str, record: Any) -> Party:
    if audience == "customer":
        return Party(record, customer=record)
    return Party(record, person=record, customer=db.get(Customer, record.customer_id))


def preview(
    db: Session, tenant: Tenant, selection: Selection, template_key: str, user: User | None
) -> Preview:
    """Who would get the message (with an address, consent and no bounces) and one rendering."""
    bouncing = {address.lower() for address in db.scalars(select(Bounce.address))}
    records = _candidates(db, selection)
    eligible = [r for r in records if _eligible(r, selection.marketing, bouncing)]
    sample = None
    if eligible and template_key:
        party = _party(db, selection.audience, eligible[0])
        sample = templates.render_for(db, tenant, template_key, Channel.EMAIL, party, user)
    return Preview(
        [r.id for r in eligible],
        len(records) - len(eligible),
        sample,
        eligible[0].email if eligible else "",
    )


def start(
    db: Session,
    tenant: Tenant,
    selection: Selection,
    template_key: str,
    user: User | None,
    link_base: str = "",
    send_after: Any = None,
) -> GroupSend:
    """Fix the recipients and start the fan-out job (after the transaction commits)."""
    found = preview(db, tenant, selection, template_key, user)
    group = GroupSend(
        template_key=template_key,
        audience=selection.audience,
        filters={"q": selection.q, "tag": selection.tag},
        marketing=selection.marketing,
        recipient_ids=found.eligible,
        skipped=found.skipped,
        link_base=link_base,
        user_id=user.id if user is not None else None,
        send_after=send_after,
    )
    db.add(group)
    db.flush()
    enqueue(db, tenant, GROUP_JOB, {"group_id": group.id})
    return group


def fan_out(db: Session, tenant: Tenant, payload: Mapping[str, Any]) -> None:
    """The job: queue the next batch of a group's messages; start itself again for the rest."""
    group = db.scalar(
        select(GroupSend)
        .where(GroupSend.id == payload["group_id"])
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if group is None or group.finished_at is not None:
        return
    settings = tokens.settings_of(db)
    # Locked: the tenant's group sends take their send times one batch at a time.
    server = db.scalar(
        select(MailSettings).with_for_update().execution_options(populate_existing=True)
    )
    now = utcnow()
    start_at = as_utc(group.send_after or group.created_at) or now
    model = Customer if group.audience == "customer" else ContactPerson
    batch_ids = group.recipient_ids[group.queued : group.queued + BATCH]
    records = {r.id: r for r in db.scalars(select(model).where(model.id.in_(batch_ids)))}
    sender = db.get(User, group.user_id) if group.user_id else None
    times = throttle.send_times(server, group.id, start_at, len(batch_ids), now)
    used = 0
    cache: dict[str, Any] = {}
    for record_id in batch_ids:
        record = records.get(record_id)
        if record is None:
            group.skipped += 1
            continue
        party = _party(db, group.audience, record)
        try:
            rendered = _render(db, tenant, group.template_key, party, sender, cache)
            draft = Draft(
                entity=group.audience,
                record_id=record.id,
                subject=rendered.subject,
                body=rendered.body,
                html=text_to_html(rendered.body),
                template_key=group.template_key,
                marketing=group.marketing,
                group_id=group.id,
                link_base=group.link_base,
                send_after=times[used] if times[used] > now else None,
            )
            queue_message(db, tenant, settings, draft, sender, party, server)
            used += 1
        except (MessageRefused, RenderError, templates.UnknownTemplate):
            group.skipped += 1
    throttle.keep(server, group.id, used)
    group.queued += len(batch_ids)
    if group.queued < len(group.recipient_ids):
        enqueue(db, tenant, GROUP_JOB, {"group_id": group.id})
    else:
        group.finished_at = utcnow()


def _render(
    db: Session, tenant: Tenant, key: str, party: Party, sender: User | None, cache: dict[str, Any]
) -> Rendered:
    language = party.language
    if language not in cache:
        cache[language] = templates.pick(db, key, Channel.EMAIL, language)
    template = cache[language]
    return render(template.subject, template.body, values(party, sender, tenant))


@dataclass(frozen=True)
class Progress:
    total: int
    queued: int
    sent: int
    failed: int
    skipped: int
    #: Recipients whose message the fan-out job has yet to queue.
    waiting: int
    #: The tenant's group messages a minute, and when the last queued one is due to go.
    per_minute: int
    last_due: datetime | None


def progress(db: Session, group: GroupSend) -> Progress:
    counts = dict(
        db.execute(
            select(Message.state, func.count())
            .where(Message.group_id == group.id)
            .group_by(Message.state)
        ).all()
    )
    last_due = db.scalar(
        select(func.max(Message.send_after)).where(
            Message.group_id == group.id, Message.state == State.QUEUED
        )
    )
    server = db.scalar(select(MailSettings))
    return Progress(
        total=len(group.recipient_ids),
        queued=counts.get("queued", 0),
        sent=counts.get("sent", 0),
        failed=counts.get("failed", 0),
        skipped=group.skipped,
        waiting=len(group.recipient_ids) - group.queued,
        per_minute=round(60 / throttle.interval(server).total_seconds()),
        last_due=as_utc(last_due),
    )
