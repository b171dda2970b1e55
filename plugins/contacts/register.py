"""The customer register's queries and changes, apart from the web layer.

Views, the CSV import and the API all go through these functions, so a
customer is searched, checked for duplicates and saved (with its history) the
same way wherever the change comes from.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, union, update
from sqlalchemy.orm import Session, load_only, selectinload

from core.forms import normalised_phone
from core.history import CHANGED, CREATED, changes, record_event
from core.models import Attachment, Event, User, utcnow
from core.record_forms import sorted_page
from plugins.contacts.models import ContactPerson, ContactRequest, Customer, CustomerTag

PAGE_SIZE = 50
#: A list never counts further than this: "1 000+" is enough to know it is big.
COUNT_CAP = 1000
BUSINESS_ID_RE = re.compile(r"^\d{1,7}-?\d?$")
SORTS = {
    "name": (Customer.name_key, Customer.id),
    "-name": (Customer.name_key.desc(), Customer.id.desc()),
    "created": (Customer.created_at, Customer.id),
    "-created": (Customer.created_at.desc(), Customer.id.desc()),
    "updated": (Customer.updated_at, Customer.id),
    "-updated": (Customer.updated_at.desc(), Customer.id.desc()),
}

#: Fields whose changes go to history (and that the edit form sets).
TRACKED = (
    "kind",
    "name",
    "business_id",
    "vat_number",
    "email",
    "phone",
    "website",
    "industry",
    "language",
    "title",
    "marketing_consent",
    "consent_date",
    "consent_source",
    "responsible_user_id",
    "team_id",
    "visiting_address",
    "postal_address",
    "billing_address",
)


@dataclass(frozen=True)
class CustomerFilter:
    q: str = ""
    tag: str = ""
    responsible_user_id: int | None = None
    team_id: int | None = None
    language: str = ""
    archived: bool = False
    sort: str = "name"
    #: Conditions and an order other plugins add (``core.record_forms``).
    extra: tuple[Any, ...] = ()
    extra_order: tuple[Any, ...] = ()
    #: ``(core.record_forms.ListColumn, descending)`` when sorted by another plugin's column.
    extra_sort: tuple[Any, bool] | None = None


def prefix_range(column: Any, prefix: str) -> Any:
    """``column`` starts with ``prefix``, as a range an index serves (also under RLS)."""
    last = ord(prefix[-1])
    if last >= 0x10FFFF:
        return column >= prefix
    return and_(column >= prefix, column < prefix[:-1] + chr(last + 1))


def search_condition(q: str) -> Any:
    """What a search box matches: name, business ID, e-mail, phone, contact persons' names.

    Also the top bar's search (the customer entity's ``search_condition``).

    Each branch is a prefix range on an indexed column; their ids are united,
    so every branch is an index scan and a search stays fast in a large register.
    """
    key = q.strip().lower()
    branches = [
        select(Customer.id).where(prefix_range(Customer.name_key, key)),
        select(Customer.id).where(prefix_range(Customer.email_key, key)),
        select(ContactPerson.customer_id).where(
            prefix_range(ContactPerson.name_key, key), ContactPerson.archived_at.is_(None)
        ),
        select(ContactPerson.customer_id).where(
            prefix_range(ContactPerson.email_key, key), ContactPerson.archived_at.is_(None)
        ),
    ]
    if BUSINESS_ID_RE.match(key):
        # Typed without its hyphen, a whole business ID still finds its customer.
        typed = f"{key[:7]}-{key[7:]}" if re.fullmatch(r"\d{8}", key) else key
        branches.append(select(Customer.id).where(prefix_range(Customer.business_id, typed)))
    digits = re.sub(r"[\s()-]", "", key)
    if len(digits) >= 4 and digits.lstrip("+").isdigit():
        e164 = "+358" + digits[1:] if digits.startswith("0") else digits
        branches.append(select(Customer.id).where(prefix_range(Customer.phone_digits, e164)))
    return Customer.id.in_(union(*branches))


def customer_query(filters: CustomerFilter) -> Select[tuple[Customer]]:
    query = select(Customer)
    query = query.where(
        Customer.archived_at.is_not(None) if filters.archived else Customer.archived_at.is_(None)
    )
    if filters.q.strip():
        query = query.where(search_condition(filters.q))
    if filters.tag:
        query = query.where(
            Customer.id.in_(select(CustomerTag.customer_id).where(CustomerTag.tag == filters.tag))
        )
    if filters.responsible_user_id:
        query = query.where(Customer.responsible_user_id == filters.responsible_user_id)
    if filters.team_id:
        query = query.where(Customer.team_id == filters.team_id)
    if filters.language:
        query = query.where(Customer.language == filters.language)
    if filters.extra:
        query = query.where(*filters.extra)
    return query.order_by(*(filters.extra_order or SORTS.get(filters.sort, SORTS["name"])))


#: The columns the customer list shows (and other plugins' columns read): a list page
#: reads only these, not the addresses' JSON documents and the rest.
LISTED = (
    Customer.id,
    Customer.name,
    Customer.business_id,
    Customer.email,
    Customer.phone,
    Customer.custom_values,
    Customer.updated_at,
)
#: Built once: an option costs more to build than to apply.
_LISTED_ONLY = load_only(*LISTED)
_WITH_TAGS = selectinload(Customer.tags)


def list_page(
    db: Session, filters: CustomerFilter, page: int, listed_only: bool = False
) -> tuple[list[Customer], int, bool]:
    """One page of customers, the count (capped) and whether the count hit the cap.

    With ``listed_only`` the customers have only ``LISTED`` loaded (any other
    attribute, their tags too, is read when first used, a query per customer): the
    list page's view, which reads the tags with ``tag_names``.
    """
    query = customer_query(filters)
    offset = (max(page, 1) - 1) * PAGE_SIZE
    options = _LISTED_ONLY if listed_only else _WITH_TAGS
    capped = query.with_only_columns(Customer.id).order_by(None).limit(COUNT_CAP + 1).subquery()
    counted = select(func.count()).select_from(capped)
    if filters.extra_sort is not None:
        column, descending = filters.extra_sort
        unordered = query.order_by(None).options(options)
        rows = sorted_page(db, unordered, Customer.id, column, descending, offset, PAGE_SIZE)
        count = db.scalar(counted)
    else:
        # The count is a column of the page's statement; a page past the end asks apart.
        paged = query.options(options).add_columns(counted.scalar_subquery().label("total"))
        found = db.execute(paged.limit(PAGE_SIZE).offset(offset)).all()
        rows = [row[0] for row in found]
        count = found[0][1] if found else (db.scalar(counted) if offset else 0)
    return rows, min(count, COUNT_CAP), count > COUNT_CAP


def duplicates(
    db: Session,
    business_id: str | None,
    email: str | None,
    phone: str | None,
    exclude_id: int | None = None,
) -> list[Customer]:
    """Customers that share the business ID, the e-mail or the phone number."""
    conditions = []
    if business_id:
        conditions.append(Customer.business_id == business_id)
    if email:
        conditions.append(Customer.email_key == email.lower())
    digits = normalised_phone(phone)
    if digits:
        conditions.append(Customer.phone_digits == digits)
    if not conditions:
        return []
    query = select(Customer).where(or_(*conditions), Customer.archived_at.is_(None))
    if exclude_id is not None:
        query = query.where(Customer.id != exclude_id)
    return list(db.scalars(query.order_by(Customer.name).limit(10)))


def snapshot(customer: Customer) -> dict[str, Any]:
    """The tracked fields as JSON-friendly values, for history."""
    values = {}
    for key in TRACKED:
        value = getattr(customer, key)
        values[key] = value.isoformat() if hasattr(value, "isoformat") else value
    values["tags"] = ", ".join(customer.tag_names)
    return values


def apply(customer: Customer, values: Mapping[str, Any], tags: list[str]) -> None:
    """Set the tracked fields and the tags of ``customer`` from ``values``."""
    for key in TRACKED:
        if key in values:
            setattr(customer, key, values[key])
    customer.phone_digits = normalised_phone(customer.phone)
    if customer.marketing_consent and customer.consent_date is None:
        customer.consent_date = utcnow().date()
    current = {t.tag: t for t in customer.tags}
    customer.tags = [current.get(tag) or CustomerTag(tag=tag) for tag in tags]


def create_customer(
    db: Session, values: Mapping[str, Any], tags: list[str], user: User | None
) -> Customer:
    customer = Customer(tags=[])
    apply(customer, values, tags)
    db.add(customer)
    db.flush()
    record_event(db, "customer", customer.id, CREATED, {"text": customer.name}, user=user)
    return customer


def update_customer(
    db: Session, customer: Customer, values: Mapping[str, Any], tags: list[str], user: User | None
) -> dict[str, list[Any]]:
    """Apply an edit and record what changed; returns the changes (empty: nothing to save)."""
    before = snapshot(customer)
    apply(customer, values, tags)
    changed = changes(before, snapshot(customer))
    if changed:
        customer.updated_at = utcnow()
        db.flush()
        record_event(db, "customer", customer.id, CHANGED, {"changes": changed}, user=user)
    return changed


def archive_customer(db: Session, customer: Customer, user: User | None) -> None:
    customer.archived_at = utcnow()
    db.flush()
    record_event(
        db, "customer", customer.id, "customer_archived", {"text": customer.name}, user=user
    )


def tag_names(db: Session, customer_ids: list[int]) -> dict[int, list[str]]:
    """The tags of the customers ``customer_ids``, by name, as ``Customer.tag_names`` gives."""
    names: dict[int, list[str]] = {}
    if customer_ids:
        rows = db.execute(
            select(CustomerTag.customer_id, CustomerTag.tag)
            .where(CustomerTag.customer_id.in_(customer_ids))
            .order_by(CustomerTag.customer_id, CustomerTag.tag)
        )
        for customer_id, tag in rows:
            names.setdefault(customer_id, []).append(tag)
    return names


def all_tags(db: Session) -> list[str]:
    """The tenant's tags in use, for the list's tag filter."""
    return list(db.scalars(select(CustomerTag.tag).distinct().order_by(CustomerTag.tag)))


def all_matching(db: Session, filters: CustomerFilter, batch: int = 1000) -> Iterator[Customer]:
    """Every customer the filters match, fetched in batches (for the export)."""
    result = db.scalars(
        customer_query(filters)
        .options(selectinload(Customer.tags))
        .execution_options(yield_per=batch)
    )
    yield from result


PERSON_FIELDS = (
    "name",
    "title",
    "email",
    "phone",
    "language",
    "marketing_consent",
    "consent_date",
    "consent_source",
)


def person_values(form: Any) -> dict[str, Any]:
    return blanks_as_none({key: getattr(form, key).data for key in PERSON_FIELDS})


def blanks_as_none(values: Mapping[str, Any]) -> dict[str, Any]:
    """A contact person's values with an empty title, e-mail, phone or source as None."""
    cleaned = dict(values)
    for key in ("title", "email", "phone", "consent_source"):
        if key in cleaned:
            cleaned[key] = cleaned[key] or None
    return cleaned


