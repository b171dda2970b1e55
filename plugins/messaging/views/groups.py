"""Group sends: choose the list and the template, see the count and one message, send, follow."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select

from core.forms import choices
from plugins.messaging import _, groups, templates
from plugins.messaging.forms import BAD_TIME, finnish_time
from plugins.messaging.models import Channel, GroupSend
from plugins.messaging.permissions import MessagingPermission
from plugins.messaging.rendering import RenderError
from plugins.messaging.service import template_choices

SEND = MessagingPermission.GROUP_SEND
PAGES = "plugins.messaging:templates/"
STARTED = _("The group send started.")
CHOOSE_TEMPLATE = _("Choose a template.")
NOBODY = _("Nobody on the list can receive this message.")


def _selection(params: Any) -> groups.Selection:
    audience = params.get("audience", "contact_person")
    return groups.Selection(
        audience=audience if audience in groups.AUDIENCES else "contact_person",
        q=params.get("q", "").strip()[:100],
        tag=params.get("tag", "").strip()[:60],
        marketing=params.get("marketing", "") == "1" or "audience" not in params,
    )


@view_config(route_name="group_send", renderer=PAGES + "group_send.pt", permission=SEND)
def group_send(request: Any) -> Any:
    params = request.POST if request.method == "POST" else request.GET
    selection = _selection(params)
    template_key = params.get("template", "")
    offered = template_choices(request.db, request.tenant, Channel.EMAIL)
    errors: dict[str, Any] = {}
    found = None
    send_at_text = params.get("send_at", "")
    send_at = None
    if send_at_text.strip():
        try:
            send_at = finnish_time(send_at_text)
        except ValueError:
            errors["send_at"] = BAD_TIME
    if "audience" in params:
        if template_key not in dict(offered):
            errors["template"] = CHOOSE_TEMPLATE
        else:
            try:
                found = groups.preview(
                    request.db, request.tenant, selection, template_key, request.user
                )
            except (RenderError, templates.UnknownTemplate) as exc:
                errors["template"] = str(exc)
            else:
                if not found.eligible:
                    errors["audience"] = NOBODY
    if request.method == "POST" and "confirm" in params:
        if not errors and found is not None:
            group = groups.start(
                request.db,
                request.tenant,
                selection,
                template_key,
                request.user,
                link_base=request.application_url,
                send_after=send_at,
            )
            request.session.flash(request.localizer.translate(STARTED))
            return HTTPSeeOther(request.route_url("group_progress", id=group.id))
        request.response.status_int = 400
    return {
        "selection": selection,
        "template_key": template_key,
        "templates": choices(offered),
        "preview": found,
        "errors": {key: request.localizer.translate(value) for key, value in errors.items()},
        "send_at": send_at_text,
    }


@view_config(route_name="group_sends", renderer=PAGES + "group_sends.pt", permission=SEND)
def group_list(request: Any) -> Any:
    rows = list(request.db.scalars(select(GroupSend).order_by(GroupSend.id.desc()).limit(100)))
    return {"groups": [(g, groups.progress(request.db, g)) for g in rows]}


@view_config(route_name="group_progress", renderer=PAGES + "group_progress.pt", permission=SEND)
def group_progress(request: Any) -> Any:
    group = request.db.get(GroupSend, int(request.matchdict["id"]))
    if group is None:
        raise HTTPNotFound()
    return {"group": group, "progress": groups.progress(request.db, group)}
