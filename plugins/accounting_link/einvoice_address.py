"""A Finnish e-invoice address (verkkolaskuosoite) and its operator's code (välittäjätunnus).

An address is an OVT identifier — ``0037``, the eight digits of the
receiver's business ID and up to five letters or digits naming a unit — or
an IBAN, when the invoices reach the buyer through its bank. The operator is
named by its own OVT identifier (Maventa ``003721291126``), by a bank's BIC
(``NDEAFIHH``), or by one of the ``E`` codes operators registered before OVT
identifiers (OpusCapita ``E204503``). An IBAN address is a bank's: its
operator is the bank's BIC. The business ID inside an OVT identifier must
have a valid check digit, so a mistyped digit is caught.
"""

from __future__ import annotations

import re

from stdnum import bic, iban
from stdnum.fi import ytunnus

from plugins.accounting_link import _

OVT = re.compile(r"^0037(\d{8})([0-9A-Z]{0,5})$")
E_CODE = re.compile(r"^E\d{6}$")

BAD_ADDRESS = _(
    "Enter an OVT identifier (0037 and the business ID's digits, e.g. 003712345671) or an IBAN."
)
BAD_OPERATOR = _(
    "Enter the operator's OVT identifier (e.g. 003721291126) or a bank's BIC (e.g. NDEAFIHH)."
)
NO_ADDRESS = _("Enter the e-invoice address, or leave the operator empty too.")
NO_OPERATOR = _("Enter the operator of the e-invoice address.")
BANK_OPERATOR = _("An IBAN address goes through a bank: enter the bank's BIC as the operator.")


def compact(text: str | None) -> str:
    """``"0037 1234567-1"`` -> ``"003712345671"``: no spaces or hyphens, capitals."""
    return re.sub(r"[\s-]", "", text or "").upper()


def is_ovt(text: str) -> bool:
    found = OVT.match(text)
    return found is not None and ytunnus.is_valid(found.group(1))


def problems(address: str, operator: str) -> dict[str, str]:
    """What is wrong with the compact ``address`` and ``operator``, by ``"address"``/``"operator"``.

    Both empty is no e-invoicing, and fine.
    """
    found: dict[str, str] = {}
    by_bank = iban.is_valid(address)
    if address and not (is_ovt(address) or by_bank):
        found["address"] = BAD_ADDRESS
    if operator and not (is_ovt(operator) or bic.is_valid(operator) or E_CODE.match(operator)):
        found["operator"] = BAD_OPERATOR
    elif operator and by_bank and not bic.is_valid(operator):
        found["operator"] = BANK_OPERATOR
    if operator and not address:
        found.setdefault("address", NO_ADDRESS)
    if address and not operator:
        found.setdefault("operator", NO_OPERATOR)
    return found
