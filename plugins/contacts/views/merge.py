"""Merging two customers: pick the one to keep, then merge."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select

from plugins.contacts import _, register
from plugins.contacts.models import Customer
from plugins.contacts.permissions import ContactsPermission
from plugins.contacts.views.customers import get_customer


@view_config(
    route_name="customer_merge",
    renderer="plugins.contacts:templates/customer_merge.pt",
    permission=ContactsPermission.CUSTOMER_MERGE,
)
def customer_merge(request: Any) -> Any:
    """GET: candidates (duplicates first, or a search); POST ``survivor``: merge into it."""
    merged = get_customer(request)
    if merged.archived_at is not None:
        raise HTTPNotFound()
    if request.method == "POST":
        survivor = request.db.scalar(
            select(Customer).where(
                Customer.id == _int(request.POST.get("survivor")),
                Customer.id != merged.id,
                Customer.archived_at.is_(None),
            )
        )
        if survivor is None:
            raise HTTPNotFound()
        register.merge_customers(request.db, survivor, merged, request.user)
        request.session.flash(
            request.localizer.translate(
                _(
                    "${merged} was merged into ${survivor}.",
                    mapping={"merged": merged.name, "survivor": survivor.name},
                )
            )
        )
        return HTTPSeeOther(request.route_url("customer", id=survivor.id))
    q = request.GET.get("q", "")[:200]
    if q.strip():
        candidates, _count, _capped = register.list_page(
            request.db, register.CustomerFilter(q=q), 1
        )
    else:
        candidates = register.duplicates(
            request.db, merged.business_id, merged.email, merged.phone, merged.id
        )
    return {
        "customer": merged,
        "candidates": [c for c in candidates if c.id != merged.id],
        "q": q,
    }


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0
