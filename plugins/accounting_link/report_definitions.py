"""The results view and invoicing, contributed to the reports plugin.

Plain data through ``myynti_reports`` (``hookimpl(optionalhook=True)`` in
``hooks.py``): this plugin does not depend on reports nor import it, and where
reports is not installed or not enabled the hook is never called.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from sqlalchemy import func, select

from core.models import User
from plugins.accounting_link import _
from plugins.accounting_link.models import DocumentKind, InvoiceState, SalesDocument
from plugins.accounting_link.permissions import AccountingPermission
from plugins.accounting_link.results import results
from plugins.contacts.models import Customer

RESULTS = _("Results view")
INVOICING = _("Invoicing")
MEASURE_TITLES = {
    "quote_backlog": _("Quote backlog"),
    "order_backlog": _("Order backlog"),
    "not_invoiced": _("Not invoiced"),
}
CUSTOMER = ("customer", _("Customer"))
SALESPERSON = ("salesperson", _("Salesperson"))
PRODUCT = ("product", _("Product"))
NET = _("Net amount")


def report_definitions(request: Any) -> list[dict[str, Any]]:
    """The backlogs and not-invoiced amounts by customer, salesperson or product; invoicing."""
    if not request.has_permission(AccountingPermission.DOCUMENT_VIEW):
        return []
    definitions = [
        {
            "key": f"accounting_link.{measure}",
            "title": title,
            "group": RESULTS,
            "permission": AccountingPermission.DOCUMENT_VIEW,
            "filters": (),
            "dimensions": [CUSTOMER, SALESPERSON, PRODUCT],
            "run": partial(_results, measure),
        }
        for measure, title in MEASURE_TITLES.items()
    ]
    definitions.append(
        {
            "key": "accounting_link.invoicing",
            "title": INVOICING,
            "group": RESULTS,
            "permission": AccountingPermission.DOCUMENT_VIEW,
            "filters": ("period",),
            "dimensions": [CUSTOMER, SALESPERSON],
            "run": _invoicing,
        }
    )
    return definitions


def _customer_link(request: Any, group: str) -> Any:
    def drill(row: dict[str, Any], column: str) -> str | None:
        if group != "customer" or row["id"] is None:
            return None
        return request.route_url("customer", id=row["id"])

    return drill


def _results(measure: str, request: Any, params: dict[str, Any]) -> dict[str, Any]:
    group = params["dimension"]
    found = results(request.db, measure, group, params["visible_user_ids"])
    label = dict([CUSTOMER, SALESPERSON, PRODUCT])[group]
    return {
        "columns": [
            {"key": "name", "label": label, "kind": "text"},
            {"key": "amount", "label": NET, "kind": "money"},
        ],
        "rows": [{"id": row.key, "name": row.name, "amount": row.amount} for row in found],
        "chart": {"type": "bars", "label": "name", "value": "amount"},
        "drill": _customer_link(request, group),
    }


def _invoicing(request: Any, params: dict[str, Any]) -> dict[str, Any]:
    """Invoices and credit notes dated in the period: how many, their sums, what is unpaid."""
    group = params["dimension"]
    key, name = {
        "customer": (SalesDocument.customer_id, Customer.name),
        "salesperson": (SalesDocument.salesperson_user_id, User.name),
    }[group]
    query = (
        select(
            key,
            name,
            func.count(SalesDocument.id),
            func.sum(SalesDocument.net_total),
            func.sum(SalesDocument.gross_total),
            func.sum(SalesDocument.gross_total - SalesDocument.settled_total),
        )
        .where(
            SalesDocument.kind.in_((DocumentKind.INVOICE, DocumentKind.CREDIT_NOTE)),
            SalesDocument.state != InvoiceState.DRAFT,
            SalesDocument.document_date.between(params["start"], params["end"]),
        )
        .group_by(key, name)
        .order_by(func.sum(SalesDocument.net_total).desc())
    )
    if params["visible_user_ids"] is not None:
        query = query.where(
            SalesDocument.salesperson_user_id.in_(sorted(params["visible_user_ids"]))
        )
    if group == "customer":
        query = query.join(Customer, Customer.id == SalesDocument.customer_id)
    else:
        query = query.outerjoin(User, User.id == SalesDocument.salesperson_user_id)
    rows = [
        {"id": k, "name": n or "", "count": c, "net": net, "gross": gross, "open": unpaid}
        for k, n, c, net, gross, unpaid in request.db.execute(query)
    ]
    return {
        "columns": [
            {"key": "name", "label": dict([CUSTOMER, SALESPERSON])[group], "kind": "text"},
            {
                "key": "count",
                "label": {"fi": "Laskuja", "sv": "Fakturor", "en": "Invoices"},
                "kind": "int",
            },
            {"key": "net", "label": NET, "kind": "money"},
            {
                "key": "gross",
                "label": _("Gross"),
                "kind": "money",
            },
            {
                "key": "open",
                "label": _("Unpaid"),
                "kind": "money",
            },
        ],
        "rows": rows,
        "chart": {"type": "bars", "label": "name", "value": "net"},
        "drill": _customer_link(request, group),
    }
