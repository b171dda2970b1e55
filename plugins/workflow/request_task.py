"""A contact request made into a task, asked first: customer, contact person, title, value, stage.

The form proposes what the request tells: the customer it is linked to or
matches (business ID, e-mail, company domain: ``contacts.requests.matching``),
else a new customer made from it; the contact person with the sender's
e-mail; the subject as the title; a value the web form asked for; the first
open stage. A task without a customer is made only when the user chooses
"No customer". Saving goes through contacts' ``convert``, which links both
ways, writes both histories and closes the request.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select

from core import label_text
from core.forms import choices
from plugins.contacts.models import ContactPerson, ContactRequest, Customer
from plugins.contacts.permissions import ContactsPermission
from plugins.contacts.requests import conversion, lifecycle
from plugins.contacts.requests.matching import find_customer
from plugins.workflow import _, tasks
from plugins.workflow.board import workflows
from plugins.workflow.conversion import TASK_LABEL
from plugins.workflow.forms import (
    CUSTOMER_ACTION_LABELS,
    CUSTOMER_CHOSEN,
    CUSTOMER_CREATE,
    REQUIRED,
    VALUE_MAX,
    RequestTaskForm,
)
from plugins.workflow.models import Stage, StageKind, TaskSource
from plugins.workflow.task_form import customer_choices, member_choices, person_choices

#: Extra fields of a web form that carry the value of the deal, as their keys are often named.
VALUE_KEYS = ("value", "expected_value", "budget", "arvo", "budjetti", "hinta")
TITLE_MAX = 200

CHOOSE_CUSTOMER = _("Choose the customer, make a new one from the request, or choose no customer.")
NO_SUCH_CUSTOMER = _("Choose one of your customers.")
NO_SUCH_CONTACT = _("Choose a contact person of the chosen customer.")
NO_SUCH_STAGE = _("Choose an open stage.")
NO_SUCH_MEMBER = _("Choose an active member of your organisation.")
CANNOT_CREATE = _("You may not add customers: choose an existing one.")


def open_stages(db: Any, locale: str) -> list[tuple[int, str]]:
    """Every open stage in use, named with its workflow when there are several."""
    found = workflows(db)
    rows = []
    for workflow in found:
        stages = db.scalars(
            select(Stage)
            .where(
                Stage.workflow_id == workflow.id,
                Stage.kind == StageKind.OPEN,
                Stage.retired_at.is_(None),
            )
            .order_by(Stage.position, Stage.id)
        )
        for stage in stages:
            name = label_text(stage.name, locale)
            if len(found) > 1:
                name = f"{label_text(workflow.name, locale)}: {name}"
            rows.append((stage.id, name))
    return rows


def proposed_customer(db: Any, contact_request: ContactRequest) -> Customer | None:
    """The customer the request is linked to, else the one it matches."""
    if contact_request.customer_id:
        return db.get(Customer, contact_request.customer_id)
    match = find_customer(db, contact_request)
    return match.customer if match else None


def proposed_person(db: Any, customer_id: int, contact_request: ContactRequest) -> int:
    """The customer's contact person with the sender's e-mail, else their name; 0 for none."""
    live = (ContactPerson.customer_id == customer_id, ContactPerson.archived_at.is_(None))
    email = (contact_request.email or "").strip().lower()
    if email:
        found = db.scalar(select(ContactPerson.id).where(*live, ContactPerson.email_key == email))
        if found:
            return found
    name = (contact_request.name or "").strip().lower()
    if name:
        found = db.scalar(
            select(ContactPerson.id).where(*live, func.lower(ContactPerson.name) == name).limit(1)
        )
        if found:
            return found
    return 0


def proposed_value(contact_request: ContactRequest) -> Decimal | None:
    """A value the web form asked for (``budget``: "12 000 €"), if it reads as euros."""
    for key in VALUE_KEYS:
        text = str((contact_request.extra or {}).get(key) or "")
        cleaned = text.replace("\u00a0", "").replace(" ", "").replace("€", "").replace(",", ".")
        try:
            value = Decimal(cleaned)
        except InvalidOperation:
            continue
        if value.is_finite() and 0 <= value <= VALUE_MAX:
            return value.quantize(Decimal("0.01"))
    return None


def bind(request: Any, contact_request: ContactRequest) -> RequestTaskForm:
    """The form with its choices and, on first showing, the proposed values."""
    db, translate = request.db, request.localizer.translate
    form = RequestTaskForm.from_request(request)
    may_create = request.has_permission(ContactsPermission.CUSTOMER_EDIT)
    actions = [
        (key, translate(label))
        for key, label in CUSTOMER_ACTION_LABELS.items()
        if key != CUSTOMER_CREATE or (may_create and not contact_request.customer_id)
    ]
    form.customer_action.choices = choices(actions)
    stages = open_stages(db, request.locale_name)
    if request.method != "POST":
        customer = proposed_customer(db, contact_request)
        if customer is not None:
            form.customer_id.data = customer.id
            form.contact_person_id.data = proposed_person(db, customer.id, contact_request)
        form.customer_action.data = (
            CUSTOMER_CHOSEN
            if customer is not None or not may_create or contact_request.customer_id
            else CUSTOMER_CREATE
        )
        title = contact_request.subject or contact_request.company or contact_request.name
        form.title.data = (title or "")[:TITLE_MAX]
        form.expected_value.data = proposed_value(contact_request)
        form.stage_id.data = stages[0][0] if stages else 0
        form.responsible_user_id.data = contact_request.assigned_user_id or request.user.id
    none = (0, "—")
    chosen = form.customer_id.data if (form.customer_id.data or 0) > 0 else None
    form.customer_id.choices = choices([none, *customer_choices(db, chosen)])
    form.customer_id.render_kw = {
        "data-search-url": request.route_url("customers_lookup"),
        "data-search-label": translate(_("Search customers")),
        "data-search-empty": translate(_("No customers found.")),
        "data-shown-with": form.customer_action.id,
        "data-shown-for": CUSTOMER_CHOSEN,
    }
    form.contact_person_id.choices = choices(
        [none, *(person_choices(db, chosen) if chosen else [])]
    )
    form.contact_person_id.render_kw = {
        "data-follows": form.customer_id.id,
        "data-follow-url": request.route_url("customers_lookup_contacts"),
        "data-follow-param": "customer",
        "data-shown-with": form.customer_action.id,
        "data-shown-for": CUSTOMER_CHOSEN,
    }
    form.stage_id.choices = choices(stages)
    form.responsible_user_id.choices = choices([none, *member_choices(db)])
    return form


def check(request: Any, form: RequestTaskForm) -> bool:
    """The form's checks, then the rows it names; each message by its field."""
    db = request.db
    valid = form.validate()
    if form.title.data is not None and not form.title.data.strip():
        form.title.errors = [REQUIRED]
    action = form.customer_action.data
    if action == CUSTOMER_CHOSEN:
        customer = db.get(Customer, form.customer_id.data) if form.customer_id.data > 0 else None
        if customer is None or customer.archived_at is not None:
            form.customer_id.errors = [
                NO_SUCH_CUSTOMER if form.customer_id.data else CHOOSE_CUSTOMER
            ]
        elif form.contact_person_id.data:
            person = db.get(ContactPerson, form.contact_person_id.data)
            if person is None or person.customer_id != customer.id:
                form.contact_person_id.errors = [NO_SUCH_CONTACT]
    elif action == CUSTOMER_CREATE and not request.has_permission(ContactsPermission.CUSTOMER_EDIT):
        form.customer_action.errors = [CANNOT_CREATE]
    if form.stage_id.data not in dict(open_stages(db, request.locale_name)):
        form.stage_id.errors = [NO_SUCH_STAGE]
    responsible = form.responsible_user_id.data
    if responsible and (responsible < 0 or not tasks.is_active_member(db, responsible)):
        form.responsible_user_id.errors = [NO_SUCH_MEMBER]
    return valid and not any(field.errors for field in form)


