"""Activity types administration: add, rename, whether one counts in statistics, retire."""

from __future__ import annotations

import re
from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import func, select

from core.models import utcnow
from plugins.workflow import _
from plugins.workflow.forms import ActivityTypeEditForm, ActivityTypeForm
from plugins.workflow.models import ActivityType
from plugins.workflow.permissions import WorkflowPermission

MANAGE = WorkflowPermission.SETTINGS_MANAGE
TEMPLATES = "plugins.workflow:templates/settings/"
SAVED = _("Saved.")


def _types(request: Any) -> list[ActivityType]:
    return list(
        request.db.scalars(
            select(ActivityType).order_by(
                ActivityType.retired_at.is_not(None), ActivityType.position, ActivityType.id
            )
        )
    )


def _get(request: Any) -> ActivityType:
    found = request.db.get(ActivityType, int(request.matchdict["id"]))
    if found is None:
        raise HTTPNotFound()
    return found


def new_key(db: Any, name: str) -> str:
    """A key unique in the tenant, from the type's name (``call``, ``call-2``...)."""
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:30] or "type"
    taken = set(db.scalars(select(ActivityType.key).where(ActivityType.key.like(f"{base}%"))))
    key, number = base, 1
    while key in taken:
        number += 1
        key = f"{base}-{number}"
    return key


@view_config(
    route_name="activity_types", renderer=TEMPLATES + "activity_types.pt", permission=MANAGE
)
def activity_type_list(request: Any) -> Any:
    form = ActivityTypeForm.from_request(request)
    if request.method == "POST":
        if form.validate():
            names = form.names()
            last = request.db.scalar(select(func.max(ActivityType.position))) or 0
            request.db.add(
                ActivityType(
                    key=new_key(request.db, names["en"]),
                    name=names,
                    counts_in_statistics=form.counts_in_statistics.data,
                    position=last + 1,
                )
            )
            request.db.flush()
            request.session.flash(request.localizer.translate(SAVED))
            return HTTPSeeOther(request.route_url("activity_types"))
        request.response.status_int = 400
    return {"types": _types(request), "form": form}


@view_config(
    route_name="activity_type", renderer=TEMPLATES + "activity_type_form.pt", permission=MANAGE
)
def activity_type_edit(request: Any) -> Any:
    kind = _get(request)
    form = ActivityTypeEditForm.from_request(request)
    if request.method != "POST":
        form.process(
            name_fi=kind.name.get("fi", ""),
            name_en=kind.name.get("en", ""),
            counts_in_statistics=kind.counts_in_statistics,
            version=kind.version,
        )
    elif not form.validate():
        request.response.status_int = 400
    elif not form.stale(request, kind):
        kind.name = form.names()
        kind.counts_in_statistics = form.counts_in_statistics.data
        form.saved(kind)
        request.db.flush()
        request.session.flash(request.localizer.translate(SAVED))
        return HTTPSeeOther(request.route_url("activity_types"))
    return {"kind": kind, "form": form}


@view_config(route_name="activity_type_retire", request_method="POST", permission=MANAGE)
def activity_type_retire(request: Any) -> Any:
    """Retire a type (old activities keep it), or take a retired one back into use."""
    kind = _get(request)
    kind.retired_at = None if kind.retired_at is not None else utcnow()
    request.db.flush()
    request.session.flash(request.localizer.translate(SAVED))
    return HTTPSeeOther(request.route_url("activity_types"))
