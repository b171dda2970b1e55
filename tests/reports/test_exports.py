"""CSV (Finnish dialect) and XLSX exports of a report: same figures, same people, safe cells."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import load_workbook

from tests.reports.conftest import HALF


def _csv_rows(response) -> list[list[str]]:
    assert response.body.startswith("\ufeff".encode())
    text = response.body.decode("utf-8-sig")
    return [line.split(";") for line in text.split("\r\n") if line]


def test_csv_is_in_the_finnish_dialect(webapp, as_anna):
    response = webapp.get(as_anna.url(f"/reports/reports.sales/export.csv?{HALF}"))
    assert response.content_type == "text/csv"
    assert 'filename="reports-sales.csv"' in response.headers["Content-Disposition"]
    rows = _csv_rows(response)
    assert rows[0] == ["Period", "Won", "Won value", "Lost", "Win rate", "Average days to win"]
    assert rows[1] == ["1/2026", "2", "1500,00", "0", "100,0", "15"]
    assert rows[3] == ["3/2026", "1", "2000,50", "1", "50,0", "30"]


def test_csv_cells_cannot_start_a_formula(webapp, as_anna):
    response = webapp.get(
        as_anna.url(f"/reports/reports.sales/export.csv?{HALF}&dimension=customer")
    )
    names = [row[0] for row in _csv_rows(response)[1:]]
    assert "'=Rakennus Virtanen Oy" in names


def test_xlsx_has_numbers_as_numbers(webapp, as_anna):
    response = webapp.get(
        as_anna.url(f"/reports/reports.sales/export.xlsx?{HALF}&dimension=customer")
    )
    assert response.content_type.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.body)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Customer", "Won", "Won value")
    by_name = {row[0]: row for row in rows[1:]}
    customer = by_name["'=Rakennus Virtanen Oy"]
    assert customer[1] == 1 and Decimal(str(customer[2])) == Decimal("1000")
    assert sheet.cell(row=2, column=1).data_type == "s"


def test_an_export_counts_only_the_people_a_member_may_see(webapp, as_maija):
    rows = _csv_rows(webapp.get(as_maija.url(f"/reports/reports.sales/export.csv?{HALF}")))
    assert rows[1][:3] == ["1/2026", "1", "1000,00"]


def test_a_bad_period_gets_no_export(webapp, as_anna):
    response = webapp.get(
        as_anna.url("/reports/reports.sales/export.xlsx?start=2026-06-01&end=2026-01-01"),
        status=400,
    )
    assert response.html.select_one("#end-error") is not None


def test_the_pipeline_exports_too(webapp, as_anna):
    rows = _csv_rows(webapp.get(as_anna.url("/reports/reports.pipeline/export.csv")))
    assert rows[1] == ["New", "2", "400,00", "40,00", "0"]
