"""Payments read from a bank statement file into the local ledger.

The file is CSV as Finnish online banks export incoming reference payments,
one payment a row, with a header row naming at least these columns (in any
order; ``;`` or ``,`` between them; UTF-8):

``date``
    the payment date, ``28.11.2026`` or ``2026-11-28``;
``amount``
    euros, ``1 234,56`` or ``1234.56``;
``reference``
    the invoice's payment reference (national or RF, spaces allowed);
``archive_id``
    the bank's archive id of the payment (arkistointitunnus), which makes a
    file imported twice record each payment once;
``payer`` (optional)
    who paid.

A row is matched to an invoice by its reference. Rows that match no unpaid
invoice, or would pay more than is open, are reported back and left out.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from core.models import User
from plugins.accounting_link import _, references
from plugins.accounting_link.documents import DocumentRefused
from plugins.accounting_link.flow import add_payment
from plugins.accounting_link.models import DocumentKind, PaymentSource, SalesDocument

REQUIRED = ("date", "amount", "reference", "archive_id")
NO_COLUMNS = _("The file needs the columns date, amount, reference and archive_id.")
NOT_TEXT = _("The file is not a UTF-8 CSV file.")
BAD_ROW = _("The date or the amount cannot be read.")
NO_INVOICE = _("No invoice has this reference.")


@dataclass
class ImportResult:
    recorded: int = 0
    already: int = 0
    #: ``(row number, reference, reason)`` of the rows left out.
    skipped: list[tuple[int, str, str]] = field(default_factory=list)


class BankFileRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _date(text: str) -> date:
    for pattern in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), pattern).date()  # noqa: DTZ007 - a date
        except ValueError:
            continue
    raise ValueError(text)


def _amount(text: str) -> Decimal:
    value = Decimal(text.replace("\u00a0", "").replace(" ", "").replace(",", "."))
    if not value.is_finite():
        raise InvalidOperation(text)
    return value


def read_rows(data: bytes) -> list[dict[str, str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BankFileRefused(NOT_TEXT) from None
    sample = text[:2048]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    names = [(name or "").strip().lower() for name in reader.fieldnames or []]
    if not all(column in names for column in REQUIRED):
        raise BankFileRefused(NO_COLUMNS)
    reader.fieldnames = names
    return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]


def import_payments(db: Any, data: bytes, user: User | None) -> ImportResult:
    """Record the file's payments on the invoices their references name."""
    rows = read_rows(data)
    invoices = {
        references.compact(doc.reference): doc
        for doc in db.scalars(
            select(SalesDocument).where(
                SalesDocument.kind == DocumentKind.INVOICE, SalesDocument.reference.is_not(None)
            )
        )
    }
    result = ImportResult()
    for number, row in enumerate(rows, start=2):
        reference = row.get("reference", "")
        try:
            paid_on, amount = _date(row["date"]), _amount(row["amount"])
        except (ValueError, InvalidOperation):
            result.skipped.append((number, reference, BAD_ROW))
            continue
        doc = invoices.get(references.compact(reference))
        if doc is None:
            result.skipped.append((number, reference, NO_INVOICE))
            continue
        try:
            with db.begin_nested():
                payment = add_payment(
                    db,
                    doc,
                    amount,
                    paid_on,
                    user,
                    source=PaymentSource.BANK_FILE,
                    external_id=row["archive_id"] or None,
                    payer=row.get("payer", "")[:200],
                )
        except DocumentRefused as refused:
            result.skipped.append((number, reference, refused.message))
            continue
        if payment is None:
            result.already += 1
        else:
            result.recorded += 1
    return result
