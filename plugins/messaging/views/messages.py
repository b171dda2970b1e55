"""Writing a message on a record, a record's conversation, one message, sending again."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select

from core import MessageRefused
from core.attachments import AttachmentError, FileStore
from core.entities import find_record
from core.forms import choices
from core.headers import IMAGES, page_policy
from core.models import Attachment
from plugins.messaging import _, conversation, templates
from plugins.messaging.forms import MessageForm, SmsForm
from plugins.messaging.models import Channel, Direction, Message, State
from plugins.messaging.outbox import Draft, check, queue_message, resend
from plugins.messaging.permissions import MessagingPermission
from plugins.messaging.records import ENTITIES, declared_models, find_party
from plugins.messaging.rendering import RenderError, text_to_html
from plugins.messaging.service import template_choices
from plugins.messaging.sms import segments

VIEW = MessagingPermission.MESSAGE_VIEW
SEND = MessagingPermission.MESSAGE_SEND
PAGES = "plugins.messaging:templates/"
QUEUED = _("The message is queued; it is sent in a moment.")
RESENT = _("The message is queued to be sent again.")
CHECK = _("Check the fields marked below.")


def record_of(request: Any) -> tuple[Any, Any]:
    """The entity and record of the URL: 404 for another tenant's id or a foreign entity."""
    name = request.matchdict["entity"]
    if name not in ENTITIES:
        raise HTTPNotFound()
    return find_record(request, name, int(request.matchdict["record_id"]))


def record_url(request: Any, entity: Any, record: Any) -> str:
    if entity.route_name:
        return request.route_url(entity.route_name, id=record.id)
    return request.route_url("message_thread", entity=entity.name, record_id=record.id)


def _record_attachments(request: Any, entity: str, record_id: int) -> list[Attachment]:
    return list(
        request.db.scalars(
            select(Attachment)
            .where(Attachment.entity == entity, Attachment.record_id == record_id)
            .order_by(Attachment.created_at.desc())
        )
    )


@view_config(route_name="message_new", renderer=PAGES + "compose.pt", permission=SEND)
def compose(request: Any) -> Any:
    entity, record = record_of(request)
    request.page_context = record
    party = find_party(request.db, request.tenant, entity.name, record.id)
    form = MessageForm.from_request(request)
    existing = _record_attachments(request, entity.name, record.id)
    form.attachment_ids.choices = choices((a.id, a.filename) for a in existing)
    offered = template_choices(request.db, request.tenant, Channel.EMAIL)
    errors: list[str] = []
    chosen = request.params.get("template", "")
    if request.method == "GET" and chosen:
        try:
            rendered = templates.render_for(
                request.db, request.tenant, chosen, Channel.EMAIL, party, request.user
            )
            form.subject.data, form.body.data = rendered.subject, rendered.body
        except (templates.UnknownTemplate, RenderError) as exc:
            errors.append(str(exc))
    if request.method == "POST":
        if form.validate():
            result = _queue_email(request, entity, record, form, party, chosen)
            if isinstance(result, str):
                errors.append(result)
            else:
                request.session.flash(request.localizer.translate(QUEUED))
                return HTTPSeeOther(record_url(request, entity, record))
        else:
            errors.append(request.localizer.translate(CHECK))
        request.response.status_int = 400
    return {
        "entity": entity,
        "record": record,
        "party": party,
        "form": form,
        "errors": errors,
        "templates": offered,
        "chosen": chosen,
        "back": record_url(request, entity, record),
    }


def _queue_email(
    request: Any, entity: Any, record: Any, form: MessageForm, party: Any, template_key: str
) -> Any:
    """Queue the form's message; the error text for the user when refused (nothing written)."""
    draft = Draft(
        entity=entity.name,
        record_id=record.id,
        to=form.addresses(form.to),
        cc=form.addresses(form.cc),
        subject=form.subject.data.strip(),
        body=form.body.data,
        html=text_to_html(form.body.data),
        template_key=template_key,
        send_after=form.send_after,
    )
    try:
        check(request.db, request.tenant, draft, party)
    except MessageRefused as exc:
        return refusal_text(request, exc)
    store = FileStore.from_settings(request.registry.settings)
    uploads = []
    try:
        for field in request.POST.getall("files"):
            if hasattr(field, "file") and field.filename:
                uploads.append(store.receive(field.filename, field.file, field.type or ""))
    except AttachmentError as exc:
        store.discard(uploads)
        return request.localizer.translate(exc.message)
    stored = store.store(
        request.db,
        request.tenant.id,
        entity.name,
        record.id,
        uploads,
        request.user,
        request.tm.get(),
    )
    request.db.flush()
    draft.attachment_ids = [*form.attachment_ids.data, *(a.id for a in stored)]
    queue_message(request.db, request.tenant, request.registry.settings, draft, request.user, party)
    return None


