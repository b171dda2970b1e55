"""The pages: a document made from the task's financial panel, its page, steps and payments,
and every kind of bad input answered by its field with nothing saved."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from core.db import set_tenant
from core.testing import csrf_token
from plugins.accounting_link.models import SalesDocument
from tests.accounting_link.conftest import make_doc


def new_invoice_form(webapp, shop):
    page = webapp.get(f"/t/acme/tasks/{shop.task.id}")
    panel = page.html.select_one("[data-panel=accounting-task-documents]")
    link = panel.find("a", string="New invoice")["href"]
    return webapp.get(link).forms["document-form"]


def fill_line(form, index, description, quantity, price, rate, discount=""):
    form[f"lines-{index}-description"] = description
    form[f"lines-{index}-quantity"] = quantity
    form[f"lines-{index}-unit_price"] = price
    form[f"lines-{index}-vat_rate_id"] = str(rate.id)
    form[f"lines-{index}-discount_percent"] = discount


def documents(db, shop) -> int:
    set_tenant(db, shop.tenant.id)
    return db.scalar(select(func.count()).select_from(SalesDocument))


def test_an_invoice_made_from_the_task_page_shows_its_lines_totals_and_reference(
    webapp, db, as_maija
):
    shop = as_maija
    form = new_invoice_form(webapp, shop)
    assert form["salesperson_user_id"].value == str(shop.maija.id)
    assert form["customer_id"].value == str(shop.customer.id)
    form["document_date"] = "2.3.2026"
    fill_line(form, 0, "Asennustyö", "10", "68,00", shop.rate("25.50"))
    form["lines-1-product_id"] = str(shop.products["KAHVI"].id)
    form["lines-1-quantity"] = "3"

    page = form.submit().follow()

    assert page.html.h1.get_text(strip=True).startswith("Invoice 10000")
    rows = page.html.select("table.document-lines tbody tr")
    assert [r.find_all("td")[1].get_text() for r in rows] == ["Asennustyö", "Kahvipaketti"]
    assert page.html.select_one("tr.gross-total td").get_text() == "880,30\xa0€"
    assert page.html.select_one("dd.reference").get_text() == "1 00007"
    assert page.html.select_one("dd.salesperson").get_text() == "Maija Myyjä"
    task_page = webapp.get(f"/t/acme/tasks/{shop.task.id}")
    panel = task_page.html.select_one("[data-panel=accounting-task-documents]")
    assert panel.select_one("tr[data-state=draft] a").get_text() == "Invoice 10000"


def test_a_negative_quantity_is_refused_by_its_field_and_the_input_kept(webapp, db, as_maija):
    shop = as_maija
    form = new_invoice_form(webapp, shop)
    fill_line(form, 0, "Asennustyö", "2", "68", shop.rate("25.50"))
    fill_line(form, 1, "Palautus", "-1", "68", shop.rate("25.50"))

    page = form.submit(status=400)

    row = page.html.select("tr.line-row")[1]
    assert "cannot be negative" in row.select_one(".has-error .error").get_text()
    assert page.forms["document-form"]["lines-1-description"].value == "Palautus"
    assert documents(db, shop) == 0


def test_a_vat_rate_not_valid_on_the_date_is_refused_by_its_field(webapp, db, as_maija):
    shop = as_maija
    form = new_invoice_form(webapp, shop)
    form["document_date"] = "2.3.2026"
    fill_line(form, 0, "Kahvi", "1", "10", shop.rate("25.50"))
    form["lines-0-vat_rate_id"].force_value(str(shop.rate("14.00").id))

    page = form.submit(status=400)

    assert "not valid on the document's date (02.03.2026)" in page.text
    assert documents(db, shop) == 0


def test_a_hand_typed_reference_with_a_wrong_check_digit_is_refused(webapp, db, as_maija):
    shop = as_maija
    form = new_invoice_form(webapp, shop)
    fill_line(form, 0, "Asennus", "1", "10", shop.rate("25.50"))
    form["reference"] = "1233"

    page = form.submit(status=400)

    field = page.html.select_one("#reference").find_parent(class_="field")
    assert "check digit of the reference number is wrong" in field.select_one(".error").get_text()
    assert documents(db, shop) == 0
    page.forms["document-form"]["reference"] = "1232"
    done = page.forms["document-form"].submit().follow()
    assert done.html.select_one("dd.reference").get_text() == "1232"


def test_an_invoice_for_a_customer_without_billing_address_is_refused(webapp, db, as_maija):
    shop = as_maija
    form = new_invoice_form(webapp, shop)
    form["customer_id"].force_value(str(shop.no_address.id))
    fill_line(form, 0, "Asennus", "1", "10", shop.rate("25.50"))

    page = form.submit(status=400)

    field = page.html.select_one("#customer_id").find_parent(class_="field")
    assert "no billing address" in field.select_one(".error").get_text()
    assert documents(db, shop) == 0


def test_steps_and_a_payment_larger_than_the_open_amount(webapp, db, as_anna):
    shop = as_anna
    doc = make_doc(db, shop)
    page = webapp.get(f"/t/acme/sales/documents/{doc.id}")
    page = page.forms["step-send"].submit().follow()
    assert page.html.select_one(".document-state")["data-state"] == "sent"

    form = page.forms["payment-form"]
    form["amount"] = "880,31"
    refused = form.submit(status=400)
    assert (
        "larger than the open amount" in refused.html.select_one("#payment-form .error").get_text()
    )
    form = refused.forms["payment-form"]
    assert form["amount"].value == "880,31"
    form["amount"] = "880,30"
    paid = form.submit().follow()
    assert paid.html.select_one(".document-state")["data-state"] == "paid"
    set_tenant(db, shop.tenant.id)
    db.refresh(doc)
    assert doc.settled_total == Decimal("880.30")


def test_a_stale_step_is_refused(webapp, db, as_maija):
    shop = as_maija
    doc = make_doc(db, shop)
    response = webapp.post(
        f"/t/acme/sales/documents/{doc.id}/steps/send",
        {
            "csrf_token": csrf_token(webapp),
            "version": str(doc.version - 1 if doc.version > 1 else 99),
        },
        status=409,
    )
    assert "Someone else changed this document" in response.text


def test_the_pages_speak_finnish(webapp, db, as_maija):
    shop = as_maija
    doc = make_doc(db, shop)
    fi = {"Accept-Language": "fi"}
    page = webapp.get(f"/t/acme/sales/documents/{doc.id}", headers=fi)
    assert page.html.h1.get_text(strip=True) == f"Lasku {doc.number}"
    assert page.html.select_one("tr.gross-total th").get_text() == "Yhteensä"
    task_page = webapp.get(f"/t/acme/tasks/{shop.task.id}", headers=fi)
    panel = task_page.html.select_one("[data-panel=accounting-task-documents]")
    assert panel.find("a", string="Uusi lasku")
    assert panel.select_one("tr[data-state=draft] td:nth-of-type(2)").get_text() == "Luonnos"


def test_an_order_is_delivered_in_part_and_the_part_invoiced(webapp, db, as_maija):
    shop = as_maija
    order = make_doc(db, shop, kind="order")
    hours, coffee = order.lines
    page = webapp.get(f"/t/acme/sales/documents/{order.id}")
    form = page.forms["delivery-form"]
    form[f"delivered-{hours.id}"] = "12"
    refused = form.submit(status=400)
    assert "More than was ordered" in refused.html.select_one(".step-error").get_text()

    form = refused.forms["delivery-form"]
    form[f"delivered-{hours.id}"] = "4"
    page = form.submit().follow()
    assert page.html.select_one(".document-state")["data-state"] == "partly_delivered"
    invoice = page.forms["step-invoice"].submit().follow()
    assert [
        td.get_text() for td in invoice.html.select("table.document-lines tbody td:nth-of-type(3)")
    ] == ["4"]
