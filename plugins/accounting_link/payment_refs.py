"""An invoice's payment reference: made from its number in the tenant's chosen form, or
typed by hand and checked.

National references carry the 7-3-1 check digit (Finanssiala's rule); RF
references (ISO 11649) are checked and formatted by python-stdnum.
"""

from __future__ import annotations

import re
from typing import Any

from stdnum import iso11649
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.iso7064 import mod_97_10

from plugins.accounting_link import _
from plugins.accounting_link.documents import settings_of
from plugins.accounting_link.models import ReferenceKind, SalesDocument

WRONG_CHECK_DIGIT = _("The check digit of the reference number is wrong.")
MALFORMED = _(
    "Enter a reference number of 4–20 digits (e.g. 1232) or an RF reference (e.g. RF11 1232)."
)
WEIGHTS = (7, 3, 1)


def check_digit(base: str) -> str:
    """The 7-3-1 check digit of ``base`` (digits, weighted from the right)."""
    total = sum(int(d) * WEIGHTS[i % 3] for i, d in enumerate(reversed(base)))
    return str((10 - total % 10) % 10)


def national(base: str) -> str:
    """A national reference of ``base`` (3–19 digits) with its check digit."""
    digits = base.zfill(3)
    return digits + check_digit(digits)


def rf(base: str) -> str:
    """The RF form of a national reference."""
    check = mod_97_10.calc_check_digits(base + "RF")
    return f"RF{check}{base}"


def compact(text: str) -> str:
    return re.sub(r"\s+", "", text).upper()


def problem(text: str) -> str | None:
    """What is wrong with a typed reference, or None when it is a valid one."""
    value = compact(text)
    if value.startswith("RF"):
        try:
            iso11649.validate(value)
        except InvalidChecksum:
            return WRONG_CHECK_DIGIT
        except StdnumError:
            return MALFORMED
        return None
    if not value.isdigit() or not 4 <= len(value) <= 20:
        return MALFORMED
    if check_digit(value[:-1]) != value[-1]:
        return WRONG_CHECK_DIGIT
    return None


def printed(text: str) -> str:
    """A valid reference in its printed form: national in groups of five from the right."""
    value = compact(text)
    if value.startswith("RF"):
        return iso11649.format(value)
    groups = []
    while value:
        groups.insert(0, value[-5:])
        value = value[:-5]
    return " ".join(groups)


def assign(db: Any, doc: SalesDocument, typed: str | None) -> None:
    """Give an invoice its reference: the typed one, else one made from its number."""
    if typed:
        doc.reference = printed(typed)
        return
    reference = national(str(doc.number))
    if settings_of(db).reference_kind == ReferenceKind.RF:
        reference = rf(reference)
    doc.reference = printed(reference)
