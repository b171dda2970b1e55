"""Which record a received message belongs to, for a batch of messages at once.

Routing tries, in this order, and takes the first that names a record of
this tenant that exists:

1. the signed token of our Reply-To in a recipient address (``+r.task-12-…``);
2. one of our Message-IDs in In-Reply-To or References;
3. a record tag in the subject (``[#task-12-…]``);
4. a known sender (a contact person's or customer's address) with exactly one
   open task.

What none of these routes is left to the mailbox's setting (``receiving``).
A token is an HMAC over the tenant and the record (``tokens``), so a forged
one, or one from another tenant's mail, routes nowhere.

The tokens are checked in memory; the records they name are looked up with
one query per entity for the whole batch, and the senders left over with one
query per kind of contact, so a fetched chunk of fifty messages costs a few
queries rather than a few per message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Tenant
from plugins.contacts.models import ContactPerson, Customer
from plugins.messaging import tokens
from plugins.messaging.records import entity_model

if TYPE_CHECKING:
    from plugins.messaging.receiving import Incoming


@dataclass(frozen=True)
class Route:
    entity: str | None
    record_id: int | None
    how: str


def _candidates(
    settings: Mapping[str, Any], tenant_id: int, mail: Incoming
) -> list[tuple[str, tokens.RecordRef]]:
    """The records ``mail``'s tokens name, validly signed for this tenant, in routing order."""
    found: list[tuple[str, tokens.RecordRef | None]] = [
        ("token", tokens.from_address(settings, tenant_id, address))
        for address in [*mail.delivered_to, *mail.to, *mail.cc]
    ]
    found.append(
        (
            "thread",
            tokens.from_message_ids(settings, tenant_id, f"{mail.in_reply_to} {mail.references}"),
        )
    )
    found.append(("subject", tokens.from_subject(settings, tenant_id, mail.subject)))
    return [(how, ref) for how, ref in found if ref is not None]


def _existing(db: Session, tenant: Tenant, entity: str, ids: Iterable[int]) -> set[int]:
    """Which of ``ids`` are records of ``entity`` of this tenant (one query)."""
    model = entity_model(db, tenant, entity)
    if model is None:
        return set()
    return set(db.scalars(select(model.id).where(model.id.in_(sorted(ids)))))


def _sender_tasks(db: Session, tenant: Tenant, senders: set[str]) -> dict[str, int]:
    """Per sender address, its one open task (as contact person or customer), if exactly one."""
    task_model = entity_model(db, tenant, "task")
    if task_model is None or not senders:
        return {}
    keys = sorted(senders)
    tasks: dict[str, set[int]] = {}
    for contact, link in (
        (ContactPerson, task_model.contact_person_id),
        (Customer, task_model.customer_id),
    ):
        rows = db.execute(
            select(contact.email_key, task_model.id)
            .join(task_model, link == contact.id)
            .where(contact.email_key.in_(keys), task_model.closed_at.is_(None))
        )
        for key, task_id in rows:
            tasks.setdefault(key, set()).add(task_id)
    return {key: ids.pop() for key, ids in tasks.items() if len(ids) == 1}


def find_routes(
    db: Session, tenant: Tenant, settings: Mapping[str, Any], mails: Sequence[Incoming]
) -> list[Route | None]:
    """The record each of ``mails`` belongs to by the four rules, or None, in their order."""
    candidates = [_candidates(settings, tenant.id, mail) for mail in mails]
    named: dict[str, set[int]] = {}
    for refs in candidates:
        for _how, ref in refs:
            named.setdefault(ref.entity, set()).add(ref.record_id)
    existing = {entity: _existing(db, tenant, entity, ids) for entity, ids in named.items()}
    routes: list[Route | None] = [
        next(
            (
                Route(ref.entity, ref.record_id, how)
                for how, ref in refs
                if ref.record_id in existing[ref.entity]
            ),
            None,
        )
        for refs in candidates
    ]
    senders = {
        mail.sender.strip().lower()
        for mail, route in zip(mails, routes, strict=True)
        if route is None and mail.sender.strip()
    }
    tasks = _sender_tasks(db, tenant, senders)
    return [
        route
        if route is not None
        else Route("task", tasks[key], "sender")
        if (key := mail.sender.strip().lower()) in tasks
        else None
        for mail, route in zip(mails, routes, strict=True)
    ]
