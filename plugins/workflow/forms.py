"""The workflow plugin's forms: tasks, activities, and the administration of stages and types.

Choices that name rows (customers, people, teams, stages, types) are checked
against the tenant's own rows, so another tenant's id or a retired stage
gets a message next to its field, never a 500 or a foreign row.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields import DateField, TimeField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from core.forms import BaseForm, VersionedForm, choices
from plugins.workflow import _
from plugins.workflow.models import Priority, StageKind

#: The largest expected value a task may have: anything above is a typing mistake.
VALUE_MAX = Decimal("999999999.99")
ID_RANGE = NumberRange(min=0, max=2**31 - 1)

NOT_A_DATE = _("Enter a date, e.g. 28.11.2026.")
NOT_A_TIME = _("Enter a time, e.g. 14.30.")
NOT_A_NUMBER = _("Enter an amount in euros, e.g. 1 200,50.")
NEGATIVE_VALUE = _("The expected value cannot be negative.")
ABSURD_VALUE = _("The expected value can be at most 999 999 999,99 €.")
REQUIRED = _("This field is required.")
PROBABILITY = _("Enter a whole number from 0 to 100.")

KIND_LABELS = {
    StageKind.OPEN: _("Open"),
    StageKind.WON: _("Won"),
    StageKind.LOST: _("Lost"),
}
PRIORITY_LABELS = {
    Priority.LOW: _("Low"),
    Priority.NORMAL: _("Normal"),
    Priority.HIGH: _("High"),
}


class FinnishDateField(DateField):
    """A date from a date input (``2026-11-28``) or typed the Finnish way (``28.11.2026``)."""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validators, format=["%Y-%m-%d", "%d.%m.%Y"], **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        text = valuelist[0].strip()
        for pattern in self.strptime_format:
            try:
                self.data = dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a date
            except ValueError:
                continue
            return
        self.data = None
        raise ValueError(NOT_A_DATE)


class ClockField(TimeField):
    """A time of day from a time input (``14:30``) or typed the Finnish way (``14.30``)."""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validators, format=["%H:%M", "%H.%M", "%H:%M:%S"], **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        text = valuelist[0].strip()
        for pattern in self.strptime_format:
            try:
                self.data = dt.datetime.strptime(text, pattern).time()  # noqa: DTZ007 - a time
            except ValueError:
                continue
            return
        self.data = None
        raise ValueError(NOT_A_TIME)


class MoneyField(StringField):
    """Euros as typed in Finland (``1 200,50``) or with a point; kept as ``Decimal``."""

    def process_formdata(self, valuelist: list[str]) -> None:
        self.raw = valuelist[0] if valuelist else ""
        text = self.raw.replace("\u00a0", "").replace(" ", "").replace("€", "").replace(",", ".")
        if not text:
            self.data = None
            return
        try:
            value = Decimal(text)
        except InvalidOperation:
            self.data = None
            raise ValueError(NOT_A_NUMBER) from None
        if not value.is_finite():
            self.data = None
            raise ValueError(NOT_A_NUMBER)
        self.data = value

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return f"{self.data:.2f}".replace(".", ",")


def expected_value(form: Any, field: Any) -> None:
    if field.data is None:
        return
    if field.data < 0:
        raise ValidationError(NEGATIVE_VALUE)
    if field.data > VALUE_MAX:
        raise ValidationError(ABSURD_VALUE)
    field.data = field.data.quantize(Decimal("0.01"))


def _id_select(label: Any, **kwargs: Any) -> SelectField:
    """A select of row ids, checked by the form's own ``validate_<field>``, not by the choices."""
    return SelectField(label, coerce=_to_int, validate_choice=False, default=0, **kwargs)


