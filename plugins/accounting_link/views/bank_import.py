"""Importing a bank statement file of incoming payments (``bank_file.py`` describes it)."""

from __future__ import annotations

from typing import Any

from pyramid.view import view_config

from plugins.accounting_link import _
from plugins.accounting_link.bank_file import BankFileRefused, import_payments
from plugins.accounting_link.permissions import AccountingPermission

TEMPLATE = "plugins.accounting_link:templates/bank_import.pt"
NO_FILE = _("Choose a file.")
TOO_LARGE = _("The file is larger than 5 MB.")
MAX_BYTES = 5 * 1024 * 1024


@view_config(
    route_name="sales_payments_import",
    renderer=TEMPLATE,
    permission=AccountingPermission.PAYMENT_EDIT,
)
def bank_import(request: Any) -> dict[str, Any]:
    if request.method != "POST":
        return {"result": None, "error": None}
    upload = request.POST.get("file")
    data = upload.file.read(MAX_BYTES + 1) if hasattr(upload, "file") else b""
    error = NO_FILE if not data else TOO_LARGE if len(data) > MAX_BYTES else None
    result = None
    if error is None:
        try:
            with request.db.begin_nested():
                result = import_payments(request.db, data, request.user)
        except BankFileRefused as refused:
            error = refused.message
    if error is not None:
        request.response.status_int = 400
    return {"result": result, "error": error}
