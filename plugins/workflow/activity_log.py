"""Logging an activity on a customer: the form bound to a request, its checks, and the save.

One form serves the customer's page (the customer fixed, its open tasks to
choose from), the dashboard and my work (the customer chosen with a search
box, ``core/static/selects.js``). Every id that comes back is checked against
the tenant's rows, so a forged one gets a message by its field.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from core import label_text, people
from core.forms import choices
from core.models import utcnow
from plugins.contacts.models import Customer
from plugins.workflow import _, activities
from plugins.workflow.board import LOCAL_TIME, local_today
from plugins.workflow.forms import LogActivityForm
from plugins.workflow.models import Activity, Task
from plugins.workflow.task_form import customer_choices, person_choices

BACKS = ("customer", "dashboard", "my_work")

CUSTOMER_REQUIRED = _("Choose the customer the activity is with.")
NO_SUCH_CUSTOMER = _("Choose one of your customers.")
NO_SUCH_TASK = _("Choose an open task of this customer, or none.")
DONE_IN_FUTURE = _("An activity that is already done cannot be later than now.")


def bind(
    request: Any, customer: Customer | None = None, back: str = "", fresh: bool = False
) -> LogActivityForm:
    """The form with its choices; ``customer`` fixes the customer (its own page).

    ``fresh`` makes an empty form whatever the request is (a panel on a page).
    """
    db, translate = request.db, request.localizer.translate
    posted = request.method == "POST" and not fresh
    form = LogActivityForm(
        request.POST if posted else None, meta={"locales": [request.locale_name, "en"]}
    )
    if not posted:
        form.day.data = local_today()
        form.assignee_user_id.data = request.user.id
        wanted = back or request.GET.get("back")
        form.back.data = wanted if wanted in BACKS else ("customer" if customer else "")
        if customer is not None:
            form.customer_id.data = customer.id
    none = (0, "—")
    chosen = customer.id if customer is not None else _positive(form.customer_id.data)
    if customer is not None:
        customers = [(customer.id, customer.name)]
    elif fresh:
        # A panel on a page: its search box finds the customer; the log page lists them.
        customers = []
    else:
        customers = customer_choices(db, chosen)
    form.customer_id.choices = choices([none, *customers])
    form.customer_id.render_kw = {
        "data-search-url": request.route_url("customers_lookup"),
        "data-search-label": translate(_("Search customers")),
        "data-search-empty": translate(_("No customers found.")),
    }
    form.contact_person_id.choices = choices(
        [none, *(person_choices(db, chosen) if chosen else [])]
    )
    form.contact_person_id.render_kw = {
        "data-follows": form.customer_id.id,
        "data-follow-url": request.route_url("customers_lookup_contacts"),
        "data-follow-param": "customer",
    }
    form.task_id.choices = choices([(0, translate(_("No task"))), *open_tasks(db, chosen)])
    form.task_id.render_kw = {
        "data-follows": form.customer_id.id,
        "data-follow-url": request.route_url("activity_log_tasks"),
        "data-follow-param": "customer",
    }
    form.type_id.choices = choices(
        (type_id, label_text(name, request.locale_name))
        for type_id, name in activities.type_names(request)
    )
    form.assignee_user_id.choices = choices(
        [none, *people.member_choices(request, active_users_only=True)]
    )
    return form


def _positive(value: Any) -> int | None:
    return value if isinstance(value, int) and value > 0 else None


def open_tasks(db: Any, customer_id: int | None) -> list[tuple[int, str]]:
    """The customer's open tasks, newest first: what a logged activity may belong to."""
    if not customer_id:
        return []
    rows = db.execute(
        select(Task.id, Task.title)
        .where(Task.customer_id == customer_id, Task.closed_at.is_(None))
        .order_by(Task.id.desc())
        .limit(50)
    )
    return [tuple(row) for row in rows]


def moment(form: LogActivityForm, now: datetime | None = None) -> datetime | None:
    """The activity's moment, in UTC: when it was done, or when it is due.

    A done activity without a date was done today; one of today without a time, now.
    """
    now = now or utcnow()
    today = now.astimezone(LOCAL_TIME).date()
    day, clock = form.day.data, form.clock.data
    if form.done.data:
        day = day or today
        if clock is None and day == today:
            return now
    return activities.due_at(day, clock) if day is not None else None


def check(request: Any, form: LogActivityForm, customer: Customer | None = None) -> bool:
    """The form's checks, then the rows it names; each message goes by its field."""
    db = request.db
    valid = form.validate()
    customer_id = customer.id if customer is not None else _positive(form.customer_id.data)
    found = db.get(Customer, customer_id) if customer_id else None
    if found is None or found.archived_at is not None:
        form.customer_id.errors = [NO_SUCH_CUSTOMER if customer_id else CUSTOMER_REQUIRED]
        return False
    task_id = form.task_id.data or 0
    if task_id and task_id not in dict(open_tasks(db, found.id)):
        form.task_id.errors = [NO_SUCH_TASK]
    problem = activities.person_error(db, found.id, form.contact_person_id.data or None)
    if problem is not None or (form.contact_person_id.data or 0) < 0:
        form.contact_person_id.errors = [problem or activities.NO_SUCH_PERSON]
    task = db.get(Task, task_id) if task_id > 0 else None
    type_id, assignee_id = form.type_id.data, form.assignee_user_id.data
    for key, message in activities.reference_errors(db, task, type_id, assignee_id).items():
        getattr(form, key).errors = [message]
    if valid and form.done.data:
        when = moment(form)
        if when is not None and when > datetime.now(UTC):
            form.day.errors = [DONE_IN_FUTURE]
    return not any(field.errors for field in form)


def save(request: Any, form: LogActivityForm, customer: Customer | None = None) -> Activity:
    """The activity the checked form describes, with its history event."""
    db = request.db
    task_id = form.task_id.data or 0
    task = db.get(Task, task_id) if task_id > 0 else None
    when = moment(form)
    values = {
        "customer_id": customer.id if customer is not None else form.customer_id.data,
        "contact_person_id": form.contact_person_id.data or None,
        "type_id": form.type_id.data,
        "subject": (form.subject.data or "").strip(),
        "assignee_user_id": form.assignee_user_id.data or None,
        "due_at": when,
        "done_at": when if form.done.data else None,
        "outcome": (form.outcome.data or "").strip(),
    }
    return activities.add_activity(db, task, values, request.user)