def _to_int(value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return -1
    return number if 0 <= number < 2**31 else -1


# --- tasks --------------------------------------------------------------------


class TaskForm(BaseForm):
    title = StringField(_("Title"), [InputRequired(message=REQUIRED), Length(max=200)])
    description = TextAreaField(_("Description"), [Optional(), Length(max=10000)])
    workflow_id = _id_select(_("Workflow"))
    customer_id = _id_select(_("Customer"))
    contact_person_id = _id_select(_("Contact person"))
    responsible_user_id = _id_select(_("Responsible person"))
    team_id = _id_select(_("Team"))
    priority = SelectField(
        _("Priority"),
        choices=choices(PRIORITY_LABELS.items()),
        default=Priority.NORMAL,
    )
    due_date = FinnishDateField(_("Due date"), [Optional()])
    expected_value = MoneyField(_("Expected value (€)"), [Optional(), expected_value])
    close_date = FinnishDateField(_("Expected close date"), [Optional()])
    lost_reason = StringField(_("Why was it lost?"), [Optional(), Length(max=300)])
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class QuickTaskForm(BaseForm):
    """A board column's quick add: a title, and the board to return to."""

    title = StringField(
        _("Title"), [DataRequired(message=REQUIRED), Length(max=200)], filters=[_strip]
    )
    board_query = HiddenField()


# --- activities ---------------------------------------------------------------


class ActivityForm(BaseForm):
    type_id = _id_select(_("Type"))
    subject = StringField(_("Subject"), [InputRequired(message=REQUIRED), Length(max=200)])
    assignee_user_id = _id_select(_("Assignee"))
    due_date = FinnishDateField(_("Due date"), [Optional()])
    due_time = ClockField(_("Time"), [Optional()])
    outcome = TextAreaField(_("Outcome"), [Optional(), Length(max=5000)])


class ActivityEditForm(ActivityForm):
    #: The version the user saw; a different one stored means someone else saved meanwhile.
    version = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])
    #: Where to go back to: the task page or my work.
    back = HiddenField()


class ActivityDoneForm(BaseForm):
    outcome = TextAreaField(_("Outcome"), [Optional(), Length(max=5000)])
    version = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])
    #: Where to go back to: the task page or my work.
    back = HiddenField()


# --- administration -----------------------------------------------------------


class NameForm(BaseForm):
    name_fi = StringField(_("Name in Finnish"), [InputRequired(message=REQUIRED), Length(max=80)])
    name_en = StringField(_("Name in English"), [Optional(), Length(max=80)])

    def names(self) -> dict[str, str]:
        """``{"fi": ..., "en": ...}``; English falls back to the Finnish name."""
        fi = self.name_fi.data.strip()
        return {"fi": fi, "en": (self.name_en.data or "").strip() or fi}


class StageForm(NameForm):
    kind = SelectField(_("Kind"), choices=choices(KIND_LABELS.items()), default=StageKind.OPEN)
    probability = IntegerField(
        _("Win probability (%)"),
        [InputRequired(message=PROBABILITY), NumberRange(min=0, max=100, message=PROBABILITY)],
        default=0,
    )
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])


class RetireForm(BaseForm):
    target_id = _id_select(_("Move its open tasks to"))


class ActionForm(BaseForm):
    action_key = SelectField(_("Action"), validate_choice=True)


class ActivityTypeForm(NameForm):
    counts_in_statistics = BooleanField(_("Counts in statistics"), default=True)


class LogActivityForm(BaseForm):
    """An activity on a customer, with or without a task, logged as done or planned.

    Done by default, today, by the user: a call that just ended is logged with
    its outcome and one click.
    """

    customer_id = _id_select(_("Customer"))
    contact_person_id = _id_select(_("Contact person"))
    task_id = _id_select(_("Task"))
    type_id = _id_select(_("Type"))
    done = BooleanField(_("Already done"), default=True)
    day = FinnishDateField(_("Date"), [Optional()])
    clock = ClockField(_("Time"), [Optional()])
    subject = StringField(_("Subject"), [Optional(), Length(max=200)])
    outcome = TextAreaField(_("Outcome"), [Optional(), Length(max=5000)])
    assignee_user_id = _id_select(_("Assignee"))
    #: Where to go back to: the customer's page, the dashboard or my work.
    back = HiddenField()


#: Whose task a converted contact request becomes.
CUSTOMER_CHOSEN = "chosen"
CUSTOMER_CREATE = "create"
CUSTOMER_NONE = "none"
CUSTOMER_ACTION_LABELS = {
    CUSTOMER_CHOSEN: _("The customer chosen below"),
    CUSTOMER_CREATE: _("A new customer made from the request"),
    CUSTOMER_NONE: _("No customer"),
}


class RequestTaskForm(BaseForm):
    """A contact request made into a task: the customer, contact person and proposed values."""

    customer_action = SelectField(
        _("The task is for"),
        choices=choices(CUSTOMER_ACTION_LABELS.items()),
        default=CUSTOMER_CHOSEN,
        validate_choice=True,
    )
    customer_id = _id_select(_("Customer"))
    contact_person_id = _id_select(_("Contact person"))
    title = StringField(_("Title"), [InputRequired(message=REQUIRED), Length(max=200)])
    expected_value = MoneyField(_("Expected value (€)"), [Optional(), expected_value])
    stage_id = _id_select(_("Stage"))
    responsible_user_id = _id_select(_("Responsible person"))


class WorkflowRenameForm(VersionedForm, NameForm):
    """A workflow's names, saved only over the version the form was opened at."""


class ActivityTypeEditForm(VersionedForm, ActivityTypeForm):
    """An activity type's settings, saved only over the version the form was opened at."""