def convert(request: Any, form: RequestTaskForm, contact_request: ContactRequest) -> int:
    """Make the customer if asked, then the task through contacts' conversion; the task's id."""
    db, user = request.db, request.user
    customer_id: int | None = None
    person_id: int | None = None
    if form.customer_action.data == CUSTOMER_CREATE:
        customer = conversion.create_customer_from_request(db, contact_request, user)
        customer_id = customer.id
        person_id = proposed_person(db, customer.id, contact_request) or None
    elif form.customer_action.data == CUSTOMER_CHOSEN:
        customer = db.get(Customer, form.customer_id.data)
        customer_id = customer.id
        person_id = form.contact_person_id.data or None
        if contact_request.customer_id != customer.id:
            lifecycle.link_customer(db, contact_request, customer, "chosen", user)
    stage = db.get(Stage, form.stage_id.data)
    values = {
        "title": form.title.data.strip()[:TITLE_MAX],
        "description": contact_request.message or "",
        "customer_id": customer_id,
        "contact_person_id": person_id,
        "expected_value": form.expected_value.data,
        "team_id": contact_request.team_id,
        "responsible_user_id": form.responsible_user_id.data or None,
    }

    def make(db: Any, item: ContactRequest, by: Any) -> tuple[str, int]:
        workflow = next(w for w in workflows(db) if w.id == stage.workflow_id)
        task = tasks.create_task(
            db,
            workflow,
            values,
            by,
            source=TaskSource.CONTACT_REQUEST,
            contact_request_id=item.id,
            stage=stage,
        )
        return "task", task.id

    target = conversion.ConversionTarget("task", TASK_LABEL, make)
    _entity, task_id = conversion.convert(db, contact_request, target, user)
    return task_id
