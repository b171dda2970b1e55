"""The rows an import left out, as a CSV to fix and import again.

The file keeps the uploaded columns as they were, plus a last column saying why each
row was refused; Finnish spreadsheet habits (UTF-8 with a BOM, semicolons, CRLF), and
every cell defused (``core.spreadsheet.safe_cell``), since the cells came from outside.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from core.spreadsheet import safe_cell


def refused_rows_csv(
    headers: list[str], rows: Iterable[tuple[list[str], str]], reason_header: str
) -> bytes:
    """``rows`` are ``(the row's cells as uploaded, why it was refused)``."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in [*headers, reason_header]])
    width = len(headers)
    for cells, reason in rows:
        padded = (cells + [""] * width)[:width]
        writer.writerow([safe_cell(cell) for cell in [*padded, reason]])
    return buffer.getvalue().encode("utf-8")


def refusals_path(import_dir: Path, token: str) -> Path:
    """Where the refused rows of the import ``token`` wait to be downloaded."""
    folder = import_dir / "refused"
    folder.mkdir(exist_ok=True)
    return folder / f"{token}.csv"
