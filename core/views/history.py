"""A record's timeline (paged, filtered by kind) and comments on any record."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length

from core.contract import EntityType, EventKind
from core.entities import entity_types, find_record
from core.forms import BaseForm
from core.history import COMMENT, record_event, timeline
from core.i18n import _
from core.security import CorePermission

COMMENT_MAX = 10_000


class CommentForm(BaseForm):
    text = TextAreaField(_("Comment"), [InputRequired(), Length(max=COMMENT_MAX)])


def event_kinds(request: Any) -> dict[str, EventKind]:
    """Kinds of the tenant's enabled plugins: only these are shown."""
    return {k.key: k for k in request.plugins.collect("myynti_event_kinds")}


def related_entities(request: Any, entity: str) -> list[tuple[EntityType, str]]:
    """The entities whose records' events show on an ``entity`` record's timeline, with the
    attribute naming that record; only those the user may see."""
    found = []
    for other in entity_types(request).values():
        if other.permission and not request.has_permission(other.permission):
            continue
        found.extend((other, attr) for parent, attr in other.shown_on if parent == entity)
    return found


def timeline_data(request: Any, entity: str, record: Any) -> dict[str, Any]:
    """What the timeline template needs for one page of a record's history.

    The record's own events and those of its related records (a customer's
    tasks, requests, contact persons), filtered by kind and by source
    (``?from=`` an entity name: the record's own, or one related kind).
    """
    kinds = event_kinds(request)
    wanted = request.GET.get("kind")
    shown = [wanted] if wanted in kinds else list(kinds)
    related = related_entities(request, entity)
    source = request.GET.get("from", "")
    if source != entity and source not in {other.name for other, _attr in related}:
        source = ""
    chosen = [
        (other.name, select(other.model.id).where(getattr(other.model, attr) == record.id))
        for other, attr in related
        if source in ("", other.name)
    ]
    page = timeline(
        request.db,
        entity,
        record.id if source in ("", entity) else None,
        shown,
        cursor=request.GET.get("cursor"),
        related=chosen,
    )
    return {
        "entity": entity,
        "record": record,
        "kinds": kinds,
        "kind": wanted if wanted in kinds else "",
        "sources": sources(request, entity, related),
        "source": source,
        "page": page,
        "references": references(request, entity, record.id, page.events),
        "comment_form": CommentForm.from_request(request),
    }


def sources(request: Any, entity: str, related: list[tuple[EntityType, str]]) -> list[EntityType]:
    """What the timeline can be narrowed to: the record itself, or one kind of related record."""
    own = entity_types(request).get(entity)
    if not related or own is None:
        return []
    found = [own]
    for other, _attr in related:
        if all(other.name != seen.name for seen in found):
            found.append(other)
    return found


def references(
    request: Any, entity: str, record_id: int, events: list[Any]
) -> dict[tuple[str, int], dict[str, Any]]:
    """``{(entity, id): {"label", "title", "url"}}`` of the other records on a timeline page."""
    types = entity_types(request)
    wanted: dict[str, set[int]] = {}
    for event in events:
        if (event.entity, event.record_id) != (entity, record_id) and event.entity in types:
            wanted.setdefault(event.entity, set()).add(event.record_id)
    found = {}
    for name, ids in wanted.items():
        other = types[name]
        title = getattr(other.model, other.title_attr)
        rows = request.db.execute(select(other.model.id, title).where(other.model.id.in_(ids)))
        for row_id, text in rows:
            url = request.route_url(other.route_name, id=row_id) if other.route_name else ""
            found[(name, row_id)] = {"label": other.label, "title": text or "—", "url": url}
    return found


@view_config(
    route_name="record_history",
    renderer="core:templates/history.pt",
    permission=CorePermission.HISTORY_VIEW,
)
def history_page(request: Any) -> dict[str, Any]:
    entity, record = find_record(
        request, request.matchdict["entity"], int(request.matchdict["record_id"])
    )
    request.page_context = record
    return {"entity_type": entity, **timeline_data(request, entity.name, record)}


@view_config(
    route_name="record_comments",
    request_method="POST",
    renderer="core:templates/history.pt",
    permission=CorePermission.HISTORY_COMMENT,
)
def add_comment(request: Any) -> Any:
    entity, record = find_record(
        request, request.matchdict["entity"], int(request.matchdict["record_id"])
    )
    form = CommentForm.from_request(request)
    if form.validate():
        record_event(
            request.db, entity.name, record.id, COMMENT, {"text": form.text.data}, user=request.user
        )
        request.session.flash(request.localizer.translate(_("Comment added.")))
        return HTTPSeeOther(
            request.route_url("record_history", entity=entity.name, record_id=record.id)
        )
    request.response.status_int = 400
    request.page_context = record
    data = timeline_data(request, entity.name, record)
    return {"entity_type": entity, **data, "comment_form": form}
