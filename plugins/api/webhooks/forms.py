"""The form that subscribes a URL to events."""

from __future__ import annotations

from wtforms import SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from core.forms import BaseForm
from plugins.api import _


class WebhookForm(BaseForm):
    url = StringField(
        _("Address"),
        [DataRequired(), Length(max=500)],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        description=_("Where the events are posted, e.g. https://erp.example.fi/myynti."),
    )
    events = SelectMultipleField(
        _("Events"),
        [DataRequired(message=_("Choose at least one."))],
        choices=[],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )
