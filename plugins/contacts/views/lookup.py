"""Lookups for pickers, answering JSON ``{"results": [{"id", "label"}], "more"}``.

* ``GET /t/{tenant}/customers/lookup?q=``: a form that lets the user pick a
  customer (a task's, for one) offers a select of the first customers and a
  search box over this lookup, so a register of thousands of customers is
  searchable from the form. The search is the customer list's own
  (``register.search_condition``).
* ``GET /t/{tenant}/customers/lookup/contacts?customer=ID``: the customer's
  contact persons, for a contact person select that follows the customer one.

``core/static/selects.js`` does the asking.
"""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config
from sqlalchemy import select

from core.forms import row_id
from plugins.contacts import register
from plugins.contacts.models import ContactPerson, Customer
from plugins.contacts.permissions import ContactsPermission

#: A lookup answers with this many customers at most.
LOOKUP_LIMIT = 20
QUERY_MAX = 200


@view_config(
    route_name="customers_lookup",
    renderer="json",
    permission=ContactsPermission.CUSTOMER_VIEW,
)
def customer_lookup(request: Any) -> dict[str, Any]:
    """Active customers matching ``q``, by name; ``more`` when there are others."""
    q = request.GET.get("q", "")[:QUERY_MAX].strip()
    if not q:
        return {"results": [], "more": False}
    query = register.customer_query(register.CustomerFilter(q=q)).limit(LOOKUP_LIMIT + 1)
    found = list(request.db.scalars(query))
    return {
        "results": [{"id": c.id, "label": lookup_label(c)} for c in found[:LOOKUP_LIMIT]],
        "more": len(found) > LOOKUP_LIMIT,
    }


def lookup_label(customer: Customer) -> str:
    """The name, with what tells namesakes apart: business ID and city."""
    details = [customer.business_id, (customer.visiting_address or {}).get("city")]
    extra = ", ".join(d for d in details if d)
    return f"{customer.name} ({extra})" if extra else customer.name


@view_config(
    route_name="customers_lookup_contacts",
    renderer="json",
    permission=ContactsPermission.CUSTOMER_VIEW,
)
def contact_person_lookup(request: Any) -> dict[str, Any]:
    """The active contact persons of customer ``customer``, by name; 404 for no such customer."""
    customer_id = row_id(request.GET.get("customer"))
    customer = request.db.get(Customer, customer_id) if customer_id else None
    if customer is None:
        raise HTTPNotFound()
    persons = request.db.scalars(
        select(ContactPerson)
        .where(ContactPerson.customer_id == customer.id, ContactPerson.archived_at.is_(None))
        .order_by(ContactPerson.name, ContactPerson.id)
    )
    return {
        "results": [
            {"id": p.id, "label": f"{p.name} ({p.title})" if p.title else p.name} for p in persons
        ],
        "more": False,
    }
