"""The customer register's pages: list and search, create, record page, edit, archive."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from core.forms import row_id
from core.history import CHANGED
from core.i18n import format_number, pluralize
from core.models import Event
from core.people import member_choices, team_choices
from core.record_forms import (
    ListColumn,
    ListFilter,
    filter_conditions,
    form_class,
    list_columns,
    save_extensions,
)
from core.record_forms import list_filters as extension_filters
from plugins.contacts import _, display, register
from plugins.contacts.forms import CustomerForm, split_tags
from plugins.contacts.models import Customer
from plugins.contacts.permissions import ContactsPermission

STALE = _(
    "Someone else saved this customer while you were editing. Your changes were not saved: "
    "check the values now stored and make your change again."
)


def customer_form(request: Any, obj: Any = None) -> CustomerForm:
    form = form_class(request, "customer", CustomerForm).from_request(request, obj=obj)
    form.set_choices(member_choices(request), team_choices(request))
    if request.method != "POST" and obj is not None:
        form.tags.data = ", ".join(obj.tag_names)
        form.responsible_user_id.data = obj.responsible_user_id or 0
        form.team_id.data = obj.team_id or 0
        form.version.data = str(obj.version)
    return form


def form_values(form: CustomerForm) -> dict[str, Any]:
    values = {key: getattr(form, key).data for key in register.TRACKED if hasattr(form, key)}
    for key in ("business_id", "vat_number", "email", "phone", "website", "industry", "title"):
        values[key] = values[key] or None
    values["responsible_user_id"] = values["responsible_user_id"] or None
    values["team_id"] = values["team_id"] or None
    for key in ("visiting_address", "postal_address", "billing_address"):
        values[key] = {k: v for k, v in values[key].items() if v}
    return values


def get_customer(request: Any) -> Customer:
    customer = request.db.scalar(
        select(Customer)
        .where(Customer.id == int(request.matchdict["id"]))
        .options(selectinload(Customer.tags), selectinload(Customer.contacts))
    )
    if customer is None:
        raise HTTPNotFound()
    return customer


def list_filters(
    request: Any,
    columns: list[ListColumn] | None = None,
    extra_filters: list[ListFilter] | None = None,
) -> register.CustomerFilter:
    """The list's search and filters from the query string; unknown values are ignored.

    Other plugins' filters and sortable columns (custom fields) come through core;
    ``columns`` and ``extra_filters`` are theirs when the caller has them already.
    """
    params = request.GET
    sort = params.get("sort", "name")
    if columns is None:
        columns = list_columns(request, "customer")
    if extra_filters is None:
        extra_filters = extension_filters(request, "customer")
    sortable = {c.key: c for c in columns if c.sort is not None}
    extra_order: tuple[Any, ...] = ()
    extra_sort = None
    if sort.lstrip("-") in sortable:
        column = sortable[sort.lstrip("-")]
        extra_sort = (column, sort.startswith("-"))
        extra_order = (
            (column.sort.desc(), Customer.id.desc())
            if sort.startswith("-")
            else (column.sort, Customer.id)
        )
    return register.CustomerFilter(
        q=params.get("q", "")[:200],
        tag=params.get("tag", "")[:60],
        responsible_user_id=row_id(params.get("responsible")),
        team_id=row_id(params.get("team")),
        language=params.get("language", "") if params.get("language") in {"fi", "sv", "en"} else "",
        archived=params.get("archived") == "1",
        sort=sort if sort in register.SORTS or extra_order else "name",
        extra=filter_conditions(extra_filters),
        extra_order=extra_order,
        extra_sort=extra_sort,
    )


@view_config(
    route_name="customers",
    renderer="plugins.contacts:templates/customers.pt",
    kept_page=True,
    permission=ContactsPermission.CUSTOMER_VIEW,
)
def customer_list(request: Any) -> dict[str, Any]:
    params = request.GET
    columns = list_columns(request, "customer")
    extra_filters = extension_filters(request, "customer")
    filters = list_filters(request, columns, extra_filters)
    page = max(row_id(params.get("page")) or 1, 1)
    customers, count, capped = register.list_page(request.db, filters, page, listed_only=True)
    return {
        "customers": customers,
        "customer_tags": register.tag_names(request.db, [c.id for c in customers]),
        "count": count,
        "count_text": pluralize(
            request.localizer,
            "${count} customer",
            "${count} customers",
            count,
            "myynti_contacts",
            {"count": format_number(count, request.locale_name) + ("+" if capped else "")},
        ),
        "capped": capped,
        "filters": filters,
        "page": page,
        "has_next": capped or count > page * register.PAGE_SIZE,
        "users": member_choices(request),
        "teams": team_choices(request),
        "tags": register.all_tags(request.db),
        "query": {k: v for k, v in params.items() if k != "page"},
        "list_filters": extra_filters,
        "columns": columns,
    }


@view_config(
    route_name="customer_new",
    renderer="plugins.contacts:templates/customer_form.pt",
    permission=ContactsPermission.CUSTOMER_EDIT,
)
def customer_new(request: Any) -> Any:
    form = customer_form(request)
    duplicates: list[Customer] = []
    if request.method == "POST" and form.validate():
        values = form_values(form)
        duplicates = register.duplicates(
            request.db, values["business_id"], values["email"], values["phone"]
        )
        if not duplicates or form.create_anyway.data:
            customer = register.create_customer(
                request.db, values, split_tags(form.tags.data), request.user
            )
            save_extensions(request, "customer", customer, form)
            request.session.flash(request.localizer.translate(_("Customer saved.")))
            return HTTPSeeOther(request.route_url("customer", id=customer.id))
    return {
        "form": form,
        "customer": None,
        "duplicates": duplicates,
        "stale": None,
        "new_title": _("New customer"),
    }


@view_config(
    route_name="customer",
    renderer="plugins.contacts:templates/customer.pt",
    kept_page=True,
    permission=ContactsPermission.CUSTOMER_VIEW,
)
def customer_view(request: Any) -> dict[str, Any]:
    customer = get_customer(request)
    request.page_context = customer
    names = dict(member_choices(request))
    teams = dict(team_choices(request))
    locale = request.locale_name
    return {
        "customer": customer,
        "contacts": [p for p in customer.contacts if p.archived_at is None],
        "contact_columns": list_columns(request, "contact_person"),
        # (label, text, link): e-mail and phone are links to write and to call.
        "details": [
            (_("Business ID"), customer.business_id, None),
            (_("VAT number"), customer.vat_number, None),
            (_("E-mail"), customer.email, display.mailto_href(customer.email)),
            (_("Phone"), customer.phone, display.tel_href(customer.phone)),
            (_("Web site"), customer.website, display.web_href(customer.website)),
            (_("Industry"), customer.industry, None),
            (_("Title"), customer.title, None),
            (_("Language"), display.language_name(customer.language, locale), None),
            (_("Responsible person"), names.get(customer.responsible_user_id, ""), None),
            (_("Team"), teams.get(customer.team_id, ""), None),
        ],
        "addresses": [
            (label, {**value, "country": display.country_name(value.get("country"), locale)})
            for label, value in (
                (_("Visiting address"), customer.visiting_address),
                (_("Postal address"), customer.postal_address),
                (_("Billing address"), customer.billing_address),
            )
            if value
        ],
        "display": display,
        "duplicates": register.duplicates(
            request.db, customer.business_id, customer.email, customer.phone, customer.id
        ),
    }


@view_config(
    route_name="customer_edit",
    renderer="plugins.contacts:templates/customer_form.pt",
    permission=ContactsPermission.CUSTOMER_EDIT,
)
def customer_edit(request: Any) -> Any:
    customer = get_customer(request)
    if customer.archived_at is not None:
        raise HTTPNotFound()
    form = customer_form(request, customer)
    stale = None
    if request.method == "POST" and form.validate():
        if str(customer.version) != (form.version.data or ""):
            stale = _stale_report(request, customer)
        else:
            # The version check above misses a save that lands between it and the
            # flush; the version column catches that one, inside a savepoint.
            try:
                with request.db.begin_nested():
                    register.update_customer(
                        request.db,
                        customer,
                        form_values(form),
                        split_tags(form.tags.data),
                        request.user,
                    )
                    save_extensions(request, "customer", customer, form)
            except StaleDataError:
                request.db.expire_all()
                stale = _stale_report(request, customer)
            else:
                request.session.flash(request.localizer.translate(_("Customer saved.")))
                return HTTPSeeOther(request.route_url("customer", id=customer.id))
        request.response.status_int = 409
        form.version.data = str(customer.version)
    return {
        "form": form,
        "customer": customer,
        "duplicates": [],
        "stale": stale,
        "new_title": "",
    }


@view_config(
    route_name="customer_archive",
    request_method="POST",
    permission=ContactsPermission.CUSTOMER_EDIT,
)
def customer_archive(request: Any) -> Any:
    customer = get_customer(request)
    if customer.archived_at is None:
        register.archive_customer(request.db, customer, request.user)
        request.session.flash(request.localizer.translate(_("Customer archived.")))
    return HTTPSeeOther(request.route_url("customer", id=customer.id))


def _stale_report(request: Any, customer: Customer) -> dict[str, Any]:
    """Who changed the customer last, and what: shown beside the refused form."""
    event = request.db.scalar(
        select(Event)
        .where(Event.entity == "customer", Event.record_id == customer.id, Event.kind == CHANGED)
        .order_by(Event.at.desc(), Event.id.desc())
        .limit(1)
    )
    return {
        "message": STALE,
        "by": event.actor_label if event else "",
        "at": event.at if event else None,
        "changes": event.payload.get("changes", {}) if event else {},
    }
