"""The task page's financial panel: its documents, their states and sums, what is left.

One query reads the columns the panel shows of all the task's documents
(``ix_sales_document_task``); the sums are added up from those rows, so a task
with hundreds of documents costs one indexed read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from core import Panel
from plugins.accounting_link import _
from plugins.accounting_link.flow import UNPAID_STATES
from plugins.accounting_link.models import (
    DocumentKind,
    InvoiceState,
    OrderState,
    QuoteState,
    SalesDocument,
)
from plugins.accounting_link.permissions import AccountingPermission
from plugins.workflow.models import Task

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class DocumentRow:
    id: int
    kind: str
    number: int
    state: str
    document_date: date
    gross_total: Decimal
    open: Decimal
    sync_state: str


@dataclass(frozen=True)
class TaskSummary:
    rows: list[DocumentRow]
    quote_backlog: Decimal
    to_invoice: Decimal
    invoiced: Decimal
    unpaid: Decimal


def _open(kind: str, state: str, gross: Decimal, settled: Decimal) -> Decimal:
    if kind == DocumentKind.ORDER and state != OrderState.INVOICED:
        return gross - settled
    if kind == DocumentKind.INVOICE and state in UNPAID_STATES:
        return gross - settled
    return ZERO


def task_summary(db: Any, task_id: int) -> TaskSummary:
    query = (
        select(
            SalesDocument.id,
            SalesDocument.kind,
            SalesDocument.number,
            SalesDocument.state,
            SalesDocument.document_date,
            SalesDocument.gross_total,
            SalesDocument.settled_total,
            SalesDocument.sync_state,
        )
        .where(SalesDocument.task_id == task_id)
        .order_by(SalesDocument.document_date.desc(), SalesDocument.id.desc())
    )
    rows = [
        DocumentRow(i, kind, number, state, day, gross, _open(kind, state, gross, settled), sync)
        for i, kind, number, state, day, gross, settled, sync in db.execute(query)
    ]
    quotes = sum(
        (
            r.gross_total
            for r in rows
            if r.kind == DocumentKind.QUOTE and r.state in (QuoteState.DRAFT, QuoteState.SENT)
        ),
        ZERO,
    )
    to_invoice = sum((r.open for r in rows if r.kind == DocumentKind.ORDER), ZERO)
    invoiced = sum(
        (
            r.gross_total
            for r in rows
            if r.kind == DocumentKind.CREDIT_NOTE
            or (r.kind == DocumentKind.INVOICE and r.state != InvoiceState.DRAFT)
        ),
        ZERO,
    )
    unpaid = sum((r.open for r in rows if r.kind == DocumentKind.INVOICE), ZERO)
    return TaskSummary(rows, quotes, to_invoice, invoiced, unpaid)


def task_panels(request: Any, slot: str, context: Any) -> list[Panel]:
    if slot != "record_tabs" or not isinstance(context, Task):
        return []
    if not request.has_permission(AccountingPermission.DOCUMENT_VIEW):
        return []
    return [
        Panel(
            title=_("Financials"),
            template="plugins.accounting_link:templates/panel_task_documents.pt",
            data={
                "task": context,
                "summary": task_summary(request.db, context.id),
                "can_add": context.customer_id is not None
                and request.has_permission(AccountingPermission.DOCUMENT_EDIT),
            },
            order=20,
            key="accounting-task-documents",
        )
    ]
