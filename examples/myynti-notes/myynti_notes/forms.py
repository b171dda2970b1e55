"""The form that adds a note."""

from __future__ import annotations

from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from core.forms import BaseForm
from myynti_notes import _

TITLE_MAX = 200
BODY_MAX = 5000


def _stripped(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class NoteForm(BaseForm):
    # Stripped before validation, so a title of spaces counts as missing.
    title = StringField(_("Title"), [DataRequired(), Length(max=TITLE_MAX)], filters=[_stripped])
    body = TextAreaField(_("Text"), [Length(max=BODY_MAX)], filters=[_stripped])
