"""The board (workflow view): columns of cards, the next page of a column, and moving a card.

Drag and drop posts the same form as a card's no-JS form, to the same view,
so both go through ``move_task`` with the same permission and checks. A
request that asks for JSON (the board's script) gets the outcome as JSON;
any other gets a redirect back to the board, or the move page with the
refusal next to its field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from markupsafe import Markup
from pyramid.csrf import get_csrf_token
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.interfaces import IRoutesMapper
from pyramid.renderers import render_to_response
from pyramid.response import Response
from pyramid.view import view_config

from core import Link, label_text
from core.people import member_choices, team_choices
from plugins.contacts.models import Customer
from plugins.workflow import _
from plugins.workflow.board import (
    RECENT_CLOSED_DAYS,
    BoardFilter,
    board_columns,
    board_stages,
    more_cards,
    workflows,
)
from plugins.workflow.models import Stage, Task, Workflow
from plugins.workflow.move_form import MoveForm
from plugins.workflow.moves import STALE_MOVE, MoveRefused, move_task
from plugins.workflow.permissions import WorkflowPermission
from plugins.workflow.routes import SORTABLEJS

BOARD_TEMPLATE = "plugins.workflow:templates/board.pt"
CARDS_TEMPLATE = "plugins.workflow:templates/board_cards.pt"
COLUMN_TEMPLATE = "plugins.workflow:templates/board_column.pt"
MOVE_TEMPLATE = "plugins.workflow:templates/board_move.pt"

MOVED = _("Moved “${title}” to ${stage}.")
INVALID_MOVE = _("Check the fields marked below.")
#: The words of every card, translated once per page.
CARD_LABELS = {
    "customer": _("Show only this customer's tasks"),
    "value": _("Value"),
    "due": _("Due"),
    "responsible": _("Responsible"),
    "activities": _("Open activities"),
    "stage": _("Stage"),
    "move": _("Move"),
    "move_page": _("Move…"),
    "overdue": _("Overdue"),
    "idle": _("No next activity"),
}


def board_links(request: Any, slot: str) -> list[Link]:
    if slot == "navigation" and request.has_permission(WorkflowPermission.TASK_VIEW):
        return [
            Link(
                _("Board"),
                request.route_url("board"),
                30,
            )
        ]
    return []


def _workflow(request: Any) -> Workflow | None:
    """The workflow the board shows: ``?workflow=id``, else the first. 404 for another's id."""
    wanted = request.GET.get("workflow")
    if wanted is None:
        found = _workflows(request)
        return found[0] if found else None
    try:
        workflow = request.db.get(Workflow, int(wanted))
    except (TypeError, ValueError, OverflowError):
        workflow = None
    if workflow is None:
        raise HTTPNotFound()
    return workflow


def _workflows(request: Any) -> list[Workflow]:
    """The tenant's workflows, read once a request (the board's tabs and its default)."""
    if "_board_workflows" not in request.__dict__:
        request.__dict__["_board_workflows"] = workflows(request.db)
    return request.__dict__["_board_workflows"]


def _filter_choices(request: Any, filters: BoardFilter) -> dict[str, Any]:
    db = request.db
    teams = team_choices(request)
    people = member_choices(request)
    customer = db.get(Customer, filters.customer_id) if filters.customer_id else None
    return {"teams": teams, "people": people, "customer": customer}


@view_config(
    route_name="board",
    request_method="GET",
    renderer=BOARD_TEMPLATE,
    kept_page=True,
    permission=WorkflowPermission.TASK_VIEW,
)
def board(request: Any) -> dict[str, Any]:
    return board_data(request, _workflow(request), BoardFilter.from_params(request.GET))


