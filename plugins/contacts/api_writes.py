"""How the API writes customers and contact persons: the same checks and history as the forms.

The API plugin checks each value against its column; this adds what a customer
must be besides (a business ID with a right check digit, a real e-mail address,
a dialable phone number, known kinds and languages) and saves through
``register``, so the search keys, the consent date and the history are kept as
when a user saves the form. A contact person's values go through the contact
person form's own validators, and only a company that is not archived has
contact persons, as on its page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from wtforms.validators import ValidationError

from core import ActionRefused, FieldErrors
from core.forms import business_id, check_values, email_address, phone_number
from plugins.contacts import _, register
from plugins.contacts.forms import ContactPersonForm
from plugins.contacts.models import ContactPerson, Customer, CustomerKind

#: The customer fields the API writes: those the customer form edits, but the tags.
CUSTOMER_FIELDS = register.TRACKED
#: A contact person's: the customer (given when one is added) and what its form edits.
PERSON_FIELDS = ("customer_id", *register.PERSON_FIELDS)
NOT_A_COMPANY = _("Choose a company customer that is not archived.")
STAYS_WITH_CUSTOMER = _("A contact person stays with their customer.")
PERSON_ARCHIVED = _("This contact person is archived and can no longer be changed.")
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


def save_customer(request: Any, customer: Customer | None, values: Mapping[str, Any]) -> Customer:
    """``EntityType.api_save`` of customers: check, then create or update through register."""
    db, user = request.db, request.user
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


def save_contact_person(
    request: Any, person: ContactPerson | None, values: Mapping[str, Any]
) -> ContactPerson:
    """``EntityType.api_save`` of contact persons: the form's checks, then register's save."""
    db = request.db
    values = dict(values)
    form = ContactPersonForm(meta={"locales": [request.locale_name, "en"]})
    errors = check_values(form, values, [k for k in values if k != "customer_id"])
    customer_id = values.pop("customer_id", None if person is None else person.customer_id)
    if person is not None and customer_id != person.customer_id:
        errors["customer_id"] = STAYS_WITH_CUSTOMER
    customer = db.get(Customer, customer_id) if customer_id else None
    if person is None and not _takes_persons(customer):
        errors["customer_id"] = NOT_A_COMPANY
    if errors:
        raise FieldErrors(errors)
    values = register.blanks_as_none(values)
    if person is None:
        return register.add_contact_person(db, customer, values, request.user)
    if person.archived_at is not None or not _takes_persons(customer):
        raise ActionRefused(PERSON_ARCHIVED, "", 409)
    register.update_contact_person(db, customer, person, values, request.user)
    return person


def archive_contact_person(request: Any, person: ContactPerson) -> None:
    """``EntityType.api_archive``: the customer's history tells of it, as on its page."""
    customer = request.db.get(Customer, person.customer_id)
    register.archive_contact_person(request.db, customer, person, request.user)


def _takes_persons(customer: Customer | None) -> bool:
    return (
        customer is not None
        and customer.archived_at is None
        and customer.kind == CustomerKind.COMPANY
    )
