"""A report's values as text: on the page and in CSV (Finnish), and as XLSX cells."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from core.i18n import format_date, format_money, format_number


def page_text(value: Any, kind: str, locale: str) -> str:
    """A value as the page shows it: ``1 234,56 €``, ``12,5 %``, ``28.11.2026``."""
    if value is None or value == "":
        return ""
    if kind == "int":
        return format_number(value, locale, 0)
    if kind == "money":
        return format_money(value, locale)
    if kind == "percent":
        return format_number(value, locale, 1) + "\u00a0%"
    if kind == "date" and isinstance(value, date):
        return format_date(value, locale)
    return str(value)


def csv_text(value: Any, kind: str) -> str:
    """A value for a Finnish CSV: decimal comma, no thousands separator, ``d.M.yyyy``.

    Excel in Finland reads these as numbers and dates.
    """
    if value is None or value == "":
        return ""
    if kind == "int":
        return str(int(value))
    if kind == "money":
        return f"{Decimal(value):.2f}".replace(".", ",")
    if kind == "percent":
        return f"{float(value):.1f}".replace(".", ",")
    if kind == "date" and isinstance(value, date):
        return f"{value.day}.{value.month}.{value.year}"
    return str(value)


#: XLSX number formats by kind (Excel shows them in the reader's own locale).
XLSX_FORMATS = {"int": "#,##0", "money": "#,##0.00 [$€-40B]", "percent": "0.0", "date": "d.m.yyyy"}


def xlsx_value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "int":
        return int(value)
    if kind in ("money", "percent"):
        return float(value)
    if kind == "date":
        return value
    return str(value)
