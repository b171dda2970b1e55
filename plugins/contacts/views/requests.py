"""Contact requests in the app: the inbox, a request's page, manual entry and handling.

Handling a request (state, assignment, customer, conversion) is a POST to its
own small route; each answers with the request's page again, with the refused
form's messages (400) or a stale-edit notice (409), or redirects on success.
"""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import load_only

from core import EventKind, Link, Panel
from core.contract import label_text
from core.entities import entity_types
from core.forms import choices, row_id
from core.models import Team, TeamMember, User
from core.people import member_choices, team_choices
from plugins.contacts import _
from plugins.contacts.models import (
    ContactRequest,
    Customer,
    RequestSource,
    RequestState,
    WebForm,
)
from plugins.contacts.permissions import ContactsPermission
from plugins.contacts.requests import conversion, lifecycle
from plugins.contacts.requests.forms import AssignForm, RequestForm, StateForm
from plugins.contacts.requests.intake import create_request
from plugins.contacts.requests.matching import find_customer
from plugins.contacts.requests.routing import OPEN_STATES

PAGE_SIZE = 50
PAGE = "plugins.contacts:templates/requests/request.pt"
EVENT_TEMPLATE = "plugins.contacts:templates/requests/event.pt"
PANEL = "plugins.contacts:templates/requests/panel_new.pt"
#: The dashboard counts new requests up to here and shows "99+" past it: a number that
#: large says only "many", and counting them all took 10 ms at 100,000 requests.
PANEL_COUNT_CAP = 99

STATE_LABELS = {
    RequestState.NEW: _("New"),
    RequestState.ASSIGNED: _("Assigned"),
    RequestState.IN_PROGRESS: _("In progress"),
    RequestState.CONVERTED: _("Converted"),
    RequestState.REJECTED: _("Rejected"),
    RequestState.SPAM: _("Spam"),
}
SOURCE_LABELS = {
    RequestSource.MANUAL: _("Typed in"),
    RequestSource.WEB_FORM: _("Web form"),
    RequestSource.API: _("API"),
    RequestSource.EMAIL: _("E-mail"),
}
#: Whose requests the inbox shows; "for_me" is mine, my teams' and the default inbox.
SCOPES = {
    "for_me": _("For me and my teams"),
    "mine": _("Assigned to me"),
    "inbox": _("Default inbox"),
    "all": _("All requests"),
}
#: Labels of what a source keeps in ``extra``; other keys are shown as they are.
EXTRA_LABELS = {"page": _("Sent from page"), "message_id": _("Message-ID")}
STALE = _("Someone else changed this request meanwhile. Check it and try again.")


def request_event_kinds() -> list[EventKind]:
    """The history of a request, shown by one template that knows the payloads."""
    kinds = [
        (
            lifecycle.RECEIVED,
            _("Request received"),
            "✉",
        ),
        (
            lifecycle.ROUTED,
            _("Request routed"),
            "↪",
        ),
        (
            lifecycle.STATE_CHANGED,
            _("State changed"),
            "●",
        ),
        (
            lifecycle.CUSTOMER_LINKED,
            _("Linked to a customer"),
            "🔗",
        ),
        (
            lifecycle.CONVERTED,
            _("Request converted"),
            "✔",
        ),
    ]
    return [EventKind(key, label, icon, EVENT_TEMPLATE) for key, label, icon in kinds]


def request_links(request: Any, slot: str) -> list[Link]:
    """The inbox in the main menu, for those who see requests."""
    if slot == "navigation" and request.has_permission(ContactsPermission.REQUEST_VIEW):
        return [
            Link(
                _("Contact requests"),
                request.route_url("contact_requests"),
                30,
            )
        ]
    return []


