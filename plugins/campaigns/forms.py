"""The campaign form, bound to a request: its choices come from the tenant's rows.

Whatever id comes back is checked again against the tenant's rows
(``check``): a stage of another workflow, a user outside the campaign's
team or another tenant's id gets a message by its field, never a 500.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import URL, InputRequired, Length, NumberRange, Optional

from core import label_text
from core.forms import BaseForm, choices
from core.models import Team
from plugins.campaigns import _, first_step
from plugins.campaigns.assignment import assignment_errors
from plugins.campaigns.models import Assignment, Campaign
from plugins.workflow.board import workflows
from plugins.workflow.forms import FinnishDateField
from plugins.workflow.models import Stage, StageKind, Workflow
from plugins.workflow.task_form import member_choices, team_choices
from plugins.workflow.tasks import is_active_member

REQUIRED = _("This field is required.")
ENDS_BEFORE_START = _("The campaign cannot end before it starts.")
NO_SUCH_WORKFLOW = _("Choose one of the workflows.")
STAGE_OF_OTHER_WORKFLOW = _("Choose an open stage of the chosen workflow.")
NO_SUCH_MEMBER = _("Choose an active member of your organisation.")
NO_SUCH_TEAM = _("Choose one of your teams.")
NO_SUCH_TEMPLATE = _("Choose one of the message templates.")
DEFAULT_TITLE = "{campaign}: {customer}"

ASSIGNMENT_LABELS = {
    Assignment.RESPONSIBLE: _("The customer's responsible person"),
    Assignment.ROUND_ROBIN: _("In turns within the team"),
    Assignment.LEAST_BUSY: _("The least busy in the team"),
    Assignment.USER: _("One user"),
}


def _to_int(value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return -1
    return number if 0 <= number < 2**31 else -1


def _id_select(label: Any) -> SelectField:
    return SelectField(label, coerce=_to_int, validate_choice=False, default=0)


class CampaignForm(BaseForm):
    name = StringField(_("Name"), [InputRequired(message=REQUIRED), Length(max=200)])
    description = TextAreaField(_("Description"), [Optional(), Length(max=10000)])
    starts_on = FinnishDateField(_("Starts"), [Optional()])
    ends_on = FinnishDateField(_("Ends"), [Optional()])
    owner_user_id = _id_select(_("Owner"))
    team_id = _id_select(_("Team"))
    workflow_id = _id_select(_("Workflow"))
    stage_id = _id_select(_("Stage new tasks start in"))
    task_title = StringField(
        _("Task title"),
        [InputRequired(message=REQUIRED), Length(max=200)],
        description=_("{customer}, {contact} and {campaign} are filled in for each task."),
    )
    task_description = TextAreaField(_("Task description"), [Optional(), Length(max=10000)])
    due_days = IntegerField(
        _("Tasks are due this many days after they are created"),
        [Optional(), NumberRange(min=0, max=365)],
    )
    assignment = SelectField(_("Who gets the tasks"), default=Assignment.RESPONSIBLE)
    assignee_user_id = _id_select(_("The user who gets the tasks"))
    message_template = SelectField(_("First step: a message"), default="")
    landing_page = StringField(
        _("Landing page address"),
        [
            Optional(),
            Length(max=500),
            URL(message=_("Enter a web address, e.g. https://example.fi/kevat.")),
        ],
        description=_("Contact requests sent from a web form on this page count in the campaign."),
    )
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])

    def validate_ends_on(self, field: Any) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValueError(ENDS_BEFORE_START)


def open_stages(db: Any) -> list[tuple[Stage, Workflow]]:
    rows = db.execute(
        select(Stage, Workflow)
        .join(Workflow, Workflow.id == Stage.workflow_id)
        .where(Stage.kind == StageKind.OPEN, Stage.retired_at.is_(None))
        .order_by(Workflow.position, Workflow.id, Stage.position, Stage.id)
    )
    return [(stage, workflow) for stage, workflow in rows]


def bind_campaign_form(request: Any, campaign: Campaign | None = None) -> CampaignForm:
    form = CampaignForm.from_request(request, obj=campaign)
    db = request.db
    locale = request.locale_name
    translate = request.localizer.translate
    if request.method != "POST":
        if campaign is None:
            form.owner_user_id.data = request.user.id
            form.task_title.data = DEFAULT_TITLE
            stages = open_stages(db)
            if stages:
                form.workflow_id.data, form.stage_id.data = stages[0][1].id, stages[0][0].id
        else:
            for key in ("owner_user_id", "team_id", "assignee_user_id"):
                getattr(form, key).data = getattr(campaign, key) or 0
            form.message_template.data = campaign.message_template or ""
    none = (0, "—")
    form.owner_user_id.choices = choices([none, *member_choices(db)])
    form.assignee_user_id.choices = choices([none, *member_choices(db)])
    form.team_id.choices = choices([none, *team_choices(db)])
    form.workflow_id.choices = choices((w.id, label_text(w.name, locale)) for w in workflows(db))
    form.stage_id.choices = choices(
        (s.id, f"{label_text(w.name, locale)}: {label_text(s.name, locale)}")
        for s, w in open_stages(db)
    )
    form.assignment.choices = choices((k.value, translate(v)) for k, v in ASSIGNMENT_LABELS.items())
    offered = first_step.templates(request)
    form.message_template.choices = choices([("", translate(_("No message"))), *offered])
    form.offers_messages = bool(offered) or bool(campaign and campaign.message_template)
    return form


def form_values(form: CampaignForm) -> dict[str, Any]:
    values = {
        key: getattr(form, key).data
        for key in (
            "name",
            "description",
            "starts_on",
            "ends_on",
            "owner_user_id",
            "team_id",
            "workflow_id",
            "stage_id",
            "task_title",
            "task_description",
            "due_days",
            "assignment",
            "assignee_user_id",
            "message_template",
            "landing_page",
        )
    }
    for key in ("owner_user_id", "team_id", "assignee_user_id"):
        values[key] = values[key] or None
    values["description"] = values["description"] or ""
    values["task_description"] = values["task_description"] or ""
    values["message_template"] = values["message_template"] or None
    values["landing_page"] = (values["landing_page"] or "").strip() or None
    if values["assignment"] != Assignment.USER:
        values["assignee_user_id"] = None
    return values


def validate(request: Any, form: CampaignForm) -> bool:
    """The form's own checks, then the rows it names, against the tenant's."""
    if not form.validate():
        return False
    db = request.db
    values = form_values(form)
    errors: dict[str, Any] = {}
    workflow = db.get(Workflow, values["workflow_id"] or 0)
    stage = db.get(Stage, values["stage_id"] or 0)
    if workflow is None:
        errors["workflow_id"] = NO_SUCH_WORKFLOW
    elif (
        stage is None
        or stage.workflow_id != workflow.id
        or stage.kind != StageKind.OPEN
        or stage.retired_at is not None
    ):
        errors["stage_id"] = STAGE_OF_OTHER_WORKFLOW
    owner = values["owner_user_id"]
    if owner and not is_active_member(db, owner):
        errors["owner_user_id"] = NO_SUCH_MEMBER
    if values["team_id"] and db.get(Team, values["team_id"]) is None:
        errors["team_id"] = NO_SUCH_TEAM
    elif values["assignment"] in {a.value for a in Assignment}:
        errors.update(
            assignment_errors(
                db,
                request.tenant.id,
                {
                    "assignment": values["assignment"],
                    "team_id": values["team_id"],
                    "assignee": values["assignee_user_id"],
                },
            )
        )
    template = values["message_template"]
    if template and template not in dict(first_step.templates(request)):
        errors["message_template"] = NO_SUCH_TEMPLATE
    for key, message in errors.items():
        getattr(form, key).errors = [message]
    return not errors


def apply(campaign: Campaign, values: dict[str, Any]) -> None:
    for key, value in values.items():
        if key == "assignee_user_id":
            campaign.assignee_user_id = value
        else:
            setattr(campaign, key, value)
