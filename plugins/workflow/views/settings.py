"""Workflow administration: workflows, their stages (order, kind, retiring) and stage actions.

For tenant admins (``SETTINGS_MANAGE``). Every id in a URL or form is read
through the tenant's session, so another tenant's workflow or stage is a 404.
"""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from core import Link, StageAction, label_text
from core.forms import choices
from core.i18n import pluralize
from plugins.workflow import _, stages
from plugins.workflow.forms import (
    KIND_LABELS,
    ActionForm,
    NameForm,
    RetireForm,
    StageForm,
    WorkflowRenameForm,
)
from plugins.workflow.models import Stage, StageActionBinding, Workflow
from plugins.workflow.permissions import WorkflowPermission

MANAGE = WorkflowPermission.SETTINGS_MANAGE
TEMPLATES = "plugins.workflow:templates/settings/"

SAVED = _("Saved.")
STALE_STAGE = _("Someone else changed this stage in the meantime. Check it and save again.")


def settings_links(request: Any, slot: str) -> list[Link]:
    if slot != "admin" or not request.has_permission(MANAGE):
        return []
    return [
        Link(
            _("Workflows"),
            request.route_url("workflow_settings"),
            30,
        ),
        Link(
            _("Activity types"),
            request.route_url("activity_types"),
            31,
        ),
    ]


def offered_actions(request: Any) -> dict[str, StageAction]:
    """The stage actions the tenant's enabled plugins offer, by key."""
    found = request.plugins.collect("myynti_stage_actions", request=request)
    return {action.key: action for action in found}


def _get(request: Any, model: Any, key: str = "id") -> Any:
    row = request.db.get(model, int(request.matchdict[key]))
    if row is None:
        raise HTTPNotFound()
    return row


def _flash(request: Any, message: Any) -> None:
    request.session.flash(request.localizer.translate(message))


@view_config(
    route_name="workflow_settings",
    request_method="GET",
    renderer=TEMPLATES + "workflows.pt",
    permission=MANAGE,
)
def workflow_list(request: Any) -> dict[str, Any]:
    return _list_data(request, NameForm.from_request(request))


def _list_data(request: Any, form: NameForm) -> dict[str, Any]:
    found = list(request.db.scalars(select(Workflow).order_by(Workflow.position, Workflow.id)))
    limit = stages.workflow_limit(request.tenant)
    return {"workflows": found, "limit": limit, "form": form, "can_add": len(found) < limit}


@view_config(
    route_name="workflow_settings",
    request_method="POST",
    renderer=TEMPLATES + "workflows.pt",
    permission=MANAGE,
)
def workflow_add(request: Any) -> Any:
    form = NameForm.from_request(request)
    if form.validate():
        try:
            workflow = stages.add_workflow(request.db, request.tenant, form.names())
        except stages.StageRefused as refused:
            form.name_fi.errors = [refused.message]
        else:
            _flash(request, SAVED)
            return HTTPSeeOther(request.route_url("workflow_setting", id=workflow.id))
    request.response.status_int = 400
    return _list_data(request, form)


def _workflow_data(request: Any, workflow: Workflow, **forms: Any) -> dict[str, Any]:
    db = request.db
    every = stages.all_stages(db, workflow.id)
    actions = offered_actions(request)
    bindings = list(
        db.scalars(
            select(StageActionBinding)
            .where(StageActionBinding.stage_id.in_([s.id for s in every]))
            .order_by(StageActionBinding.position, StageActionBinding.id)
        )
    )
    by_stage: dict[int, list[StageActionBinding]] = {}
    for binding in bindings:
        by_stage.setdefault(binding.stage_id, []).append(binding)
    rename = forms.get("rename") or WorkflowRenameForm(
        meta={"locales": [request.locale_name, "en"]},
        name_fi=workflow.name.get("fi", ""),
        name_en=workflow.name.get("en", ""),
        version=workflow.version,
    )
    add = forms.get("add") or StageForm(meta={"locales": [request.locale_name, "en"]})
    add.kind.choices = _kind_choices(request)
    action_choices = [(key, label_text(a.label, request.locale_name)) for key, a in actions.items()]
    return {
        "workflow": workflow,
        "active": [s for s in every if s.retired_at is None],
        "retired": [s for s in every if s.retired_at is not None],
        "bindings": by_stage,
        "actions": actions,
        "action_choices": action_choices,
        "kind_labels": KIND_LABELS,
        "rename": rename,
        "add": add,
        "open_counts": {s.id: stages.open_task_count(db, s) for s in every},
        "action_errors": forms.get("action_errors") or {},
    }


def _kind_choices(request: Any) -> list[Any]:
    translate = request.localizer.translate
    return choices((key, translate(label)) for key, label in KIND_LABELS.items())


@view_config(
    route_name="workflow_setting",
    request_method="GET",
    renderer=TEMPLATES + "workflow.pt",
    permission=MANAGE,
)
def workflow_page(request: Any) -> dict[str, Any]:
    return _workflow_data(request, _get(request, Workflow))


@view_config(
    route_name="workflow_setting",
    request_method="POST",
    renderer=TEMPLATES + "workflow.pt",
    permission=MANAGE,
)
def workflow_rename(request: Any) -> Any:
    workflow = _get(request, Workflow)
    form = WorkflowRenameForm.from_request(request)
    if not form.validate():
        request.response.status_int = 400
    elif not form.stale(request, workflow):
        workflow.name = form.names()
        form.saved(workflow)
        request.db.flush()
        _flash(request, SAVED)
        return HTTPSeeOther(request.route_url("workflow_setting", id=workflow.id))
    return _workflow_data(request, workflow, rename=form)


