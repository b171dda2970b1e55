"""An invoice's payment reference: made from its number in the tenant's chosen form, or
typed by hand and checked (``references`` does the arithmetic, and gives the
printed form with ``references.printed``).

The messages here are this plugin's, so the user reads them in their language.
"""

from __future__ import annotations

import re

from plugins.accounting_link import _, references
from plugins.accounting_link.models import ReferenceKind

WRONG_CHECK_DIGIT = _("The check digit of the reference number is wrong.")
MALFORMED = _(
    "Enter a reference number of 4–20 digits (e.g. 1232) or an RF reference (e.g. RF11 1232)."
)
#: What a reference looks like whatever its check digits: so a failure is a wrong digit.
SHAPE = re.compile(r"^(\d{4,20}|RF\d{2}[0-9A-Z]{1,21})$")


def problem(text: str) -> str | None:
    """What is wrong with a typed reference, or None when it is a valid one."""
    try:
        references.validate(text)
    except references.InvalidReference:
        return WRONG_CHECK_DIGIT if SHAPE.match(references.compact(text)) else MALFORMED
    return None


def reference_of(reference_kind: str, number: int, typed: str | None = None) -> str:
    """An invoice's printed reference: the typed one, else one made from its number.

    ``reference_kind`` is the tenant's choice (``ReferenceKind``): national or RF.
    """
    if typed:
        return references.printed(typed)
    if reference_kind == ReferenceKind.RF:
        return references.printed(references.make_rf(number))
    return references.printed(references.make_national(number))
