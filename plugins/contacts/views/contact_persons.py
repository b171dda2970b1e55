"""A company's contact persons: add, edit (with optimistic locking), archive."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select

from core.record_forms import form_class, save_extensions
from plugins.contacts import _, register
from plugins.contacts.forms import ContactPersonForm
from plugins.contacts.models import ContactPerson, CustomerKind
from plugins.contacts.permissions import ContactsPermission
from plugins.contacts.views.customers import get_customer

STALE = _("Someone else saved this contact person meanwhile; the values now stored are shown.")


def _person(request: Any, customer_id: int) -> ContactPerson:
    person = request.db.scalar(
        select(ContactPerson).where(
            ContactPerson.id == int(request.matchdict["person_id"]),
            ContactPerson.customer_id == customer_id,
            ContactPerson.archived_at.is_(None),
        )
    )
    if person is None:
        raise HTTPNotFound()
    return person


def _editable_company(request: Any) -> Any:
    customer = get_customer(request)
    if customer.archived_at is not None or customer.kind != CustomerKind.COMPANY:
        raise HTTPNotFound()
    return customer


@view_config(
    route_name="contact_person_new",
    renderer="plugins.contacts:templates/contact_person_form.pt",
    permission=ContactsPermission.CUSTOMER_EDIT,
)
def contact_person_new(request: Any) -> Any:
    customer = _editable_company(request)
    form = form_class(request, "contact_person", ContactPersonForm).from_request(request)
    if request.method == "POST" and form.validate():
        person = register.add_contact_person(
            request.db, customer, register.person_values(form), request.user
        )
        save_extensions(request, "contact_person", person, form)
        request.session.flash(request.localizer.translate(_("Contact person saved.")))
        return HTTPSeeOther(request.route_url("customer", id=customer.id))
    return {"form": form, "customer": customer, "person": None, "stale": None}


@view_config(
    route_name="contact_person_edit",
    renderer="plugins.contacts:templates/contact_person_form.pt",
    permission=ContactsPermission.CUSTOMER_EDIT,
)
def contact_person_edit(request: Any) -> Any:
    customer = _editable_company(request)
    person = _person(request, customer.id)
    form = form_class(request, "contact_person", ContactPersonForm).from_request(
        request, obj=person
    )
    stale = None
    if request.method == "POST" and form.validate():
        if form.version.data != person.version:
            stale = STALE
            request.response.status_int = 409
            form.version.data = person.version
        else:
            register.update_contact_person(
                request.db, customer, person, register.person_values(form), request.user
            )
            save_extensions(request, "contact_person", person, form)
            request.session.flash(request.localizer.translate(_("Contact person saved.")))
            return HTTPSeeOther(request.route_url("customer", id=customer.id))
    return {"form": form, "customer": customer, "person": person, "stale": stale}


@view_config(
    route_name="contact_person_archive",
    request_method="POST",
    permission=ContactsPermission.CUSTOMER_EDIT,
)
def contact_person_archive(request: Any) -> Any:
    customer = _editable_company(request)
    person = _person(request, customer.id)
    register.archive_contact_person(request.db, customer, person, request.user)
    request.session.flash(request.localizer.translate(_("Contact person archived.")))
    return HTTPSeeOther(request.route_url("customer", id=customer.id))