def board_data(
    request: Any, workflow: Workflow | None, filters: BoardFilter, quick_add: Any = None
) -> dict[str, Any]:
    """The board page's data; ``quick_add`` is a column's refused quick-add form, if any."""
    columns = board_columns(request.db, workflow.id, filters) if workflow else []
    query = filters.query()
    if workflow is not None:
        query["workflow"] = workflow.id
    return {
        "workflow": workflow,
        "workflows": _workflows(request) if workflow else [],
        "columns": columns,
        "filters": filters,
        "recent_days": RECENT_CLOSED_DAYS,
        "sortable_url": request.static_url(str(SORTABLEJS / "Sortable.min.js")),
        "quick_add": quick_add,
        **_card_context(request, query, [column.stage for column in columns]),
        **_filter_choices(request, filters),
    }


#: A task id no real one equals, replaced in URLs built once per page.
_ID = 987654321


@dataclass(frozen=True)
class CardLinks:
    """A card's URLs, from patterns built once per page rather than once per card.

    ``route_url`` (with its query quoting) for each of 175 cards was a tenth of
    the board's time.
    """

    move_pattern: str
    task_pattern: str
    customer_base: str

    @classmethod
    def for_board(cls, request: Any, query: dict[str, Any]) -> CardLinks:
        mapper = request.registry.getUtility(IRoutesMapper)
        has_task_page = mapper.get_route("task") is not None
        without_customer = {key: value for key, value in query.items() if key != "customer"}
        base = request.route_url("board", _query=without_customer)
        return cls(
            move_pattern=_pattern(request.route_url("board_move", id=_ID)),
            task_pattern=_pattern(request.route_url("task", id=_ID)) if has_task_page else "",
            customer_base=base + ("&" if "?" in base else "?") + "customer=",
        )

    def move(self, task_id: int) -> str:
        return self.move_pattern.format(task_id)

    def task(self, task_id: int) -> str | None:
        return self.task_pattern.format(task_id) if self.task_pattern else None

    def customer(self, customer_id: int) -> str:
        return f"{self.customer_base}{customer_id}"


def _pattern(url: str) -> str:
    """``url`` as a ``str.format`` pattern with ``{}`` where the sentinel id was."""
    before, _sep, after = url.rpartition(str(_ID))
    return "{}".join(part.replace("{", "{{").replace("}", "}}") for part in (before, after))


def stage_choices(stages: list[Stage], locale: str) -> dict[int, Markup]:
    """The ``<option>``s of a card's move menu, by the card's stage (selected in them).

    Made once per page rather than looped over for every card: with a hundred
    cards on a board of seven stages, the loop was most of the page's rendering.
    """
    names = [(stage.id, label_text(stage.name, locale)) for stage in stages]
    option = Markup('<option value="{}"{}>{}</option>')
    selected = Markup(' selected="selected"')
    return {
        current: Markup("").join(
            option.format(stage_id, selected if stage_id == current else "", name)
            for stage_id, name in names
        )
        for current, _name in names
    }


def _card_context(request: Any, query: dict[str, Any], stages: list[Stage]) -> dict[str, Any]:
    """What the cards need besides themselves, made once for all of them."""
    translate = request.localizer.translate
    board_query = request.route_url("board", _query=query).partition("?")[2]
    return {
        "query": query,
        "board_query": board_query,
        "back_query": urlencode({"back": board_query}),
        "links": CardLinks.for_board(request, query),
        "stage_choices": stage_choices(stages, request.locale_name),
        "card_labels": {key: translate(label) for key, label in CARD_LABELS.items()},
        "can_move": request.has_permission(WorkflowPermission.TASK_EDIT),
        "csrf_token": get_csrf_token(request),
    }


@view_config(
    route_name="board_column",
    request_method="GET",
    permission=WorkflowPermission.TASK_VIEW,
)
def board_column(request: Any) -> Any:
    """The next page of one column: cards only for the script, a page of its own without it."""
    stage = request.db.get(Stage, int(request.matchdict["stage_id"]))
    if stage is None or stage.retired_at is not None:
        raise HTTPNotFound()
    filters = BoardFilter.from_params(request.GET)
    cards, cursor = more_cards(request.db, stage, filters, request.GET.get("cursor"))
    data = {
        "stage": stage,
        "cards": cards,
        "next_cursor": cursor,
        "filters": filters,
        **_card_context(
            request,
            {**filters.query(), "workflow": stage.workflow_id},
            board_stages(request.db, stage.workflow_id),
        ),
    }
    template = CARDS_TEMPLATE if request.GET.get("partial") else COLUMN_TEMPLATE
    return render_to_response(template, data, request=request)


