"""Message templates: list, write (refused with line and reason when broken), preview, delete."""

from __future__ import annotations

import re
from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select

from core.forms import row_id
from plugins.contacts.models import ContactPerson, Customer
from plugins.messaging import _
from plugins.messaging.forms import TemplateForm
from plugins.messaging.models import Template
from plugins.messaging.permissions import MessagingPermission
from plugins.messaging.records import entity_model, find_party
from plugins.messaging.rendering import PLACEHOLDERS, RenderError, render, values

MANAGE = MessagingPermission.TEMPLATE_MANAGE
PAGES = "plugins.messaging:templates/"
SAVED = _("Saved.")
DELETED = _("The template was deleted.")
TAKEN = _("This template already has a version in this language.")
CHOICES = 200


def _get(request: Any) -> Template:
    found = request.db.get(Template, int(request.matchdict["id"]))
    if found is None:
        raise HTTPNotFound()
    return found


def new_key(db: Any, name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "template"
    taken = set(db.scalars(select(Template.key).where(Template.key.like(f"{base}%"))))
    key, number = base, 1
    while key in taken:
        number += 1
        key = f"{base}-{number}"
    return key


@view_config(route_name="message_templates", renderer=PAGES + "templates.pt", permission=MANAGE)
def template_list(request: Any) -> Any:
    rows = list(
        request.db.scalars(
            select(Template).order_by(Template.channel, Template.name, Template.language)
        )
    )
    return {"templates": rows}


def _taken(request: Any, key: str, channel: str, language: str, own_id: int | None) -> bool:
    other = request.db.scalar(
        select(Template.id).where(
            Template.key == key, Template.channel == channel, Template.language == language
        )
    )
    return other is not None and other != own_id


@view_config(
    route_name="message_template_new", renderer=PAGES + "template_form.pt", permission=MANAGE
)
def template_new(request: Any) -> Any:
    """A new template, or (``?key=``) another language version of one."""
    form = TemplateForm.from_request(request)
    base = None
    key = request.params.get("key", "")
    if key:
        base = request.db.scalar(select(Template).where(Template.key == key).limit(1))
        if base is None:
            raise HTTPNotFound()
        if request.method != "POST":
            form.process(name=base.name, channel=base.channel)
    if request.method == "POST":
        if form.validate():
            key = base.key if base is not None else new_key(request.db, form.name.data)
            if _taken(request, key, form.channel.data, form.language.data, None):
                form.language.errors.append(TAKEN)
            else:
                row = Template(key=key)
                _fill(row, form)
                request.db.add(row)
                request.db.flush()
                request.session.flash(request.localizer.translate(SAVED))
                return HTTPSeeOther(request.route_url("message_template", id=row.id))
        request.response.status_int = 400
    return {"form": form, "template": None, "placeholders": PLACEHOLDERS, "preview": None}


def _fill(row: Template, form: TemplateForm) -> None:
    row.name = form.name.data.strip()
    row.channel = form.channel.data
    row.language = form.language.data
    row.subject = form.subject.data or ""
    row.body = form.body.data


@view_config(route_name="message_template", renderer=PAGES + "template_form.pt", permission=MANAGE)
def template_edit(request: Any) -> Any:
    row = _get(request)
    form = TemplateForm.from_request(request)
    if request.method != "POST":
        form.process(obj=row)
    elif form.validate():
        if _taken(request, row.key, form.channel.data, form.language.data, row.id):
            form.language.errors.append(TAKEN)
        else:
            _fill(row, form)
            request.db.flush()
            request.session.flash(request.localizer.translate(SAVED))
            return HTTPSeeOther(request.route_url("message_template", id=row.id))
        request.response.status_int = 400
    else:
        request.response.status_int = 400
    return {
        "form": form,
        "template": row,
        "placeholders": PLACEHOLDERS,
        "preview": None,
        **_preview_choices(request),
    }


def _preview_choices(request: Any) -> dict[str, Any]:
    db = request.db
    customers = list(
        db.execute(select(Customer.id, Customer.name).order_by(Customer.name).limit(CHOICES))
    )
    people = list(
        db.execute(
            select(ContactPerson.id, ContactPerson.name).order_by(ContactPerson.name).limit(CHOICES)
        )
    )
    task_model = entity_model(db, request.tenant, "task")
    tasks = (
        list(
            db.execute(
                select(task_model.id, task_model.title)
                .order_by(task_model.id.desc())
                .limit(CHOICES)
            )
        )
        if task_model is not None
        else []
    )
    return {"preview_customers": customers, "preview_people": people, "preview_tasks": tasks}


@view_config(
    route_name="message_template_preview", renderer=PAGES + "template_form.pt", permission=MANAGE
)
def template_preview(request: Any) -> Any:
    """The saved template rendered for the chosen record (``?record=task:12``)."""
    row = _get(request)
    form = TemplateForm.from_request(request)
    form.process(obj=row)
    entity, _sep, raw_id = request.params.get("record", "").partition(":")
    record_id = row_id(raw_id)
    party = find_party(request.db, request.tenant, entity, record_id) if record_id else None
    if party is None:
        preview = {"error": request.localizer.translate(_("Choose a record to preview with."))}
    else:
        try:
            rendered = render(row.subject, row.body, values(party, request.user, request.tenant))
            preview = {"subject": rendered.subject, "body": rendered.body}
        except RenderError as exc:
            preview = {"error": str(exc)}
    return {
        "form": form,
        "template": row,
        "placeholders": PLACEHOLDERS,
        "preview": preview,
        "chosen_record": request.params.get("record", ""),
        **_preview_choices(request),
    }


@view_config(route_name="message_template_delete", request_method="POST", permission=MANAGE)
def template_delete(request: Any) -> Any:
    row = _get(request)
    request.db.delete(row)
    request.db.flush()
    request.session.flash(request.localizer.translate(DELETED))
    return HTTPSeeOther(request.route_url("message_templates"))
