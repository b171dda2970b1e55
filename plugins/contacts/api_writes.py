"""How the API writes customers: the same checks and history as the customer form.

The API plugin checks each value against its column; this adds what a customer
must be besides (a business ID with a right check digit, a real e-mail address,
a dialable phone number, known kinds and languages) and saves through
``register``, so the search keys, the consent date and the history are kept as
when a user saves the form.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import Session
from wtforms.validators import ValidationError

from core import FieldErrors
from core.forms import business_id, email_address, phone_number
from core.i18n import _
from core.models import User
from plugins.contacts import register
from plugins.contacts.models import Customer, CustomerKind

#: The customer fields the API writes: those the customer form edits, but the tags.
CUSTOMER_FIELDS = register.TRACKED
LANGUAGES = ("fi", "sv", "en")
ADDRESS_KEYS = {"street": 200, "postcode": 20, "city": 100, "country": 60}


class _Value:
    """What a WTForms validator reads and normalises: ``data``."""

    def __init__(self, data: Any) -> None:
        self.data = data


def _checked(validator: Callable[[Any, Any], None], value: Any) -> Any:
    field = _Value(value)
    validator(None, field)
    return field.data


def save_customer(
    db: Session, customer: Customer | None, values: Mapping[str, Any], user: User
) -> Customer:
    """``EntityType.api_save`` of customers: check, then create or update through register."""
    values = dict(values)
    errors: dict[str, Any] = {}
    for key, validator in (
        ("business_id", business_id),
        ("email", email_address),
        ("phone", phone_number),
    ):
        if values.get(key):
            try:
                values[key] = _checked(validator, values[key])
            except ValidationError as exc:
                errors[key] = exc.args[0]
    if "name" in values:
        values["name"] = values["name"].strip()
        if not values["name"]:
            errors["name"] = _("Give a name.")
    if "kind" in values and values["kind"] not in set(CustomerKind):
        errors["kind"] = _("Choose company or person.")
    if "language" in values and values["language"] not in LANGUAGES:
        errors["language"] = _("Choose fi, sv or en.")
    for key in ("visiting_address", "postal_address", "billing_address"):
        if key in values and not _address(values[key]):
            errors[key] = _("Give street, postcode, city and country as text.")
    if errors:
        raise FieldErrors(errors)
    if customer is None:
        return register.create_customer(db, values, [], user)
    register.update_customer(db, customer, values, customer.tag_names, user)
    return customer


def _address(value: Any) -> bool:
    return isinstance(value, dict) and all(
        key in ADDRESS_KEYS and isinstance(text, str) and len(text) <= ADDRESS_KEYS[key]
        for key, text in value.items()
    )
