"""The Finnish virtual bank barcode (virtuaaliviivakoodi), versions 4 and 5.

Per Finanssiala's *Pankkiviivakoodi-opas*: 54 digits, the payer types or
scans it into the bank to fill in account, amount, reference and due date.

Version 4 (national reference)::

    4 | IBAN digits (16) | euros (6) | cents (2) | 000 | reference (20) | YYMMDD

Version 5 (RF reference)::

    5 | IBAN digits (16) | euros (6) | cents (2) | RF check (2) | reference (21) | YYMMDD

An amount of a million euros or more, or none, is given as zeros (the payer
types it); so is a missing due date.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from stdnum import iban as iban_number

from plugins.accounting_link.references import compact, validate

MAX_AMOUNT = Decimal("999999.99")


class BarcodeError(ValueError):
    """The barcode cannot be made: the account is not a Finnish IBAN or the reference is bad."""


def virtual_barcode(
    iban: str, amount: Decimal | None, reference: str, due_date: date | None
) -> str:
    """The 54-digit virtual barcode; version 5 for an RF reference, else 4."""
    account = compact(iban)
    if not account.startswith("FI") or not iban_number.is_valid(account):
        raise BarcodeError(f"{iban!r} is not a Finnish IBAN.")
    try:
        ref = validate(reference)
    except ValueError as error:
        raise BarcodeError(str(error)) from error
    if ref.startswith("RF") and not ref[4:].isdigit():
        raise BarcodeError("Only a numeric RF reference fits the barcode.")
    if amount is None or amount < 0 or amount > MAX_AMOUNT:
        money = "0" * 8
    else:
        money = f"{int(amount.quantize(Decimal('0.01')) * 100):08d}"
    due = due_date.strftime("%y%m%d") if due_date else "000000"
    if ref.startswith("RF"):
        code = "5" + account[2:] + money + ref[2:4] + ref[4:].zfill(21) + due
    else:
        code = "4" + account[2:] + money + "000" + ref.zfill(20) + due
    return code
