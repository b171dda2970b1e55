"""The notes page: the tenant's notes, newest first, and a form to add one.

There is no tenant or licence check here: core answers 404 for a tenant that
has not enabled the plugin, or a user who is not its member, before the view
runs; ``permission=`` does the rest.
"""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from myynti_notes import _
from myynti_notes.forms import NoteForm
from myynti_notes.models import Note, latest_notes
from myynti_notes.permissions import NotesPermission

TEMPLATE = "myynti_notes:templates/notes.pt"
#: The page shows this many of the newest notes.
PAGE_SIZE = 100


def page(request: Any, form: NoteForm) -> dict[str, Any]:
    return {
        "form": form,
        "notes": latest_notes(request.db, PAGE_SIZE),
        "can_edit": bool(request.has_permission(NotesPermission.EDIT)),
    }


@view_config(
    route_name="notes", request_method="GET", renderer=TEMPLATE, permission=NotesPermission.VIEW
)
def notes(request: Any) -> dict[str, Any]:
    return page(request, NoteForm.from_request(request))


@view_config(
    route_name="notes", request_method="POST", renderer=TEMPLATE, permission=NotesPermission.EDIT
)
def add_note(request: Any) -> Any:
    form = NoteForm.from_request(request)
    if not form.validate():
        return page(request, form)
    request.db.add(Note(title=form.title.data, body=form.body.data, author_id=request.user.id))
    request.session.flash(request.localizer.translate(_("Note saved.")))
    return HTTPSeeOther(request.route_url("notes"))
