"""The form that moves a task: the board's card form, its drag and drop, its fallback page."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from core import label_text
from core.forms import BaseForm, choices
from plugins.workflow import _, activities
from plugins.workflow.models import Stage, StageKind
from plugins.workflow.moves import LOST_REASON_MAX

ID_RANGE = NumberRange(min=1, max=2**31 - 1)

#: The choices for a task's open activities when it is won or lost, closing them first.
ON_CLOSE_LABELS = {
    activities.CLOSE_UNDONE: _("Close them (not done)"),
    activities.MARK_DONE: _("Mark them done"),
    activities.KEEP_OPEN: _("Keep them open"),
}


class MoveForm(BaseForm):
    # Any id is accepted here: ``move_task`` checks that the stage is one of the
    # task's workflow and says so by the field, as it does for drag and drop.
    stage_id = SelectField(_("Stage"), coerce=int, validate_choice=False)
    version = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])
    lost_reason = StringField(_("Why was it lost?"), [Optional(), Length(max=LOST_REASON_MAX)])
    #: What becomes of the task's open activities when it is won or lost.
    on_close = RadioField(
        _("Its open activities"),
        choices=choices(ON_CLOSE_LABELS.items()),
        default=activities.CLOSE_UNDONE,
        validate_choice=True,
    )
    after_id = IntegerField(widget=HiddenField.widget, validators=[Optional(), ID_RANGE])
    #: The board's filters, as a query string, to return to the same board.
    board_query = HiddenField()

    def translate_choices(self, translate: Callable[[Any], str]) -> None:
        self.on_close.choices = choices(
            (k, translate(label)) for k, label in ON_CLOSE_LABELS.items()
        )

    def set_stages(self, stages: Iterable[Stage], locale: str) -> None:
        """Offer ``stages``; the lost reason shows only while a lost one is chosen, the
        question about open activities while a won or lost one is."""
        stages = list(stages)
        self.stage_id.choices = choices((s.id, label_text(s.name, locale)) for s in stages)
        lost = " ".join(str(s.id) for s in stages if s.kind == StageKind.LOST)
        self.lost_reason.render_kw = {"data-shown-with": self.stage_id.id, "data-shown-for": lost}
        closed = " ".join(str(s.id) for s in stages if s.kind != StageKind.OPEN)
        self.on_close.render_kw = {"data-shown-with": self.stage_id.id, "data-shown-for": closed}