def _task(request: Any) -> Task:
    task = request.db.get(Task, int(request.matchdict["id"]))
    if task is None:
        raise HTTPNotFound()
    return task


def _wants_json(request: Any) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _move_form(request: Any, task: Task) -> MoveForm:
    form = MoveForm.from_request(request)
    stages = board_stages(request.db, task.workflow_id)
    form.set_stages(stages, request.locale_name)
    if request.method != "POST":
        form.stage_id.data = task.stage_id
        form.version.data = task.version
        form.board_query.data = request.GET.get("back", "")
    return form


def back_to_board(request: Any, form: Any) -> str:
    """The board the user came from, rebuilt from its filters (never a URL taken as given)."""
    params = dict(parse_qsl(form.board_query.data or ""))
    query = BoardFilter.from_params(params).query()
    if params.get("workflow", "").isdigit():
        query["workflow"] = params["workflow"]
    return request.route_url("board", _query=query)


@view_config(
    route_name="board_move",
    request_method="GET",
    renderer=MOVE_TEMPLATE,
    permission=WorkflowPermission.TASK_EDIT,
)
def move_page(request: Any) -> dict[str, Any]:
    """The move form on a page of its own: the fallback for a lost stage without a script."""
    task = _task(request)
    form = _move_form(request, task)
    return {"task": task, "form": form, "message": None, "back_url": back_to_board(request, form)}


@view_config(
    route_name="board_move",
    request_method="POST",
    renderer=MOVE_TEMPLATE,
    permission=WorkflowPermission.TASK_EDIT,
)
def move(request: Any) -> Any:
    task = _task(request)
    form = _move_form(request, task)
    refused: MoveRefused | None = None
    if not form.validate():
        refused = MoveRefused(INVALID_MOVE, next(iter(form.errors)))
    else:
        try:
            move_task(
                request,
                task,
                form.stage_id.data,
                form.version.data,
                lost_reason=form.lost_reason.data,
                after_id=form.after_id.data,
            )
        except MoveRefused as exc:
            refused = exc
    if refused is None:
        return _moved(request, task, form)
    return _refused(request, task, form, refused)


def _moved(request: Any, task: Task, form: MoveForm) -> Any:
    stage = request.db.get(Stage, task.stage_id)
    if _wants_json(request):
        return _json(200, {"ok": True, "version": task.version, "stage_id": stage.id})
    message = _(
        MOVED, mapping={"title": task.title, "stage": label_text(stage.name, request.locale_name)}
    )
    request.session.flash(request.localizer.translate(message))
    return HTTPSeeOther(back_to_board(request, form))


def _refused(request: Any, task: Task, form: MoveForm, refused: MoveRefused) -> Any:
    stale = refused.message is STALE_MOVE
    status = 409 if stale else 400
    message = request.localizer.translate(refused.message)
    if _wants_json(request):
        field_errors = {
            name: [request.localizer.translate(error) for error in errors]
            for name, errors in form.errors.items()
        }
        return _json(
            status,
            {
                "ok": False,
                "field": refused.field,
                "message": message,
                "errors": field_errors,
                "version": task.version,
            },
        )
    field = getattr(form, refused.field, None)
    if field is not None and not stale and not field.errors:
        field.errors = [refused.message]
    if stale:
        request.db.refresh(task)
        # A new try starts from the version now stored (the field shows raw input first).
        form.version.data = task.version
        form.version.raw_data = [str(task.version)]
    request.response.status_int = status
    return {
        "task": task,
        "form": form,
        "message": message,
        "back_url": back_to_board(request, form),
    }


def _json(status: int, body: dict[str, Any]) -> Response:
    response = Response(status=status, content_type="application/json", charset="utf-8")
    response.json_body = body
    return response
