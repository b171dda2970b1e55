"""A record's timeline (paged, filtered by kind) and comments on any record."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length

from core.contract import EventKind
from core.entities import find_record
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


def timeline_data(request: Any, entity: str, record: Any) -> dict[str, Any]:
    """What the timeline template needs for one page of a record's history."""
    kinds = event_kinds(request)
    wanted = request.GET.get("kind")
    shown = [wanted] if wanted in kinds else list(kinds)
    page = timeline(request.db, entity, record.id, shown, cursor=request.GET.get("cursor"))
    return {
        "entity": entity,
        "record": record,
        "kinds": kinds,
        "kind": wanted if wanted in kinds else "",
        "page": page,
        "comment_form": CommentForm.from_request(request),
    }


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
