"""The admin's form for a custom field's definition."""

from __future__ import annotations

import re
from typing import Any

from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from core.forms import VersionedForm, choices
from plugins.custom_fields import _
from plugins.custom_fields.models import FieldType

KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
CHOICE_VALUE_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
CHOICE_TYPES = (FieldType.CHOICE, FieldType.MULTI_CHOICE)

TYPE_LABELS = {
    FieldType.TEXT: _("Text"),
    FieldType.LONG_TEXT: _("Long text"),
    FieldType.INTEGER: _("Whole number"),
    FieldType.DECIMAL: _("Decimal number"),
    FieldType.MONEY: _("Amount of money"),
    FieldType.DATE: _("Date"),
    FieldType.YES_NO: _("Yes/no"),
    FieldType.CHOICE: _("Single choice"),
    FieldType.MULTI_CHOICE: _("Multiple choice"),
    FieldType.EMAIL: _("E-mail address"),
    FieldType.URL: _("Web address"),
    FieldType.PHONE: _("Phone number"),
    FieldType.USER: _("User"),
}


def key_format(form: Any, field: Any) -> None:
    if field.data and not KEY_RE.match(field.data):
        raise ValidationError(
            _("Use letters a–z, digits and underscores only, not a digit first; no spaces.")
        )


def parse_choices(text: str) -> list[dict[str, Any]]:
    """Choices from lines ``value; Finnish label; English label; Swedish label[; retired]``.

    Raises ``ValueError`` with a message for the user.
    """
    parsed: list[dict[str, Any]] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(";")]
        value = parts[0]
        if not CHOICE_VALUE_RE.match(value):
            raise ValueError(
                _(
                    "Line ${line}: start with a value of letters a–z, digits, - and _.",
                    mapping={"line": number},
                )
            )
        if any(c["value"] == value for c in parsed):
            raise ValueError(
                _(
                    "Line ${line}: the value ${value} is already in the list.",
                    mapping={"line": number, "value": value},
                )
            )
        parsed.append(
            {
                "value": value,
                "fi": parts[1][:120] if len(parts) > 1 else "",
                "en": parts[2][:120] if len(parts) > 2 else "",
                "sv": parts[3][:120] if len(parts) > 3 else "",
                "retired": len(parts) > 4 and bool(parts[4]),
            }
        )
    return parsed


def choices_text(stored: list[dict[str, Any]]) -> str:
    return "\n".join(
        "; ".join(
            [c["value"], c.get("fi", ""), c.get("en", ""), c.get("sv", "")]
            + (["x"] if c.get("retired") else [])
        )
        for c in stored
    )


class FieldForm(VersionedForm):
    key = StringField(
        _("Key"),
        [InputRequired(), Length(max=40), key_format],
        description=_(
            "Stable name in CSV files and the API, e.g. contract_ends. Cannot be changed later."
        ),
    )
    label_fi = StringField(_("Label in Finnish"), [Optional(), Length(max=120)])
    label_en = StringField(_("Label in English"), [Length(max=120)])
    label_sv = StringField(_("Label in Swedish"), [Optional(), Length(max=120)])
    help_fi = StringField(_("Help text in Finnish"), [Optional(), Length(max=300)])
    help_en = StringField(_("Help text in English"), [Optional(), Length(max=300)])
    help_sv = StringField(_("Help text in Swedish"), [Optional(), Length(max=300)])
    type = SelectField(
        _("Type"), choices=choices(list(TYPE_LABELS.items())), default=FieldType.TEXT
    )
    required = BooleanField(_("Required"))
    default = StringField(_("Default value"), [Optional(), Length(max=500)])
    choices = TextAreaField(
        _("Choices"),
        [Optional(), Length(max=10000)],
        description=_(
            "One per line, in the order shown: value; Finnish label; English label; Swedish"
            " label. A fifth column (e.g. x) retires the choice: records that have it keep it."
        ),
    )
    section = StringField(_("Section"), [Optional(), Length(max=80)])
    position = IntegerField(_("Order"), [Optional(), NumberRange(min=-9999, max=9999)], default=0)
    show_in_list = BooleanField(_("Show on the list"))
    filterable = BooleanField(_("Can be filtered on"))

    def validate_label_en(self, field: Any) -> None:
        if not (self.label_fi.data or "").strip() and not (field.data or "").strip():
            raise ValidationError(_("Give the label in Finnish or in English."))

    def validate_choices(self, field: Any) -> None:
        try:
            parsed = parse_choices(field.data)
        except ValueError as exc:
            raise ValidationError(exc.args[0]) from None
        if self.type.data in CHOICE_TYPES and not parsed:
            raise ValidationError(_("Give at least one choice."))