def request_panels(request: Any, slot: str, context: Any) -> list[Panel]:
    """New requests for me on the dashboard; a customer's requests on its page."""
    if not request.has_permission(ContactsPermission.REQUEST_VIEW):
        return []
    if slot == "dashboard":
        query = _scoped(select(ContactRequest), request, "for_me").where(
            ContactRequest.state.in_((RequestState.NEW, RequestState.ASSIGNED))
        )
        # Two statements: a window count in the page's statement made PostgreSQL read and
        # sort every matching request for the newest five (2.6x the home's time at a
        # million rows); the count alone reads the index, and stops past PANEL_COUNT_CAP.
        capped = query.with_only_columns(ContactRequest.id).limit(PANEL_COUNT_CAP + 1)
        count = request.db.scalar(select(func.count()).select_from(capped.subquery()))
        latest = request.db.scalars(_newest_first(query).limit(5)).all()
        title = _("New requests for me")
        data = {
            "count": min(count, PANEL_COUNT_CAP),
            "more": count > PANEL_COUNT_CAP,
            "requests": latest,
        }
        return [Panel(title, PANEL, data, order=20, key="contacts-new-requests")]
    if slot == "record_sidebar" and isinstance(context, Customer):
        query = select(ContactRequest).where(ContactRequest.customer_id == context.id)
        latest = request.db.scalars(_newest_first(query).limit(10)).all()
        title = _("Contact requests")
        data = {"count": None, "more": False, "requests": latest}
        return [Panel(title, PANEL, data, order=30, key="contacts-customer-requests")]
    return []


#: What the inbox shows of each request: the message and the JSON documents are not read.
INBOX_COLUMNS = (
    ContactRequest.id,
    ContactRequest.received_at,
    ContactRequest.name,
    ContactRequest.company,
    ContactRequest.email,
    ContactRequest.subject,
    ContactRequest.source,
    ContactRequest.state,
    ContactRequest.team_id,
    ContactRequest.assigned_user_id,
)
#: Built once: an option costs more to build than to apply.
INBOX_ONLY = load_only(*INBOX_COLUMNS)


def _newest_first(query: Any) -> Any:
    return query.order_by(ContactRequest.received_at.desc(), ContactRequest.id.desc())


def _scoped(query: Any, request: Any, scope: str) -> Any:
    me = request.user.id
    my_teams = select(TeamMember.team_id).where(TeamMember.user_id == me)
    default_inbox = and_(
        ContactRequest.team_id.is_(None), ContactRequest.assigned_user_id.is_(None)
    )
    if scope == "mine":
        return query.where(ContactRequest.assigned_user_id == me)
    if scope == "inbox":
        return query.where(default_inbox)
    if scope == "for_me":
        return query.where(
            or_(
                ContactRequest.assigned_user_id == me,
                ContactRequest.team_id.in_(my_teams),
                default_inbox,
            )
        )
    return query


def _names(request: Any) -> tuple[dict[int, str], dict[int, str]]:
    """The tenant's teams and active members, ``{id: name}`` each."""
    return dict(team_choices(request)), dict(member_choices(request, active_users_only=True))


def _translated(request: Any, labels: dict[str, Any]) -> list[Any]:
    return choices((key, request.localizer.translate(label)) for key, label in labels.items())


def get_request(request: Any) -> ContactRequest:
    """The request the URL names; another tenant's id is not found (the tenant filter)."""
    contact_request = request.db.scalar(
        select(ContactRequest).where(ContactRequest.id == int(request.matchdict["id"]))
    )
    if contact_request is None:
        raise HTTPNotFound()
    return contact_request


@view_config(
    route_name="contact_requests",
    renderer="plugins.contacts:templates/requests/inbox.pt",
    kept_page=True,
    permission=ContactsPermission.REQUEST_VIEW,
)
def inbox(request: Any) -> dict[str, Any]:
    scope = request.GET.get("scope", "for_me")
    scope = scope if scope in SCOPES else "for_me"
    state = request.GET.get("state", "open")
    state = state if state in STATE_LABELS or state == "all" else "open"
    page = row_id(request.GET.get("page")) or 1
    query = _scoped(select(ContactRequest), request, scope)
    if state == "open":
        query = query.where(ContactRequest.state.in_(OPEN_STATES))
    elif state != "all":
        query = query.where(ContactRequest.state == state)
    rows = request.db.scalars(
        _newest_first(query.options(INBOX_ONLY)).limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)
    ).all()
    teams, members = _names(request)
    return {
        "requests": rows[:PAGE_SIZE],
        "more": len(rows) > PAGE_SIZE,
        "page": page,
        "scope": scope,
        "state": state,
        "scopes": SCOPES,
        "states": {"open": _("Open requests"), **STATE_LABELS, "all": _("All states")},
        "teams": teams,
        "members": members,
        "can_add": request.has_permission(ContactsPermission.REQUEST_EDIT),
        # The rows' labels, translated once for the page (labels.pt's macros, per row).
        "state_names": _names_in(request, STATE_LABELS),
        "source_names": _names_in(request, SOURCE_LABELS),
    }


def _names_in(request: Any, labels: dict[str, Any]) -> dict[str, str]:
    translate = request.localizer.translate
    return {key: translate(label) for key, label in labels.items()}


