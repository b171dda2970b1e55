"""Form base and validators every plugin can reuse.

Messages are ``TranslationString`` objects (a ``str``), translated when shown;
WTForms' own messages come in the user's language through ``meta.locales``.
CSRF is checked by Pyramid for every POST, so forms carry no CSRF field of their
own; templates put ``api.csrf_token`` in a hidden ``csrf_token`` input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, MutableMapping
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import inspect
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fi import ytunnus
from wtforms import Form, IntegerField
from wtforms.fields.choices import SelectChoice
from wtforms.meta import DefaultMeta
from wtforms.validators import Optional, ValidationError
from wtforms.widgets import HiddenInput

from core.i18n import _, translate

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


class _TranslatingMeta(DefaultMeta):
    """Renders a choice field's labels (``_()`` messages) in the form's language.

    Choices are often set after the form is made, so they are translated when the
    field is rendered, not when it is built. Plain strings (tenant data) are kept.
    """

    def render_field(self, field: Any, render_kw: dict[str, Any]) -> Any:
        locales = getattr(self, "locales", None)
        if locales and hasattr(field, "_choices_from_input") and field.choices:
            field.choices = [
                SelectChoice(
                    choice.value,
                    translate(choice.label, locales[0]),
                    choice.render_kw,
                    choice.optgroup,
                )
                for choice in field._choices_from_input(field.choices)
            ]
        return super().render_field(field, render_kw)


class BaseForm(Form):
    """A form bound to a request: its POST data and the user's language."""

    Meta = _TranslatingMeta

    @classmethod
    def from_request(cls, request: Any, obj: Any = None, **kwargs: Any) -> BaseForm:
        formdata = request.POST if request.method == "POST" else None
        return cls(formdata, obj=obj, meta={"locales": [request.locale_name, "en"]}, **kwargs)


def check_values(
    form: Form, values: MutableMapping[str, Any], names: Iterable[str]
) -> dict[str, Any]:
    """A form's own checks on values that come already typed (through the API), by field.

    Each field of ``names`` gets its value (None when ``values`` has none) as if
    it had been posted, and runs its validators, so a rule is written once, in
    the form. A validator that normalises (an e-mail address, an amount) writes
    the normalised value back into ``values``. Returns ``{field: message}``.
    """
    errors: dict[str, Any] = {}
    for name in names:
        field = form._fields.get(name)
        if field is None:
            continue
        value = values.get(name)
        field.data = value
        field.raw_data = [] if value is None or value == "" else [value]
        if not field.validate(form):
            errors[name] = field.errors[0]
        elif name in values:
            values[name] = field.data
    return errors


#: Shown (with 409 Conflict) when a form is saved over a change saved since it was opened.
STALE = _(
    "Someone else saved this meanwhile, so your changes were not saved. What you typed is"
    " kept below: save again to replace their changes with yours."
)


class VersionedForm(BaseForm):
    """A form that edits a row with a ``version`` column, like records do.

    The form carries the version it was opened at in a hidden field. A save
    checks it with ``stale`` first: a row saved by someone else in the
    meantime is a 409 with ``STALE``, not a silent overwrite. A save that goes
    ahead calls ``saved`` to move the row's version on.
    """

    version = IntegerField(widget=HiddenInput(), validators=[Optional()])

    def stale(self, request: Any, row: Any) -> bool:
        """Whether ``row`` changed since the form was opened; if so, the notice and a 409.

        The row is locked first, so no save can slip in between this check
        and the caller's. The form keeps what was typed and now carries the
        row's current version: saving it again replaces the other change.
        """
        if inspect(row).persistent:
            # Only the row's own table: a joined relationship (an outer join) cannot be locked.
            request.db.refresh(row, with_for_update={"of": type(row)})
        if self.version.data == row.version:
            return False
        request.response.status_int = 409
        self.version.errors = [*self.version.errors, STALE]
        self.version.data = row.version
        self.version.raw_data = [str(row.version)]
        return True

    @staticmethod
    def saved(row: Any) -> None:
        """Move ``row``'s version on: forms opened before this save are now stale."""
        row.version = (row.version or 0) + 1


def choices(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """WTForms choices from ``(value, label)`` pairs (plain tuples are deprecated in 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]


def email_address(form: Any, field: Any) -> None:
    """A deliverable-looking e-mail address; normalises the field's data."""
    if not field.data:
        return
    try:
        field.data = validate_email(field.data.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValidationError(_("Enter a valid e-mail address.")) from None


def slug(form: Any, field: Any) -> None:
    """A tenant's address name: lower-case letters, digits and inner hyphens."""
    if field.data and not SLUG_RE.match(field.data):
        raise ValidationError(
            _("Use 1–63 lower-case letters a–z, digits and hyphens, not at the start or end.")
        )


def business_id(form: Any, field: Any) -> None:
    """A Finnish business ID (Y-tunnus) with a correct check digit; normalised to ``1234567-8``."""
    if not field.data:
        return
    try:
        field.data = ytunnus.format(ytunnus.validate(field.data.strip()))
    except StdnumError as exc:
        if isinstance(exc, InvalidChecksum):
            raise ValidationError(_("The check digit of the business ID is wrong.")) from None
        raise ValidationError(_("Enter the business ID as 1234567-8.")) from None


def phone_number(form: Any, field: Any) -> None:
    """A phone number that can be dialled (Finnish unless it starts with +); kept as typed."""
    if field.data and normalised_phone(field.data) is None:
        raise ValidationError(_("Enter a phone number, e.g. 040 123 4567 or +358 40 123 4567."))


def normalised_phone(value: str | None) -> str | None:
    """``+358401234567`` for a valid number, else None."""
    if not value:
        return None
    try:
        number = phonenumbers.parse(value, "FI")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number) or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def row_id(value: Any) -> int | None:
    """An id from a query string or a form: a positive integer the database's ids can hold.

    Anything else (empty, text, negative, too large for a 32-bit key) is None,
    so a bad id in a URL finds nothing instead of failing in the database.
    """
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def one_line(value: Any) -> Any:
    """A field filter: control characters (PostgreSQL refuses NUL) become spaces; ends trimmed."""
    return _CONTROL.sub(" ", value).strip() if isinstance(value, str) else value
