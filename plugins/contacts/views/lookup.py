"""Customer lookup for pickers: ``GET /t/{tenant}/customers/lookup?q=`` answers JSON.

A form that lets the user pick a customer (a task's, for one) offers a
select of the first customers and a search box over this lookup, so a
register of thousands of customers is searchable from the form. The search
is the customer list's own (``register.search_condition``).
"""

from __future__ import annotations

from typing import Any

from pyramid.view import view_config

from plugins.contacts import register
from plugins.contacts.models import Customer
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
