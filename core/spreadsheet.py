"""Cells of files a spreadsheet opens (CSV exports), made safe to open."""

from __future__ import annotations

#: A cell starting with one of these is read as a formula by Excel or LibreOffice
#: (TAB and CR too, which they skip before looking for ``=``).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    """Defuse a formula (CSV injection): a cell that would start one is kept as text."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value
