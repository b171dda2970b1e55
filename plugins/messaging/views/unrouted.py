"""The unrouted queue: received messages that found no record, each assigned by hand."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select

from core.forms import row_id
from plugins.contacts.models import Customer
from plugins.messaging import _, receiving
from plugins.messaging.models import Direction, Message, State
from plugins.messaging.permissions import MessagingPermission
from plugins.messaging.records import ENTITIES, entity_model, find_party

MANAGE = MessagingPermission.UNROUTED_MANAGE
PAGES = "plugins.messaging:templates/"
ASSIGNED = _("The message was put on the record.")
CHOOSE = _("Choose the record the message belongs to.")
CHOICES = 300


def _choices(request: Any) -> dict[str, Any]:
    db = request.db
    customers = list(
        db.execute(
            select(Customer.id, Customer.name)
            .where(Customer.archived_at.is_(None))
            .order_by(Customer.name)
            .limit(CHOICES)
        )
    )
    task_model = entity_model(db, request.tenant, "task")
    tasks = (
        list(
            db.execute(
                select(task_model.id, task_model.title)
                .where(task_model.closed_at.is_(None))
                .order_by(task_model.id.desc())
                .limit(CHOICES)
            )
        )
        if task_model is not None
        else []
    )
    return {"customers": customers, "tasks": tasks}


def _unrouted(request: Any) -> list[Message]:
    return list(
        request.db.scalars(
            select(Message)
            .where(Message.direction == Direction.IN, Message.state == State.UNROUTED)
            .order_by(Message.created_at.desc())
            .limit(200)
        )
    )


@view_config(route_name="messages_unrouted", renderer=PAGES + "unrouted.pt", permission=MANAGE)
def unrouted_list(request: Any) -> Any:
    return {"messages": _unrouted(request), "errors": {}, **_choices(request)}


@view_config(
    route_name="message_assign",
    request_method="POST",
    renderer=PAGES + "unrouted.pt",
    permission=MANAGE,
)
def assign(request: Any) -> Any:
    message = request.db.get(Message, int(request.matchdict["id"]))
    if message is None or message.state != State.UNROUTED:
        raise HTTPNotFound()
    entity, _sep, raw_id = request.POST.get("record", "").partition(":")
    record_id = row_id(raw_id)
    party = (
        find_party(request.db, request.tenant, entity, record_id)
        if entity in ENTITIES and record_id
        else None
    )
    if party is None:
        request.response.status_int = 400
        return {
            "messages": _unrouted(request),
            "errors": {message.id: request.localizer.translate(CHOOSE)},
            **_choices(request),
        }
    receiving.assign(request.db, request.tenant, message, entity, record_id)
    request.session.flash(request.localizer.translate(ASSIGNED))
    return HTTPSeeOther(request.route_url("messages_unrouted"))
