"""The target group: filters over customers and contact persons, read from parameters.

A group is a flat ``{parameter: value}`` mapping (what the editor's form
posts, stored as ``Campaign.filters``). ``parse`` turns it into SQL
conditions on ``Customer`` and ``ContactPerson``, or into messages by the
parameters it cannot use: a field that does not exist, a custom field that was
retired, a user, team, campaign or activity type that is not the tenant's.
Every condition names the tenant itself, because the snapshot is a Core
``INSERT … SELECT`` that the session's tenant filter does not see.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from webob.multidict import MultiDict

from core.models import Team
from core.record_forms import ListFilter
from plugins.campaigns import _
from plugins.campaigns.models import Campaign, CampaignTarget
from plugins.contacts.models import ContactPerson, Customer, CustomerKind, CustomerTag
from plugins.workflow.models import Activity, ActivityType, Task
from plugins.workflow.tasks import is_active_member

#: Customer columns the "any field" filter may name, with their labels.
CUSTOMER_FIELDS: dict[str, Any] = {
    "name": _("Name"),
    "business_id": _("Business ID"),
    "vat_number": _("VAT number"),
    "email": _("E-mail"),
    "phone": _("Phone"),
    "website": _("Website"),
    "industry": _("Industry"),
    "title": _("Title"),
}
FIELD_OPS: dict[str, Any] = {
    "contains": _("contains"),
    "equals": _("is"),
    "starts": _("starts with"),
    "empty": _("is empty"),
    "filled": _("is filled in"),
}
LANGUAGES = ("fi", "sv", "en")
KINDS = (CustomerKind.COMPANY.value, CustomerKind.PERSON.value)
#: Parameters this module reads itself; custom fields' come from ``myynti_list_filters``.
BUILT_IN = (
    "kind",
    "language",
    "responsible",
    "team",
    "tag",
    "city",
    "postcode",
    "field",
    "field_op",
    "field_value",
    "person_title",
    "person_language",
    "no_open_task",
    "not_in_campaign",
    "activity_type",
    "activity_since",
    "consent",
)
TEXT_MAX = 100
SAMPLE_SIZE = 20

NO_SUCH_FIELD = _("There is no field “${name}” to filter on: it does not exist or was retired.")
NO_SUCH_OPERATION = _("Choose how the field is compared.")
FIELD_NEEDS_VALUE = _("Enter the value to compare the field with.")
NO_SUCH_MEMBER = _("Choose an active member of your organisation.")
NO_SUCH_TEAM = _("Choose one of your teams.")
NO_SUCH_CAMPAIGN = _("Choose one of your campaigns.")
NO_SUCH_ACTIVITY_TYPE = _("Choose one of your activity types.")
NOT_A_DATE = _("Enter a date as 2026-11-28.")
NOT_A_CHOICE = _("Choose one of the options.")
SINCE_NEEDS_TYPE = _("Choose the activity type too.")


@dataclass
class TargetGroup:
    """A parsed group: its parameters, conditions, and the messages of what was refused."""

    params: dict[str, str]
    tenant_id: int
    conditions: list[Any] = field(default_factory=list)
    person_conditions: list[Any] = field(default_factory=list)
    consent: bool = False
    errors: dict[str, Any] = field(default_factory=dict)
    custom_filters: list[ListFilter] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    def customer_condition(self) -> Any:
        """Who is in the group: the customer's conditions, a matching person, consent."""
        found = [
            Customer.tenant_id == self.tenant_id,
            Customer.archived_at.is_(None),
            Customer.merged_into_id.is_(None),
            *self.conditions,
        ]
        if self.person_conditions:
            found.append(exists(self._persons(self.person_conditions)))
        if self.consent:
            found.append(
                or_(
                    and_(Customer.kind == CustomerKind.PERSON, Customer.marketing_consent),
                    exists(
                        self._persons([*self.person_conditions, ContactPerson.marketing_consent])
                    ),
                )
            )
        return and_(*found)

    def contact_persons(self) -> Any:
        """``(customer_id, person_id)``: each customer's chosen person, the first who matches.

        A grouped subquery to join, not a correlated one per customer: the
        snapshot of 100,000 customers reads the contact persons once.
        """
        wanted = [*self.person_conditions]
        if self.consent:
            wanted.append(ContactPerson.marketing_consent)
        return (
            select(ContactPerson.customer_id, func.min(ContactPerson.id).label("person_id"))
            .where(
                ContactPerson.tenant_id == self.tenant_id,
                ContactPerson.archived_at.is_(None),
                *wanted,
            )
            .group_by(ContactPerson.customer_id)
            .subquery()
        )

    def _persons(self, conditions: list[Any]) -> Any:
        return select(ContactPerson.id).where(
            ContactPerson.tenant_id == self.tenant_id,
            ContactPerson.customer_id == Customer.id,
            ContactPerson.archived_at.is_(None),
            *conditions,
        )


