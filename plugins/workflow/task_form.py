"""The task form bound to a request: its choices from the tenant's rows, and their checks.

Selects offer the tenant's customers, contact persons, members and teams;
whatever id comes back is checked again against the tenant's rows
(``tasks.reference_errors``), so a forged id gets a message by its field. The
customer select offers the first ``CHOICES_MAX`` and a search box over the
contacts plugin's lookup for the rest, and the contact person select follows
it (``core/static/selects.js``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core import label_text
from core.forms import choices, row_id
from core.models import Membership, Team, User
from core.record_forms import form_class
from plugins.contacts.models import ContactPerson, Customer
from plugins.workflow import _, tasks
from plugins.workflow.board import workflows
from plugins.workflow.forms import PRIORITY_LABELS, TaskForm
from plugins.workflow.models import StageKind, Task, Workflow

#: A select offers this many customers or contact persons at most (the current one always).
CHOICES_MAX = 500


def member_choices(db: Any) -> list[tuple[int, str]]:
    rows = db.execute(
        select(User.id, User.name, User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.active, User.active)
        .order_by(User.name, User.email)
    )
    return [(uid, name or email) for uid, name, email in rows]


def team_choices(db: Any) -> list[tuple[int, str]]:
    return [tuple(row) for row in db.execute(select(Team.id, Team.name).order_by(Team.name))]


def customer_choices(db: Any, current: int | None) -> list[tuple[int, str]]:
    rows = list(
        db.execute(
            select(Customer.id, Customer.name)
            .where(Customer.archived_at.is_(None))
            .order_by(Customer.name)
            .limit(CHOICES_MAX)
        )
    )
    if current and all(cid != current for cid, _name in rows):
        customer = db.get(Customer, current)
        if customer is not None:
            rows.insert(0, (customer.id, customer.name))
    return [tuple(row) for row in rows]


def person_choices(db: Any, customer_id: int | None) -> list[tuple[int, str]]:
    """The customer's contact persons; without a customer, anyone's, with the customer named."""
    query = (
        select(ContactPerson.id, ContactPerson.name, Customer.name)
        .join(Customer, Customer.id == ContactPerson.customer_id)
        .where(ContactPerson.archived_at.is_(None))
        .order_by(Customer.name, ContactPerson.name)
        .limit(CHOICES_MAX)
    )
    if customer_id:
        query = query.where(ContactPerson.customer_id == customer_id)
        return [(pid, name) for pid, name, _customer in db.execute(query)]
    return [(pid, f"{name} ({customer})") for pid, name, customer in db.execute(query)]


def bind_task_form(request: Any, task: Task | None = None) -> TaskForm:
    form = form_class(request, "task", TaskForm).from_request(request, obj=task)
    db = request.db
    translate = request.localizer.translate
    if request.method != "POST":
        if task is None:
            form.responsible_user_id.data = request.user.id
            wanted = db.get(Customer, row_id(request.GET.get("customer")) or 0)
            if wanted is not None and wanted.archived_at is None:
                form.customer_id.data = wanted.id
        else:
            for key in ("customer_id", "contact_person_id", "responsible_user_id", "team_id"):
                getattr(form, key).data = getattr(task, key) or 0
            form.version.data = task.version
    none = (0, "—")
    form.workflow_id.choices = choices(
        (w.id, label_text(w.name, request.locale_name)) for w in workflows(db)
    )
    customer_id = form.customer_id.data if (form.customer_id.data or 0) > 0 else None
    form.customer_id.choices = choices([none, *customer_choices(db, customer_id)])
    form.customer_id.render_kw = {
        "data-search-url": request.route_url("customers_lookup"),
        "data-search-label": translate(_("Search customers")),
        "data-search-empty": translate(_("No customers found.")),
    }
    form.contact_person_id.render_kw = {
        "data-follows": form.customer_id.id,
        "data-follow-url": request.route_url("customers_lookup_contacts"),
        "data-follow-param": "customer",
    }
    form.contact_person_id.choices = choices([none, *person_choices(db, customer_id)])
    members = member_choices(db)
    if task is not None and task.responsible_user_id not in {None, *dict(members)}:
        # Someone who has left stays the responsible person until the task is reassigned.
        former = db.get(User, task.responsible_user_id)
        members.insert(0, (former.id, former.display_name))
    form.responsible_user_id.choices = choices([none, *members])
    form.team_id.choices = choices([none, *team_choices(db)])
    form.priority.choices = choices((k, translate(v)) for k, v in PRIORITY_LABELS.items())
    return form


def form_values(form: TaskForm) -> dict[str, Any]:
    values = {key: getattr(form, key).data for key in tasks.TRACKED}
    for key in ("customer_id", "contact_person_id", "responsible_user_id", "team_id"):
        values[key] = values[key] or None
    values["description"] = values["description"] or ""
    values["lost_reason"] = (values["lost_reason"] or "").strip() or None
    return values


#: The message for an id that is not a number at all, by field.
ID_MESSAGES = {
    "customer_id": tasks.NO_SUCH_CUSTOMER,
    "contact_person_id": tasks.NO_SUCH_CONTACT,
    "responsible_user_id": tasks.NO_SUCH_MEMBER,
    "team_id": tasks.NO_SUCH_TEAM,
}


def validate(request: Any, form: TaskForm, task: Task | None) -> bool:
    """The form's own checks, then the ids it names, against the tenant's rows."""
    valid = form.validate()
    for key, message in ID_MESSAGES.items():
        field = getattr(form, key)
        if (field.data or 0) < 0:
            field.data = 0
            field.errors = [*field.errors, message]
            valid = False
    if not valid:
        return False
    errors = tasks.reference_errors(request.db, form_values(form), task)
    if task is None:
        workflow = request.db.get(Workflow, form.workflow_id.data or 0)
        if workflow is None:
            errors["workflow_id"] = tasks.NO_SUCH_WORKFLOW
    elif task.stage.kind == StageKind.LOST and not (form.lost_reason.data or "").strip():
        errors["lost_reason"] = tasks.LOST_REASON_REQUIRED
    for key, message in errors.items():
        getattr(form, key).errors = [message]
    return not errors