def _person_snapshot(person: ContactPerson) -> dict[str, Any]:
    return {
        key: (value.isoformat() if hasattr(value, "isoformat") else value)
        for key in PERSON_FIELDS
        for value in [getattr(person, key)]
    }


def add_contact_person(
    db: Session, customer: Customer, values: Mapping[str, Any], user: User | None
) -> ContactPerson:
    """A new contact person; the customer's history says so."""
    person = ContactPerson(customer_id=customer.id, **values)
    if person.marketing_consent and person.consent_date is None:
        person.consent_date = utcnow().date()
    db.add(person)
    db.flush()
    record_event(
        db, "customer", customer.id, "contact_person_added", {"text": person.name}, user=user
    )
    return person


def update_contact_person(
    db: Session,
    customer: Customer,
    person: ContactPerson,
    values: Mapping[str, Any],
    user: User | None,
) -> None:
    before = _person_snapshot(person)
    for key, value in values.items():
        setattr(person, key, value)
    if person.marketing_consent and person.consent_date is None:
        person.consent_date = utcnow().date()
    changed = changes(before, _person_snapshot(person))
    if changed:
        db.flush()
        record_event(
            db,
            "customer",
            customer.id,
            CHANGED,
            {"text": person.name, "changes": changed},
            user=user,
        )