@view_config(
    route_name="contact_request_new",
    renderer="plugins.contacts:templates/requests/new.pt",
    permission=ContactsPermission.REQUEST_EDIT,
)
def new_request(request: Any) -> Any:
    form = RequestForm.from_request(request)
    if request.method == "POST":
        if form.validate():
            contact_request = create_request(
                request.db, form.values(), RequestSource.MANUAL, user=request.user
            )
            request.session.flash(request.localizer.translate(_("Contact request saved.")))
            return HTTPSeeOther(request.route_url("contact_request", id=contact_request.id))
        request.response.status_int = 400
    return {"form": form}


def page_data(
    request: Any,
    contact_request: ContactRequest,
    state_form: StateForm | None = None,
    assign_form: AssignForm | None = None,
    notice: Any = None,
) -> dict[str, Any]:
    """Everything a request's page shows; refused forms are passed back in to keep their input."""
    request.page_context = contact_request
    teams, members = _names(request)
    customer = (
        request.db.get(Customer, contact_request.customer_id)
        if contact_request.customer_id
        else None
    )
    form = request.db.get(WebForm, contact_request.form_id) if contact_request.form_id else None
    can_edit = request.has_permission(ContactsPermission.REQUEST_EDIT)
    converted = contact_request.state == RequestState.CONVERTED
    if state_form is None:
        state_form = StateForm(meta={"locales": [request.locale_name, "en"]})
        state_form.version.data = str(contact_request.version)
    state_form.state.choices = _translated(
        request, {s: STATE_LABELS[s] for s in _next_states(contact_request)}
    )
    if assign_form is None:
        assign_form = AssignForm(
            meta={"locales": [request.locale_name, "en"]},
            team_id=contact_request.team_id or 0,
            user_id=contact_request.assigned_user_id or 0,
            version=str(contact_request.version),
        )
    _assign_choices(request, assign_form, teams, members)
    match = find_customer(request.db, contact_request) if customer is None else None
    return {
        "item": contact_request,
        "team_name": teams.get(contact_request.team_id),
        "user_name": members.get(contact_request.assigned_user_id),
        "form_name": form.name if form else None,
        "extras": [
            (EXTRA_LABELS.get(key, key), value) for key, value in contact_request.extra.items()
        ],
        "customer": customer,
        "match": match.customer if match else None,
        "converted_url": _converted_url(request, contact_request),
        "converted_name": _converted_name(request, contact_request),
        "targets": []
        if converted or not can_edit
        else list(conversion.conversion_targets(request, contact_request).values()),
        "can_edit": can_edit and not converted,
        "can_create_customer": request.has_permission(ContactsPermission.CUSTOMER_EDIT),
        "state_form": state_form,
        "assign_form": assign_form,
        "notice": notice,
    }


def _next_states(contact_request: ContactRequest) -> list[str]:
    """The manual states that would change something (*new* is where an open one already is)."""
    unopened = (RequestState.NEW, RequestState.ASSIGNED)
    return [
        state
        for state in lifecycle.MANUAL_STATES
        if state != contact_request.state
        and not (state == RequestState.NEW and contact_request.state in unopened)
    ]


def _assign_choices(
    request: Any, form: AssignForm, teams: dict[int, str], members: dict[int, str]
) -> None:
    inbox_label = request.localizer.translate(_("— default inbox —"))
    form.team_id.choices = choices([(0, inbox_label), *teams.items()])
    form.user_id.choices = choices([(0, "—"), *members.items()])


def _converted_name(request: Any, contact_request: ContactRequest) -> str:
    """What the request became, in the reader's words ("Tehtävä"), not its entity key."""
    target = contact_request.converted_to or {}
    entity = entity_types(request).get(target.get("entity", ""))
    label = entity.label if entity is not None else target.get("entity", "")
    return label_text(label, request.locale_name)


def _converted_url(request: Any, contact_request: ContactRequest) -> str | None:
    """The page of what the request became, if its plugin is enabled and has pages."""
    target = contact_request.converted_to or {}
    entity = entity_types(request).get(target.get("entity", ""))
    if entity is None or not entity.route_name:
        return None
    return request.route_url(entity.route_name, id=target["id"])


@view_config(
    route_name="contact_request",
    renderer=PAGE,
    kept_page=True,
    permission=ContactsPermission.REQUEST_VIEW,
)
def request_page(request: Any) -> dict[str, Any]:
    return page_data(request, get_request(request))