def _stage_values(form: StageForm) -> dict[str, Any]:
    return {"name": form.names(), "kind": form.kind.data, "probability": form.probability.data}


@view_config(
    route_name="stage_new",
    request_method="POST",
    renderer=TEMPLATES + "workflow.pt",
    permission=MANAGE,
)
def stage_add(request: Any) -> Any:
    workflow = _get(request, Workflow)
    form = StageForm.from_request(request)
    form.kind.choices = _kind_choices(request)
    if form.validate():
        stages.add_stage(request.db, workflow, _stage_values(form))
        _flash(request, SAVED)
        return HTTPSeeOther(request.route_url("workflow_setting", id=workflow.id))
    request.response.status_int = 400
    return _workflow_data(request, workflow, add=form)


@view_config(route_name="stage_edit", renderer=TEMPLATES + "stage_form.pt", permission=MANAGE)
def stage_edit(request: Any) -> Any:
    stage = _get(request, Stage)
    form = StageForm.from_request(request)
    form.kind.choices = _kind_choices(request)
    if request.method != "POST":
        form.process(
            name_fi=stage.name.get("fi", ""),
            name_en=stage.name.get("en", ""),
            kind=stage.kind,
            probability=stage.probability,
            version=stage.version,
        )
        return {"stage": stage, "form": form, "message": None}
    message = None
    if form.validate():
        if form.version.data != stage.version:
            message = STALE_STAGE
        else:
            try:
                with request.db.begin_nested():
                    stages.update_stage(request.db, stage, _stage_values(form))
            except stages.StageRefused as refused:
                request.db.refresh(stage)
                getattr(form, refused.field).errors = [refused.message]
            except StaleDataError:
                request.db.expire_all()
                message = STALE_STAGE
            else:
                _flash(request, SAVED)
                return HTTPSeeOther(request.route_url("workflow_setting", id=stage.workflow_id))
    if message is not None:
        # A new try starts from the version now stored; the user's input stays.
        form.version.raw_data = [str(stage.version)]
    request.response.status_int = 409 if message is not None else 400
    return {"stage": stage, "form": form, "message": message}


@view_config(route_name="stage_move", request_method="POST", permission=MANAGE)
def stage_move(request: Any) -> Any:
    stage = _get(request, Stage)
    step = {"up": -1, "down": 1}.get(request.POST.get("direction", ""))
    if step is not None and stage.retired_at is None:
        stages.move_stage(request.db, stage, step)
    return HTTPSeeOther(request.route_url("workflow_setting", id=stage.workflow_id))


@view_config(route_name="stage_retire", renderer=TEMPLATES + "stage_retire.pt", permission=MANAGE)
def stage_retire(request: Any) -> Any:
    """Retire a stage; one with open tasks first asks where they go."""
    stage = _get(request, Stage)
    if stage.retired_at is not None:
        raise HTTPNotFound()
    db = request.db
    form = RetireForm.from_request(request)
    targets = stages.retire_targets(db, stage)
    form.target_id.choices = choices(
        [(0, "—"), *((s.id, label_text(s.name, request.locale_name)) for s in targets)]
    )
    count = stages.open_task_count(db, stage)
    error = None
    if request.method == "POST" and form.validate():
        try:
            with db.begin_nested():
                moved = stages.retire_stage(request, stage, form.target_id.data or None)
        except stages.StageRefused as refused:
            db.refresh(stage)
            if refused.field == "target_id":
                form.target_id.errors = [refused.message]
            else:
                error = refused.message
        else:
            request.session.flash(
                pluralize(
                    request.localizer,
                    "The stage was retired; ${count} open task was moved.",
                    "The stage was retired; ${count} open tasks were moved.",
                    moved,
                    "myynti_workflow",
                )
            )
            return HTTPSeeOther(request.route_url("workflow_setting", id=stage.workflow_id))
        request.response.status_int = 400
    return {"stage": stage, "form": form, "count": count, "error": error}


@view_config(route_name="stage_restore", request_method="POST", permission=MANAGE)
def stage_restore(request: Any) -> Any:
    stage = _get(request, Stage)
    stages.restore_stage(request.db, stage)
    _flash(request, SAVED)
    return HTTPSeeOther(request.route_url("workflow_setting", id=stage.workflow_id))


@view_config(
    route_name="stage_actions",
    request_method="POST",
    renderer=TEMPLATES + "workflow.pt",
    permission=MANAGE,
)
def stage_action_attach(request: Any) -> Any:
    stage = _get(request, Stage)
    form = ActionForm.from_request(request)
    form.action_key.choices = choices(
        (key, label_text(action.label, request.locale_name))
        for key, action in offered_actions(request).items()
    )
    if form.validate():
        stages.attach_action(request.db, stage, form.action_key.data)
        _flash(request, SAVED)
        return HTTPSeeOther(request.route_url("workflow_setting", id=stage.workflow_id))
    request.response.status_int = 400
    workflow = request.db.get(Workflow, stage.workflow_id)
    return _workflow_data(request, workflow, action_errors={stage.id: form.action_key.errors})


@view_config(route_name="stage_action_remove", request_method="POST", permission=MANAGE)
def stage_action_detach(request: Any) -> Any:
    stage = _get(request, Stage)
    binding = request.db.get(StageActionBinding, int(request.matchdict["binding_id"]))
    if binding is None or binding.stage_id != stage.id:
        raise HTTPNotFound()
    stages.detach_action(request.db, binding)
    _flash(request, SAVED)
    return HTTPSeeOther(request.route_url("workflow_setting", id=stage.workflow_id))
