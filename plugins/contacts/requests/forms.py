"""The forms of a contact request: its fields (every source), a state change, an assignment.

Web forms, the API and manual entry all validate with ``RequestForm``, so a
request is checked the same way wherever it comes from. JSON bodies are turned
into form data with ``json_formdata`` first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from webob.multidict import MultiDict
from wtforms import EmailField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from core.forms import BaseForm, business_id, choices, email_address, one_line, phone_number
from plugins.contacts import _
from plugins.contacts.models import RequestState

MESSAGE_MAX = 10_000
LANGUAGES = (("fi", _("Finnish")), ("sv", _("Swedish")), ("en", _("English")))
#: Every field of a request, in the order forms show them.
FIELDS = ("name", "company", "business_id", "email", "phone", "language", "subject", "message")
#: What every web form asks; an admin adds any of ``WEB_FORM_OPTIONAL``.
WEB_FORM_ALWAYS = ("name", "email", "message")
WEB_FORM_OPTIONAL = ("phone", "company", "business_id", "subject", "language")

_CONTROL_KEEP_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def multi_line(value: Any) -> Any:
    """Like ``one_line`` but keeps line breaks and tabs."""
    return _CONTROL_KEEP_LINES.sub("", value).strip() if isinstance(value, str) else value


class RequestForm(BaseForm):
    """Who and what: a name, and an e-mail address or a phone number to answer to."""

    name = StringField(_("Name"), [DataRequired(), Length(max=200)], filters=[one_line])
    company = StringField(_("Company"), [Optional(), Length(max=200)], filters=[one_line])
    business_id = StringField(_("Business ID"), [Optional(), business_id], filters=[one_line])
    email = EmailField(
        _("E-mail"), [Optional(), Length(max=254), email_address], filters=[one_line]
    )
    phone = StringField(_("Phone"), [Optional(), Length(max=40), phone_number], filters=[one_line])
    language = SelectField(
        _("Language"), choices=choices([("", "—"), *LANGUAGES]), default="", filters=[one_line]
    )
    subject = StringField(_("Subject"), [Optional(), Length(max=300)], filters=[one_line])
    message = TextAreaField(
        _("Message"), [Optional(), Length(max=MESSAGE_MAX)], filters=[multi_line]
    )

    def keep_only(self, names: Iterable[str]) -> None:
        """Drop the fields not in ``names`` (what a web form does not ask)."""
        for name in [n for n in self._fields if n not in set(names)]:
            del self[name]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        email, phone = self._fields.get("email"), self._fields.get("phone")
        if email is not None and not email.errors and not email.data:
            if phone is None:
                email.errors.append(_("Enter an e-mail address."))
                valid = False
            elif not phone.data and not phone.errors:
                email.errors.append(_("Give an e-mail address or a phone number."))
                valid = False
        return valid

    def values(self) -> dict[str, Any]:
        """The fields' data as ``create_request`` takes it; empty optional fields are None."""
        values: dict[str, Any] = {}
        for name, field in self._fields.items():
            if name in ("name", "company", "subject", "message"):
                values[name] = field.data or ""
            else:
                values[name] = field.data or None
        return values


def json_formdata(
    body: Mapping[str, Any], known: Iterable[str]
) -> tuple[MultiDict, dict[str, list[Any]]]:
    """Form data from a JSON object's ``known`` keys, and errors for values that are not text.

    ``null`` counts as not given; a number or a list is refused rather than guessed at.
    """
    formdata: MultiDict = MultiDict()
    errors: dict[str, list[Any]] = {}
    for key in known:
        value = body.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            formdata[key] = value
        else:
            errors[key] = [_("Give this value as text.")]
    return formdata, errors


class StateForm(BaseForm):
    """Move a request by hand; *converted* comes only from a conversion."""

    state = SelectField(_("State"))
    reason = StringField(_("Reason"), [Optional(), Length(max=300)], filters=[one_line])
    version = HiddenField()

    def validate_state(self, field: Any) -> None:
        if field.data == RequestState.CONVERTED:
            raise ValidationError(_("A request becomes converted only by converting it."))


class AssignForm(BaseForm):
    """Send a request to a team and/or a person, or back to the default inbox (0 and 0)."""

    team_id = SelectField(_("Team"), coerce=int, default=0)
    user_id = SelectField(_("Handler"), coerce=int, default=0)
    version = HiddenField()
