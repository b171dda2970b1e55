"""The messaging plugin's forms: a message, the mail server, a template, a mailbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from wtforms import (
    BooleanField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from core.forms import BaseForm, choices, email_address
from plugins.messaging import _
from plugins.messaging.models import Security
from plugins.messaging.rendering import RenderError, check

REQUIRED = _("This field is required.")
BAD_TIME = _("Enter the time as 28.11.2026 14.30, or leave it empty to send now.")
#: Times typed in forms are Finnish time.
LOCAL = ZoneInfo("Europe/Helsinki")


def finnish_time(value: str) -> datetime:
    """A moment typed as ``28.11.2026 14.30`` (or a datetime-local input's value)."""
    for pattern in ("%d.%m.%Y %H.%M", "%d.%m.%Y %H:%M", "%Y-%m-%dT%H:%M"):
        try:
            return datetime.strptime(value.strip(), pattern).replace(tzinfo=LOCAL)
        except ValueError:
            continue
    raise ValueError(value)


ONE_LINE = _("Write this on one line.")


def one_line(form: Any, field: Any) -> None:
    """No line breaks: a header value with CR/LF could add headers of its own."""
    if field.data and any(ch in field.data for ch in "\r\n"):
        raise ValidationError(ONE_LINE)


def template_syntax(form: Any, field: Any) -> None:
    """The text parses as a template; the error names the line and the reason."""
    try:
        check(field.data or "")
    except RenderError as exc:
        raise ValidationError(
            _(
                "The template has an error on line ${line}: ${reason}",
                mapping={"line": exc.line or 1, "reason": exc.reason},
            )
        ) from None


class MessageForm(BaseForm):
    #: The moment of ``send_at``, set when the form validates.
    send_after: datetime | None = None

    to = StringField(
        _("To"),
        [Length(max=2000), one_line],
        description=_("Separate several addresses with commas. Empty: the record's own address."),
    )
    cc = StringField(_("Cc"), [Length(max=2000), one_line])
    subject = StringField(_("Subject"), [InputRequired(REQUIRED), Length(max=300), one_line])
    body = TextAreaField(_("Message"), [InputRequired(REQUIRED), Length(max=100_000)])
    attachment_ids = SelectMultipleField(_("Attachments of the record"), coerce=int, choices=[])
    send_at = StringField(
        _("Send at"),
        [Length(max=20), one_line],
        description=_("Empty: now. Otherwise e.g. 28.11.2026 14.30 (Finnish time)."),
    )

    def validate_send_at(self, field: Any) -> None:
        if not (field.data or "").strip():
            self.send_after = None
            return
        try:
            self.send_after = finnish_time(field.data)
        except ValueError:
            raise ValidationError(BAD_TIME) from None

    def addresses(self, field: Any) -> list[str]:
        return [part.strip() for part in (field.data or "").split(",") if part.strip()]


class SmsForm(BaseForm):
    to = StringField(
        _("Phone number"),
        [Length(max=40), one_line],
        description=_("Empty: the record's own number."),
    )
    body = TextAreaField(_("Message"), [InputRequired(REQUIRED), Length(max=1600)])


class SettingsForm(BaseForm):
    smtp_host = StringField(_("Mail server (SMTP)"), [Optional(), Length(max=253), one_line])
    smtp_port = IntegerField(_("Port"), [Optional(), NumberRange(1, 65535)], default=587)
    smtp_security = SelectField(
        _("Encryption"),
        choices=choices(
            [
                (Security.STARTTLS, "STARTTLS"),
                (Security.TLS, "TLS"),
                (Security.NONE, _("None")),
            ]
        ),
        default=Security.STARTTLS,
    )
    smtp_user = StringField(_("User name"), [Optional(), Length(max=254), one_line])
    smtp_password = PasswordField(
        _("Password"),
        [Optional(), Length(max=500)],
        description=_("Leave empty to keep the saved password."),
    )
    from_address = StringField(_("Sender address"), [Optional(), Length(max=254), email_address])
    from_name = StringField(_("Sender name"), [Optional(), Length(max=200), one_line])
    reply_address = StringField(
        _("Reply address"),
        [Optional(), Length(max=230), email_address],
        description=_(
            "Replies come to this mailbox with a code after a plus sign; "
            "connect the mailbox below so they reach their records."
        ),
    )
    sms_endpoint = StringField(_("SMS service address"), [Optional(), Length(max=500), one_line])
    sms_token = PasswordField(
        _("SMS service key"),
        [Optional(), Length(max=500)],
        description=_("Leave empty to keep the saved key."),
    )
    sms_sender = StringField(_("SMS sender name"), [Optional(), Length(max=11), one_line])
    per_minute = IntegerField(
        _("Group messages per minute"),
        [Optional(), NumberRange(1, 10_000)],
        default=120,
        description=_(
            "Messages per minute for all group sends together; a bigger send takes longer."
        ),
    )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.smtp_host.data and not self.from_address.data:
            self.from_address.errors.append(REQUIRED)
            valid = False
        return valid


class TemplateForm(BaseForm):
    name = StringField(_("Name"), [InputRequired(REQUIRED), Length(max=120), one_line])
    channel = SelectField(
        _("Channel"), choices=choices([("email", _("E-mail")), ("sms", _("SMS"))])
    )
    language = SelectField(
        _("Language"),
        choices=choices([("fi", _("Finnish")), ("sv", _("Swedish")), ("en", _("English"))]),
    )
    subject = StringField(_("Subject"), [Length(max=300), one_line, template_syntax])
    body = TextAreaField(
        _("Message"), [InputRequired(REQUIRED), Length(max=100_000), template_syntax]
    )


class MailboxForm(BaseForm):
    name = StringField(_("Name"), [InputRequired(REQUIRED), Length(max=120), one_line])
    host = StringField(
        _("Mail server (IMAP)"), [InputRequired(REQUIRED), Length(max=253), one_line]
    )
    port = IntegerField(_("Port"), [InputRequired(REQUIRED), NumberRange(1, 65535)], default=993)
    use_tls = BooleanField(_("Encrypted connection (TLS)"), default=True)
    username = StringField(_("User name"), [InputRequired(REQUIRED), Length(max=254), one_line])
    password = PasswordField(
        _("Password"),
        [Optional(), Length(max=500)],
        description=_("Leave empty to keep the saved password."),
    )
    folders = StringField(
        _("Folders"),
        [Length(max=500), one_line],
        default="INBOX",
        description=_("Separate several folders with commas."),
    )
    unrouted = SelectField(
        _("A message that belongs to no record"),
        choices=choices(
            [
                ("unrouted", _("waits in the unrouted messages")),
                ("request", _("becomes a contact request")),
            ]
        ),
    )
    active = BooleanField(_("Fetch mail"), default=True)

    def folder_list(self) -> list[str]:
        return [f.strip() for f in (self.folders.data or "").split(",") if f.strip()] or ["INBOX"]
