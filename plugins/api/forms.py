"""The form that makes a personal API token."""

from __future__ import annotations

from datetime import date, timedelta

from wtforms import DateField, SelectMultipleField, StringField, ValidationError
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from core.forms import BaseForm, one_line
from plugins.api import _

#: The longest a token may live; a token with no date expires after this.
LONGEST_LIFE = timedelta(days=366)


class TokenForm(BaseForm):
    name = StringField(
        _("Name"),
        [DataRequired(), Length(max=120)],
        filters=[one_line],
        description=_("Which integration uses the token, e.g. the ERP."),
    )
    scopes = SelectMultipleField(
        _("Access"),
        [DataRequired(message=_("Choose at least one."))],
        choices=[],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )
    expires_on = DateField(
        _("Valid until"),
        [Optional()],
        description=_("At most a year from today; empty means a year."),
    )

    def validate_expires_on(self, field: DateField) -> None:
        if field.data is None:
            return
        if field.data <= date.today():
            raise ValidationError(_("Give a date after today."))
        if field.data > date.today() + LONGEST_LIFE:
            raise ValidationError(_("At most a year from today."))