def _refused(request: Any, status: int, data: dict[str, Any]) -> dict[str, Any]:
    request.response.status_int = status
    return data


@view_config(
    route_name="contact_request_state",
    request_method="POST",
    renderer=PAGE,
    permission=ContactsPermission.REQUEST_EDIT,
)
def change_state(request: Any) -> Any:
    contact_request = get_request(request)
    form = StateForm.from_request(request)
    form.state.choices = _translated(request, {s: STATE_LABELS[s] for s in lifecycle.MANUAL_STATES})
    if contact_request.state == RequestState.CONVERTED:
        return _refused(
            request, 400, page_data(request, contact_request, notice=conversion.ALREADY_CONVERTED)
        )
    if form.version.data != str(contact_request.version):
        return _refused(request, 409, page_data(request, contact_request, notice=STALE))
    if not form.validate():
        return _refused(request, 400, page_data(request, contact_request, state_form=form))
    lifecycle.set_state(
        request.db, contact_request, form.state.data, request.user, form.reason.data or None
    )
    request.session.flash(request.localizer.translate(_("State changed.")))
    return HTTPSeeOther(request.route_url("contact_request", id=contact_request.id))


@view_config(
    route_name="contact_request_assign",
    request_method="POST",
    renderer=PAGE,
    permission=ContactsPermission.REQUEST_EDIT,
)
def assign(request: Any) -> Any:
    contact_request = get_request(request)
    form = AssignForm.from_request(request)
    teams, members = _names(request)
    _assign_choices(request, form, teams, members)
    if contact_request.state == RequestState.CONVERTED:
        return _refused(
            request, 400, page_data(request, contact_request, notice=conversion.ALREADY_CONVERTED)
        )
    if form.version.data != str(contact_request.version):
        return _refused(request, 409, page_data(request, contact_request, notice=STALE))
    if not form.validate():
        return _refused(request, 400, page_data(request, contact_request, assign_form=form))
    team = request.db.get(Team, form.team_id.data) if form.team_id.data else None
    user = request.db.get(User, form.user_id.data) if form.user_id.data else None
    lifecycle.assign(request.db, contact_request, team, user, by=request.user)
    request.session.flash(request.localizer.translate(_("Request assigned.")))
    return HTTPSeeOther(request.route_url("contact_request", id=contact_request.id))


@view_config(
    route_name="contact_request_customer",
    request_method="POST",
    permission=ContactsPermission.REQUEST_EDIT,
)
def attach_customer(request: Any) -> Any:
    """Link the request to the suggested customer, or create the customer from it in one step."""
    contact_request = get_request(request)
    if contact_request.customer_id is None:
        if request.POST.get("action") == "create":
            if not request.has_permission(ContactsPermission.CUSTOMER_EDIT):
                raise HTTPForbidden()
            customer = conversion.create_customer_from_request(
                request.db, contact_request, request.user
            )
            request.session.flash(request.localizer.translate(_("Customer created.")))
        else:
            customer = _posted_customer(request)
            lifecycle.link_customer(request.db, contact_request, customer, "chosen", request.user)
            request.session.flash(request.localizer.translate(_("Request linked to the customer.")))
    return HTTPSeeOther(request.route_url("contact_request", id=contact_request.id))


def _posted_customer(request: Any) -> Customer:
    try:
        customer_id = int(request.POST.get("customer_id", ""))
    except ValueError:
        raise HTTPNotFound() from None
    customer = request.db.scalar(
        select(Customer).where(Customer.id == customer_id, Customer.archived_at.is_(None))
    )
    if customer is None:
        raise HTTPNotFound()
    return customer


@view_config(
    route_name="contact_request_convert",
    request_method="POST",
    renderer=PAGE,
    permission=ContactsPermission.REQUEST_EDIT,
)
def convert(request: Any) -> Any:
    contact_request = get_request(request)
    target = conversion.conversion_targets(request, contact_request).get(
        request.POST.get("target", "")
    )
    if target is None:
        raise HTTPNotFound()
    try:
        with request.db.begin_nested():
            conversion.convert(request.db, contact_request, target, request.user)
    except conversion.ConversionRefused as refused:
        request.db.refresh(contact_request)
        return _refused(request, 400, page_data(request, contact_request, notice=refused.message))
    request.session.flash(request.localizer.translate(_("Request converted.")))
    return HTTPSeeOther(request.route_url("contact_request", id=contact_request.id))
