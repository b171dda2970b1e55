"""A report's table as a file: CSV in the Finnish dialect, or an XLSX workbook.

CSV: ``;`` between cells, decimal comma, UTF-8 with a BOM, as Excel in
Finland opens it. Every cell goes through ``core.spreadsheet.safe_cell`` so a
customer name like ``=HYPERLINK(...)`` stays text; in XLSX text cells are
written as strings, never as formulas.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from core.spreadsheet import safe_cell
from plugins.reports.cells import XLSX_FORMATS, csv_text, xlsx_value

#: Excel's limit for a sheet's name.
SHEET_NAME_MAX = 31


def csv_bytes(result: dict[str, Any], heading: Callable[[dict[str, Any]], str]) -> bytes:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    columns = result["columns"]
    writer.writerow([safe_cell(heading(column)) for column in columns])
    for row in result["rows"]:
        writer.writerow([safe_cell(csv_text(row.get(c["key"]), c["kind"])) for c in columns])
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(
    result: dict[str, Any], heading: Callable[[dict[str, Any]], str], title: str
) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "".join(c for c in title if c not in "[]:*?/\\")[:SHEET_NAME_MAX] or "Report"
    columns = result["columns"]
    sheet.append([heading(column) for column in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in result["rows"]:
        values = []
        for column in columns:
            value = xlsx_value(row.get(column["key"]), column["kind"])
            values.append(safe_cell(value) if isinstance(value, str) else value)
        sheet.append(values)
    for index, column in enumerate(columns, start=1):
        number_format = XLSX_FORMATS.get(column["kind"])
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = number_format
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
