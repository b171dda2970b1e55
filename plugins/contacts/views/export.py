"""CSV export of the filtered customer list, in the Finnish spreadsheet habit."""

from __future__ import annotations

import csv
import io
from typing import Any

from pyramid.response import Response
from pyramid.view import view_config

from core.record_forms import csv_columns
from core.spreadsheet import safe_cell
from plugins.contacts import register
from plugins.contacts.permissions import ContactsPermission
from plugins.contacts.views.customers import list_filters

#: The export's columns: header and how to read the value from a customer.
COLUMNS = (
    ("name", lambda c: c.name),
    ("kind", lambda c: c.kind),
    ("business_id", lambda c: c.business_id or ""),
    ("vat_number", lambda c: c.vat_number or ""),
    ("email", lambda c: c.email or ""),
    ("phone", lambda c: c.phone or ""),
    ("website", lambda c: c.website or ""),
    ("industry", lambda c: c.industry or ""),
    ("language", lambda c: c.language),
    ("tags", lambda c: ", ".join(c.tag_names)),
    ("street", lambda c: c.visiting_address.get("street", "")),
    ("postcode", lambda c: c.visiting_address.get("postcode", "")),
    ("city", lambda c: c.visiting_address.get("city", "")),
)


@view_config(route_name="customers_export", permission=ContactsPermission.CUSTOMER_EXPORT)
def export_customers(request: Any) -> Response:
    """Semicolon-separated UTF-8 with a BOM, which Excel in Finland opens as is."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    columns = [*COLUMNS, *((c.key, c.read) for c in csv_columns(request, "customer"))]
    writer.writerow([name for name, _read in columns])
    for customer in register.all_matching(request.db, list_filters(request)):
        writer.writerow([safe_cell(read(customer)) for _name, read in columns])
    response = Response(buffer.getvalue().encode("utf-8"), content_type="text/csv", charset="utf-8")
    response.content_disposition = 'attachment; filename="asiakkaat.csv"'
    return response