def archive_contact_person(
    db: Session, customer: Customer, person: ContactPerson, user: User | None
) -> None:
    person.archived_at = utcnow()
    db.flush()
    record_event(
        db, "customer", customer.id, "contact_person_archived", {"text": person.name}, user=user
    )


def merge_customers(db: Session, survivor: Customer, merged: Customer, user: User | None) -> None:
    """Merge ``merged`` into ``survivor``: people, tags, files, requests and history move over.

    The merged customer is archived with a link to the survivor, and its field
    values are written into the survivor's history, so nothing is lost.
    """
    merged_values = snapshot(merged)
    db.execute(
        update(ContactPerson)
        .where(ContactPerson.customer_id == merged.id)
        .values(customer_id=survivor.id)
    )
    db.execute(
        update(ContactRequest)
        .where(ContactRequest.customer_id == merged.id)
        .values(customer_id=survivor.id)
    )
    for model in (Attachment, Event):
        db.execute(
            update(model)
            .where(model.entity == "customer", model.record_id == merged.id)
            .values(record_id=survivor.id)
        )
    apply(
        survivor,
        {},
        [*survivor.tag_names, *(t for t in merged.tag_names if t not in survivor.tag_names)],
    )
    merged.archived_at = utcnow()
    merged.merged_into_id = survivor.id
    db.flush()
    db.expire(survivor, ["contacts"])
    record_event(
        db,
        "customer",
        survivor.id,
        "customer_merged",
        {"text": merged.name, "merged_id": merged.id, "merged_fields": merged_values},
        user=user,
    )
    record_event(
        db,
        "customer",
        merged.id,
        "customer_merged",
        {"text": survivor.name, "survivor_id": survivor.id},
        user=user,
    )
