"""The local ledger: payments imported from a bank file (once), products kept by the admin."""

from __future__ import annotations

from decimal import Decimal

from core.db import set_tenant
from plugins.accounting_link.flow import take_step
from plugins.accounting_link.models import Product
from tests.accounting_link.conftest import make_doc


def sent_invoice(db, shop):
    doc = make_doc(db, shop)
    take_step(db, doc, "send", shop.maija)
    db.flush()
    return doc


def upload(webapp, content: str, status=200):
    form = webapp.get("/t/acme/sales/payments/import").forms["bank-import-form"]
    form["file"] = ("tiliote.csv", content.encode("utf-8"))
    return form.submit(status=status)


def test_a_bank_file_pays_invoices_by_reference_once(webapp, db, as_anna):
    shop = as_anna
    first, second = sent_invoice(db, shop), sent_invoice(db, shop)
    content = (
        "date;amount;reference;archive_id;payer\n"
        f"9.3.2026;880,30;{first.reference};A001;Rakennus Virtanen Oy\n"
        f"9.3.2026;100,00;{second.reference.replace(' ', '')};A002;Rakennus Virtanen Oy\n"
        "9.3.2026;50,00;1232;A003;Tuntematon\n"
        f"9.3.2026;9999,00;{second.reference};A004;Virhe\n"
    )

    page = upload(webapp, content)

    assert page.html.select_one(".recorded").get_text() == "2"
    skipped = [tr.find_all("td")[2].get_text() for tr in page.html.select("table.skipped tbody tr")]
    assert skipped[0] == "No invoice has this reference."
    assert "larger than the open amount" in skipped[1]
    set_tenant(db, shop.tenant.id)
    db.expire_all()
    assert (first.state, second.state, second.settled_total) == (
        "paid",
        "partly_paid",
        Decimal("100.00"),
    )

    again = upload(webapp, content)
    assert again.html.select_one(".already").get_text() == "2"
    db.expire_all()
    assert second.settled_total == Decimal("100.00")


def test_a_file_without_the_columns_is_refused(webapp, as_anna):
    page = upload(webapp, "päivä;summa\n1.1.2026;10\n", status=400)
    assert "needs the columns" in page.html.select_one(".field .error").get_text()


def test_the_admin_adds_a_product_and_a_duplicate_code_is_refused(webapp, db, as_anna):
    form = webapp.get("/t/acme/settings/products/new").forms["product-form"]
    form["code"] = "SUUNNITTELU"
    form["name_fi"] = "Suunnittelu"
    form["name_sv"] = "Planering"
    form["unit"] = "h"
    form["unit_price"] = "85,50"
    form["vat_class"] = "standard"
    page = form.submit().follow()
    assert page.html.select_one("tr[data-product=SUUNNITTELU]")
    set_tenant(db, as_anna.tenant.id)
    product = db.query(Product).filter_by(code="SUUNNITTELU").one()
    assert (product.unit_price, product.name["en"]) == (Decimal("85.5000"), "Suunnittelu")

    form = webapp.get("/t/acme/settings/products/new").forms["product-form"]
    form["code"] = "ASENNUS"
    form["name_fi"] = "Toinen"
    form["unit_price"] = "1"
    refused = form.submit(status=400)
    assert "Another product has this code." in refused.text


def test_a_member_cannot_manage_products_or_import_payments(webapp, as_maija):
    webapp.get("/t/acme/settings/products", status=403)
    webapp.get("/t/acme/sales/payments/import", status=403)