def refusal_text(request: Any, exc: MessageRefused) -> str:
    message = getattr(exc, "message", None)
    return request.localizer.translate(message) if message is not None else str(exc)


@view_config(route_name="sms_new", renderer=PAGES + "compose_sms.pt", permission=SEND)
def compose_sms(request: Any) -> Any:
    entity, record = record_of(request)
    request.page_context = record
    party = find_party(request.db, request.tenant, entity.name, record.id)
    form = SmsForm.from_request(request)
    errors: list[str] = []
    if request.method == "POST" and "preview" not in request.POST:
        if form.validate():
            draft = Draft(
                entity=entity.name,
                record_id=record.id,
                channel=Channel.SMS,
                to=[form.to.data] if form.to.data else [],
                body=form.body.data,
            )
            savepoint = request.db.begin_nested()
            try:
                queue_message(
                    request.db,
                    request.tenant,
                    request.registry.settings,
                    draft,
                    request.user,
                    party,
                )
            except MessageRefused as exc:
                savepoint.rollback()
                message = getattr(exc, "message", None)
                errors.append(
                    request.localizer.translate(message) if message is not None else str(exc)
                )
            else:
                savepoint.commit()
                request.session.flash(request.localizer.translate(QUEUED))
                return HTTPSeeOther(record_url(request, entity, record))
        else:
            errors.append(request.localizer.translate(CHECK))
        request.response.status_int = 400
    return {
        "entity": entity,
        "record": record,
        "party": party,
        "form": form,
        "errors": errors,
        "segments": segments(form.body.data or ""),
        "back": record_url(request, entity, record),
    }


@view_config(route_name="message_thread", renderer=PAGES + "thread.pt", permission=VIEW)
def thread_page(request: Any) -> Any:
    entity, record = record_of(request)
    request.page_context = record
    return {"entity": entity, "record": record, **thread_data(request, entity.name, record)}


def thread_data(request: Any, entity: str, record: Any) -> dict[str, Any]:
    task_model = declared_models(request.plugins).get("task")
    messages = conversation.thread(request.db, entity, record, task_model)
    return {
        "messages": messages,
        "files": conversation.attachments_of(request.db, messages),
        "can_send": request.has_permission(SEND),
        "entity_name": entity,
        "record_id": record.id,
    }


def get_message(request: Any) -> Message:
    message = request.db.get(Message, int(request.matchdict["id"]))
    if message is None:
        raise HTTPNotFound()
    if message.entity:
        # Seeing the message needs seeing its record (its entity's permission).
        find_record(request, message.entity, message.record_id)
    return message


#: What a message page shown with its remote images may load them from.
REMOTE_IMAGES = f"{IMAGES} https: http:"


@view_config(route_name="message", renderer=PAGES + "message.pt", permission=VIEW)
def message_page(request: Any) -> Any:
    """A message; ``?images=1`` (the user's "show remote images") shows its remote images.

    Only this answer's policy lets images load from elsewhere; the HTML's frame,
    a ``srcdoc`` without scripts, takes the policy of the page around it.
    """
    message = get_message(request)
    files = conversation.attachments_of(request.db, [message])
    incoming = message.direction == Direction.IN
    show_images = incoming and bool(message.body_html_images) and request.GET.get("images") == "1"
    if show_images:
        request.response.headers["Content-Security-Policy"] = page_policy(REMOTE_IMAGES)
    return {
        "message": message,
        "files": files,
        "incoming": incoming,
        "show_images": show_images,
        "can_resend": message.state == State.FAILED and request.has_permission(SEND),
    }


@view_config(route_name="message_resend", request_method="POST", permission=SEND)
def message_resend(request: Any) -> Any:
    message = get_message(request)
    try:
        resend(request.db, request.tenant, message)
    except MessageRefused as exc:
        request.session.flash(refusal_text(request, exc))
    else:
        request.session.flash(request.localizer.translate(RESENT))
    return HTTPSeeOther(request.route_url("message", id=message.id))
