"""The results view and invoicing, contributed to the reports plugin (when the tenant has it)."""

from __future__ import annotations

from decimal import Decimal

from core.licensing import enable_plugin
from plugins.accounting_link.flow import take_step
from plugins.accounting_link.models import DocumentKind
from tests.accounting_link.conftest import line, make_doc
from tests.reports.test_sales import _table


def _with_reports(db, myynti_registry, shop) -> None:
    enable_plugin(db, myynti_registry, shop.tenant, "reports", with_dependencies=True)
    db.flush()


def test_the_backlogs_are_reports_by_customer_salesperson_and_product(
    webapp, db, myynti_registry, shop, login
):
    _with_reports(db, myynti_registry, shop)
    make_doc(db, shop, DocumentKind.QUOTE, lines=[line(shop, "10", "68.00")])
    login(webapp, "anna@acme.example")

    listing = webapp.get("/t/acme/reports")
    page = webapp.get("/t/acme/reports/accounting_link.quote_backlog")
    by_salesperson = webapp.get(
        "/t/acme/reports/accounting_link.quote_backlog", {"dimension": "salesperson"}
    )

    keys = {li["data-report"] for li in listing.html.select("li[data-report]")}
    assert {"accounting_link.quote_backlog", "accounting_link.invoicing"} <= keys
    assert _table(page)[0][:2] == ["Rakennus Virtanen Oy", "680,00 €"]
    assert page.html.select_one("#report-table td a")["href"].endswith(
        f"/t/acme/customers/{shop.customer.id}"
    )
    assert _table(by_salesperson)[0][0] == "Maija Myyjä"


def test_invoicing_counts_the_period_s_sent_invoices_and_what_is_unpaid(
    webapp, db, myynti_registry, shop, login
):
    _with_reports(db, myynti_registry, shop)
    invoice = make_doc(db, shop, DocumentKind.INVOICE, lines=[line(shop, "10", "100.00")])
    take_step(db, invoice, "send", shop.maija)
    make_doc(db, shop, DocumentKind.INVOICE)  # a draft: not invoiced yet
    login(webapp, "anna@acme.example")
    day = invoice.document_date.isoformat()

    page = webapp.get("/t/acme/reports/accounting_link.invoicing", {"start": day, "end": day})
    csv = webapp.get(
        "/t/acme/reports/accounting_link.invoicing/export.csv", {"start": day, "end": day}
    ).body.decode("utf-8-sig")

    assert _table(page) == [["Rakennus Virtanen Oy", "1", "1 000,00 €", "1 255,00 €", "1 255,00 €"]]
    assert "Rakennus Virtanen Oy;1;1000,00;1255,00;1255,00" in csv.replace("\u00a0", "")
    assert invoice.gross_total == Decimal("1255.00")


def test_without_the_reports_plugin_there_are_no_reports(webapp, shop, login):
    login(webapp, "anna@acme.example")
    webapp.get("/t/acme/reports/accounting_link.quote_backlog", status=404)
