"""Adding a task in a board column by its title: the rest is filled in on the task's page.

The task starts in that column's stage with the user as its responsible person. A
refused title shows the board again with the message next to that column's field.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config

from core import label_text
from plugins.workflow import _, tasks
from plugins.workflow.board import BoardFilter
from plugins.workflow.forms import QuickTaskForm
from plugins.workflow.models import Stage, Workflow
from plugins.workflow.permissions import WorkflowPermission
from plugins.workflow.views.board import BOARD_TEMPLATE, back_to_board, board_data

ADDED = _("Task “${title}” added to ${stage}.")


@view_config(
    route_name="board_quick_add",
    request_method="POST",
    permission=WorkflowPermission.TASK_EDIT,
)
def quick_add(request: Any) -> Any:
    stage = request.db.get(Stage, int(request.matchdict["stage_id"]))
    if stage is None or stage.retired_at is not None or stage.is_closed:
        raise HTTPNotFound()
    form = QuickTaskForm.from_request(request)
    workflow = request.db.get(Workflow, stage.workflow_id)
    if not form.validate():
        filters = BoardFilter.from_params(dict(parse_qsl(form.board_query.data or "")))
        data = board_data(request, workflow, filters, {"stage_id": stage.id, "form": form})
        response = render_to_response(BOARD_TEMPLATE, data, request=request)
        response.status_int = 400
        return response
    values = {"title": form.title.data, "responsible_user_id": request.user.id}
    task = tasks.create_task(request.db, workflow, values, request.user, stage=stage)
    message = _(
        ADDED, mapping={"title": task.title, "stage": label_text(stage.name, request.locale_name)}
    )
    request.session.flash(request.localizer.translate(message))
    return HTTPSeeOther(back_to_board(request, form))