def cleaned(params: Mapping[str, Any]) -> dict[str, str]:
    """The parameters that carry a value, as short strings (what a group stores)."""
    found: dict[str, str] = {}
    for key, value in params.items():
        if key in ("csrf_token", "preview", "save") or value is None:
            continue
        text = str(value).strip()[:TEXT_MAX]
        if text:
            found[str(key)[:TEXT_MAX]] = text
    if "field" not in found:
        # The comparison's select always posts a value; without a field it means nothing.
        found.pop("field_op", None)
    return found


def parse(
    request: Any, params: Mapping[str, str], tenant_id: int, *, consent: bool = False
) -> TargetGroup:
    """The target group of ``params`` for the session's tenant; ``consent`` is forced when
    the campaign sends a message."""
    group = TargetGroup(dict(params), tenant_id)
    group.consent = consent or params.get("consent") == "1"
    db = request.db
    _custom_fields(request, group)
    for key in params:
        if key not in BUILT_IN and key not in _custom_keys(group):
            group.errors[key] = _message(NO_SUCH_FIELD, name=key)
    _customer_fields(group, params)
    _people_and_teams(db, group, params)
    _history(db, group, params)
    return group


def _message(message: Any, **mapping: Any) -> Any:
    return _(message, mapping=mapping) if mapping else message


def _custom_fields(request: Any, group: TargetGroup) -> None:
    """Custom fields filter through their plugin's own ``myynti_list_filters``."""
    results = request.plugins.myynti_list_filters(
        request=request, entity="customer", params=MultiDict(group.params)
    )
    group.custom_filters = [f for found in results if found for f in found]
    group.conditions.extend(f.condition for f in group.custom_filters if f.condition is not None)


def _custom_keys(group: TargetGroup) -> set[str]:
    keys: set[str] = set()
    for custom in group.custom_filters:
        if custom.kind == "range":
            keys.update((custom.key + "_from", custom.key + "_to"))
        else:
            keys.add(custom.key)
    return keys


def _lower_json(column: Any, key: str) -> Any:
    return func.lower(column[key].as_string())


def _customer_fields(group: TargetGroup, params: Mapping[str, str]) -> None:
    add, errors = group.conditions.append, group.errors
    kind = params.get("kind")
    if kind:
        if kind in KINDS:
            add(Customer.kind == kind)
        else:
            errors["kind"] = NOT_A_CHOICE
    language = params.get("language")
    if language:
        if language in LANGUAGES:
            add(Customer.language == language)
        else:
            errors["language"] = NOT_A_CHOICE
    tags = [t.strip() for t in params.get("tag", "").split(",") if t.strip()]
    if tags:
        add(
            exists(
                select(CustomerTag.id).where(
                    CustomerTag.tenant_id == group.tenant_id,
                    CustomerTag.customer_id == Customer.id,
                    CustomerTag.tag.in_(tags),
                )
            )
        )
    city = params.get("city", "").lower()
    if city:
        add(
            or_(
                _lower_json(Customer.visiting_address, "city") == city,
                _lower_json(Customer.postal_address, "city") == city,
            )
        )
    postcode = params.get("postcode", "")
    if postcode:
        add(
            or_(
                Customer.visiting_address["postcode"].as_string().startswith(postcode),
                Customer.postal_address["postcode"].as_string().startswith(postcode),
            )
        )
    _any_field(group, params)
    title = params.get("person_title", "").lower()
    if title:
        group.person_conditions.append(func.lower(ContactPerson.title).contains(title))
    person_language = params.get("person_language")
    if person_language:
        if person_language in LANGUAGES:
            group.person_conditions.append(ContactPerson.language == person_language)
        else:
            errors["person_language"] = NOT_A_CHOICE


