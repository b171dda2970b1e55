"""Custom values by type: parsing typed text, showing stored values, converting types.

A value is stored in JSON as the type says: text as a string, integer as an
int, decimal and money as a number, date as ``YYYY-MM-DD`` (so text order is
date order), yes/no as a boolean, a choice as its value, multiple choice as a
list of values, a user as the user's id. Forms, the CSV import, defaults and
type changes all go through :func:`parse`, so a value is checked the same way
wherever it comes from.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email

from core import i18n, label_text
from core.forms import normalised_phone
from plugins.custom_fields import _
from plugins.custom_fields.models import CustomField, FieldType

TEXT_MAX = 500
LONG_TEXT_MAX = 5000
FI_DATE_RE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
YES = {"1", "true", "yes", "y", "kyllä", "k", "x"}
NO = {"0", "false", "no", "n", "ei", "e"}
NUMBER_TYPES = (FieldType.INTEGER, FieldType.DECIMAL, FieldType.MONEY)


class BadValue(ValueError):
    """A value that will not do; ``message`` is a translation string for the user."""

    def __init__(self, message: Any) -> None:
        self.message = message
        super().__init__(message)


def is_empty(raw: Any) -> bool:
    return raw is None or raw == "" or raw == [] or (isinstance(raw, str) and not raw.strip())


def parse(
    field: CustomField,
    raw: Any,
    members: Mapping[int, str] | None = None,
    allowed: Collection[str] | None = None,
) -> Any:
    """The stored form of ``raw`` (typed text, or a list for multiple choice).

    ``allowed`` are the choice values accepted (default: the active choices);
    ``members`` the user ids a user field accepts, with their names and e-mail
    addresses for a CSV import. Raises :class:`BadValue`. Empty gives None.
    """
    if is_empty(raw):
        return None
    kind = field.type
    if kind == FieldType.MULTI_CHOICE:
        items = raw if isinstance(raw, list) else [p for p in str(raw).split(",") if p.strip()]
        return [_choice(field, item, allowed) for item in items]
    text = str(raw).strip()
    if kind == FieldType.TEXT:
        return _limited(text, TEXT_MAX)
    if kind == FieldType.LONG_TEXT:
        return _limited(text, LONG_TEXT_MAX)
    if kind == FieldType.INTEGER:
        try:
            return int(_digits(text))
        except ValueError:
            raise BadValue(_("Enter a whole number, e.g. 12.")) from None
    if kind in (FieldType.DECIMAL, FieldType.MONEY):
        return _number(text, kind)
    if kind == FieldType.DATE:
        return _date(text).isoformat()
    if kind == FieldType.YES_NO:
        if text.lower() in YES:
            return True
        if text.lower() in NO:
            return False
        raise BadValue(_("Answer yes or no."))
    if kind == FieldType.CHOICE:
        return _choice(field, text, allowed)
    if kind == FieldType.EMAIL:
        try:
            return validate_email(text, check_deliverability=False).normalized
        except EmailNotValidError:
            raise BadValue(_("Enter a valid e-mail address.")) from None
    if kind == FieldType.URL:
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in text:
            raise BadValue(_("Enter an address such as https://example.fi."))
        return _limited(text, TEXT_MAX)
    if kind == FieldType.PHONE:
        if normalised_phone(text) is None:
            raise BadValue(_("Enter a phone number, e.g. 040 123 4567 or +358 40 123 4567."))
        return _limited(text, 40)
    if kind == FieldType.USER:
        return _user(text, members or {})
    raise BadValue(_("Unknown field type."))


def _limited(text: str, limit: int) -> str:
    if len(text) > limit:
        raise BadValue(_("Use at most ${max} characters.", mapping={"max": limit}))
    return text


def _digits(text: str) -> str:
    return re.sub(r"[\s\u00a0\u202f]", "", text)


def _number(text: str, kind: str) -> int | float:
    cleaned = _digits(text).removesuffix("€").replace(",", ".")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise BadValue(_("Enter a number, e.g. 1 234,50."))
    if kind == FieldType.MONEY:
        try:
            number = number.quantize(Decimal("0.01"))
        except InvalidOperation:
            # More digits than a decimal holds: 1e30 typed, or sent through the API.
            raise BadValue(_("The number is too large.")) from None
    return int(number) if number == number.to_integral_value() else float(number)


def _date(text: str) -> date:
    match = FI_DATE_RE.match(text)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
        return date.fromisoformat(text)
    except ValueError:
        raise BadValue(_("Enter a date as 31.12.2026.")) from None


def _choice(field: CustomField, text: str, allowed: Collection[str] | None) -> str:
    offered = allowed if allowed is not None else [c["value"] for c in field.active_choices]
    text = str(text).strip()
    if text in offered:
        return text
    for choice in field.choices:
        labels = {choice.get("fi", "").lower(), choice.get("en", "").lower()} - {""}
        if choice["value"] in offered and text.lower() in labels:
            return choice["value"]
    raise BadValue(_("“${value}” is not one of the choices.", mapping={"value": text[:60]}))


def _user(text: str, members: Mapping[int, str]) -> int:
    if text.isdigit() and int(text) in members:
        return int(text)
    for user_id, names in members.items():
        if text.lower() in {n.lower() for n in names.split("\n")}:
            return user_id
    raise BadValue(_("Choose a member of this organisation."))


def as_text(field: CustomField, value: Any) -> str:
    """A stored value as plain text that :func:`parse` reads back (type changes, CSV)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def display(
    field: CustomField, value: Any, locale: str, members: Mapping[int, str] | None = None
) -> str:
    """A stored value as a person reads it, in ``locale``."""
    if value is None or value == [] or value == "":
        return ""
    kind = field.type
    try:
        if kind == FieldType.MONEY:
            return i18n.format_money(Decimal(str(value)), locale)
        if kind in NUMBER_TYPES:
            return i18n.format_number(Decimal(str(value)), locale)
        if kind == FieldType.DATE:
            return i18n.format_date(date.fromisoformat(str(value)), locale)
    except (InvalidOperation, ValueError):
        return str(value)
    if kind == FieldType.YES_NO:
        yes_no = _("yes") if value else _("no")
        return label_text(yes_no, locale)
    if kind == FieldType.CHOICE:
        return field.choice_label(str(value), locale)
    if kind == FieldType.MULTI_CHOICE and isinstance(value, list):
        return ", ".join(field.choice_label(str(v), locale) for v in value)
    if kind == FieldType.USER:
        names = members or {}
        return names.get(value, "").split("\n")[0] if isinstance(value, int) else str(value)
    return str(value)


def form_text(field: CustomField, value: Any, locale: str) -> Any:
    """A stored value as a form input shows it (what the user would type)."""
    if value is None:
        return [] if field.type == FieldType.MULTI_CHOICE else ""
    if field.type in (FieldType.DECIMAL, FieldType.MONEY):
        text = str(value)
        return text.replace(".", ",") if locale == "fi" else text
    if field.type == FieldType.YES_NO:
        return "1" if value else "0"
    if field.type == FieldType.MULTI_CHOICE:
        return list(value) if isinstance(value, list) else [str(value)]
    return str(value)


def converts(field: CustomField, new_type: str, value: Any) -> bool:
    """Whether ``value`` of ``field`` reads as a value of ``new_type``."""
    try:
        convert(field, new_type, value)
    except BadValue:
        return False
    return True


def convert(field: CustomField, new_type: str, value: Any) -> Any:
    probe = CustomField(type=new_type, choices=field.choices, key=field.key)
    allowed = [c["value"] for c in field.choices]
    if field.type == FieldType.DATE and new_type in (FieldType.TEXT, FieldType.LONG_TEXT):
        return str(value)
    return parse(probe, as_text(field, value), allowed=allowed)
