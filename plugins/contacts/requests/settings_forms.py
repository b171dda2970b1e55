"""The tenant admin's forms: web forms, routing rules and API tokens."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from core.forms import BaseForm, VersionedForm, one_line
from plugins.contacts import _
from plugins.contacts.requests.forms import WEB_FORM_OPTIONAL, multi_line
from plugins.contacts.requests.origins import parse_origin

MAX_ORIGINS = 20
MAX_KEYWORDS = 20
KEYWORD_MAX = 60


def web_address(form: Any, field: Any) -> None:
    """An ``http``/``https`` address with a host: the only kind a thank-you redirect may go to."""
    if not field.data:
        return
    parts = urlsplit(field.data)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(_("Enter an address such as https://example.fi/thanks."))


def split_lines(value: str | None) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def split_keywords(value: str | None) -> list[str]:
    """Comma-separated keywords, trimmed, without empties or repeats, in the order typed."""
    seen: dict[str, None] = {}
    for word in (value or "").split(","):
        if word.strip():
            seen.setdefault(word.strip(), None)
    return list(seen)


class WebFormForm(VersionedForm):
    name = StringField(_("Name"), [DataRequired(), Length(max=120)], filters=[one_line])
    team_id = SelectField(
        _("Team"),
        coerce=int,
        default=0,
        description=_("Requests go to this team unless a routing rule says otherwise."),
    )
    fields = SelectMultipleField(
        _("Fields asked besides name, e-mail and message"),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        default=list,
    )
    thank_you_url = StringField(
        _("Thank-you page address"),
        [Optional(), Length(max=500), web_address],
        filters=[one_line],
        description=_("Where the visitor goes after sending. Leave empty to show the message."),
    )
    thank_you_message = TextAreaField(
        _("Thank-you message"), [Optional(), Length(max=500)], filters=[multi_line]
    )
    allowed_origins = TextAreaField(
        _("Web sites allowed to send the form"),
        [Optional(), Length(max=5000)],
        description=_("One per line, e.g. https://www.example.fi. Leave empty to allow any site."),
    )
    active = BooleanField(_("In use"), default=True)

    def validate_fields(self, field: Any) -> None:
        if any(key not in WEB_FORM_OPTIONAL for key in field.data or []):
            raise ValidationError(_("Choose among the fields offered."))

    def validate_allowed_origins(self, field: Any) -> None:
        lines = split_lines(field.data)
        if len(lines) > MAX_ORIGINS:
            raise ValidationError(_("At most ${max} web sites.", mapping={"max": MAX_ORIGINS}))
        for line in lines:
            if parse_origin(line) is None:
                raise ValidationError(
                    _(
                        "${value} is not a web site address such as https://www.example.fi.",
                        mapping={"value": line[:100]},
                    )
                )

    def origins(self) -> list[str]:
        """The allowed origins in normal form, without repeats."""
        return list(
            dict.fromkeys(parse_origin(line) for line in split_lines(self.allowed_origins.data))
        )


class RoutingRuleForm(VersionedForm):
    name = StringField(_("Name"), [DataRequired(), Length(max=120)], filters=[one_line])
    position = IntegerField(
        _("Position"),
        [Optional(), NumberRange(min=0, max=10_000)],
        default=0,
        description=_("Rules are tried from the smallest number up; the first that fits wins."),
    )
    source = SelectField(_("Source"), default="")
    form_id = SelectField(_("Web form"), coerce=int, default=0)
    keywords = StringField(
        _("Keywords"),
        [Optional(), Length(max=1000)],
        filters=[one_line],
        description=_("Separate with commas. Any one in the subject or message fits."),
    )
    language = SelectField(_("Language"), default="")
    team_id = SelectField(_("Team"), coerce=int)
    user_id = SelectField(
        _("Handler"),
        coerce=int,
        default=0,
        description=_("Leave empty to share the requests among the team's members."),
    )
    strategy = SelectField(_("Sharing within the team"))
    active = BooleanField(_("In use"), default=True)

    def validate_keywords(self, field: Any) -> None:
        words = split_keywords(field.data)
        if len(words) > MAX_KEYWORDS:
            raise ValidationError(_("At most ${max} keywords.", mapping={"max": MAX_KEYWORDS}))
        if any(len(word) > KEYWORD_MAX for word in words):
            raise ValidationError(
                _("A keyword can be at most ${max} characters.", mapping={"max": KEYWORD_MAX})
            )


class TokenForm(BaseForm):
    name = StringField(
        _("Name"),
        [DataRequired(), Length(max=120)],
        filters=[one_line],
        description=_("Which integration uses the token, e.g. the web shop."),
    )