def _any_field(group: TargetGroup, params: Mapping[str, str]) -> None:
    name = params.get("field")
    if not name:
        return
    if name not in CUSTOMER_FIELDS:
        group.errors["field"] = _message(NO_SUCH_FIELD, name=name)
        return
    operation = params.get("field_op", "contains")
    if operation not in FIELD_OPS:
        group.errors["field_op"] = NO_SUCH_OPERATION
        return
    column = getattr(Customer, name)
    value = params.get("field_value", "")
    if operation == "empty":
        group.conditions.append(or_(column.is_(None), column == ""))
    elif operation == "filled":
        group.conditions.append(and_(column.is_not(None), column != ""))
    elif not value:
        group.errors["field_value"] = FIELD_NEEDS_VALUE
    elif operation == "equals":
        group.conditions.append(func.lower(column) == value.lower())
    elif operation == "starts":
        group.conditions.append(func.lower(column).startswith(value.lower(), autoescape=True))
    else:
        group.conditions.append(func.lower(column).contains(value.lower(), autoescape=True))


def row_id(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 0 < number < 2**31 else None


def _people_and_teams(db: Any, group: TargetGroup, params: Mapping[str, str]) -> None:
    responsible = params.get("responsible")
    if responsible == "none":
        group.conditions.append(Customer.responsible_user_id.is_(None))
    elif responsible:
        user_id = row_id(responsible)
        if user_id is None or not is_active_member(db, user_id):
            group.errors["responsible"] = NO_SUCH_MEMBER
        else:
            group.conditions.append(Customer.responsible_user_id == user_id)
    team = params.get("team")
    if team:
        team_id = row_id(team)
        if team_id is None or db.get(Team, team_id) is None:
            group.errors["team"] = NO_SUCH_TEAM
        else:
            group.conditions.append(Customer.team_id == team_id)


def _history(db: Any, group: TargetGroup, params: Mapping[str, str]) -> None:
    tenant_id = group.tenant_id
    if params.get("no_open_task") == "1":
        group.conditions.append(
            ~exists(
                select(Task.id).where(
                    Task.tenant_id == tenant_id,
                    Task.customer_id == Customer.id,
                    Task.closed_at.is_(None),
                )
            )
        )
    other = params.get("not_in_campaign")
    if other:
        other_id = row_id(other)
        if other_id is None or db.get(Campaign, other_id) is None:
            group.errors["not_in_campaign"] = NO_SUCH_CAMPAIGN
        else:
            group.conditions.append(
                ~exists(
                    select(CampaignTarget.id).where(
                        CampaignTarget.tenant_id == tenant_id,
                        CampaignTarget.campaign_id == other_id,
                        CampaignTarget.customer_id == Customer.id,
                    )
                )
            )
    _activity(db, group, params)


def _activity(db: Any, group: TargetGroup, params: Mapping[str, str]) -> None:
    type_param, since_param = params.get("activity_type"), params.get("activity_since")
    if not type_param:
        if since_param:
            group.errors["activity_type"] = SINCE_NEEDS_TYPE
        return
    type_id = row_id(type_param)
    if type_id is None or db.get(ActivityType, type_id) is None:
        group.errors["activity_type"] = NO_SUCH_ACTIVITY_TYPE
        return
    done = [
        Activity.tenant_id == group.tenant_id,
        Activity.type_id == type_id,
        Activity.done_at.is_not(None),
        Task.tenant_id == group.tenant_id,
        Task.id == Activity.task_id,
        Task.customer_id == Customer.id,
    ]
    if since_param:
        try:
            since = date.fromisoformat(since_param)
        except ValueError:
            group.errors["activity_since"] = NOT_A_DATE
            return
        done.append(Activity.done_at >= datetime.combine(since, time.min, UTC))
    group.conditions.append(exists(select(Activity.id).where(*done)))


def matching(group: TargetGroup) -> Any:
    """``SELECT customer.id`` of the group's customers."""
    return select(Customer.id).where(group.customer_condition())


def count(db: Any, group: TargetGroup) -> int:
    return db.scalar(select(func.count()).select_from(matching(group).subquery())) or 0


def sample(db: Any, group: TargetGroup, size: int = SAMPLE_SIZE) -> list[tuple[Customer, Any]]:
    """The first customers of the group by name, each with the contact person it would get."""
    persons = group.contact_persons()
    rows = db.execute(
        select(Customer, persons.c.person_id)
        .outerjoin(persons, persons.c.customer_id == Customer.id)
        .where(group.customer_condition())
        .order_by(Customer.name_key, Customer.id)
        .limit(size)
    ).all()
    ids = [p for _c, p in rows if p]
    people = {p.id: p for p in db.scalars(select(ContactPerson).where(ContactPerson.id.in_(ids)))}
    return [(customer, people.get(person_id)) for customer, person_id in rows]
