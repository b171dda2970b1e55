"""The Netvisor client against a local fake of the API that checks every request like Netvisor."""

import hashlib
import hmac
import http.client
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from plugins.accounting_link.netvisor import (
    NetvisorClient,
    NetvisorFailed,
    NetvisorHTTPError,
    NetvisorMalformed,
    NetvisorTimeout,
    auth,
)
from plugins.accounting_link.netvisor.messages import OrderLineDelivery
from tests.accounting_link import output_samples as samples
from tests.accounting_link.netvisor_server import running_netvisor


@pytest.fixture
def netvisor():
    with running_netvisor() as server:
        yield server


@pytest.fixture
def client(netvisor):
    return NetvisorClient(netvisor.credentials, timeout=5)


def test_customer_and_invoice_are_added_and_payments_come_back(netvisor, client):
    doc = samples.ordinary_invoice()
    customer_key = client.add_customer(doc.buyer)
    assert netvisor.customers[customer_key]["name"] == "Äänekosken Sähkö Oy"
    assert netvisor.customers[customer_key]["business_id"] == "7654321-0"

    invoice_key = client.add_sales_document(doc, customer_key)
    stored = netvisor.invoices[invoice_key]
    assert (stored.number, stored.amount, stored.reference) == (
        "10042",
        Decimal("364.83"),
        "100421",
    )
    assert (stored.customer_key, stored.lines) == (customer_key, 2)
    assert client.find_invoice("10042") == invoice_key
    assert client.find_invoice("99999") is None

    netvisor.pay(invoice_key, Decimal("200.00"), date(2026, 3, 10), "Äänekosken Sähkö Oy")
    state = client.get_invoice(invoice_key)
    assert (state.status, state.open_amount) == ("open", Decimal("164.83"))
    netvisor.pay(invoice_key, Decimal("164.83"), date(2026, 3, 15))
    state = client.get_invoice(invoice_key)
    assert state.status == "paid"
    assert state.open_amount == 0
    assert [(p.paid_on, p.amount) for p in state.payments] == [
        (date(2026, 3, 10), Decimal("200.00")),
        (date(2026, 3, 15), Decimal("164.83")),
    ]
    assert state.payments[0].payer == "Äänekosken Sähkö Oy"
    (listed,) = client.list_invoices()
    assert (listed.key, listed.status, listed.total) == (invoice_key, "paid", Decimal("364.83"))


def test_an_order_is_delivered_and_invoiced_in_parts_and_no_more_than_ordered(netvisor, client):
    order = replace(samples.several_rates_invoice(), kind="order", number="50007", reference="")
    customer_key = client.add_customer(order.buyer)
    order_key = client.add_sales_document(order, customer_key)
    assert netvisor.invoices[order_key].kind == "order"
    assert client.list_invoices() == []
    first, second = client.order_line_keys(order_key)[:2]
    day = date(2026, 3, 20)

    client.deliver_order(customer_key, day, [OrderLineDelivery(first, Decimal("1"), day)])
    assert netvisor.invoices[order_key].order_lines[0].delivered == 1
    assert client.list_invoices() == []

    whole = order.lines[0]
    invoice_key = client.invoice_order(
        customer_key, day, [OrderLineDelivery(first, whole.quantity, day)]
    )
    assert netvisor.invoices[invoice_key].amount == whole.gross
    assert netvisor.invoices[order_key].status != "invoiced"
    with pytest.raises(NetvisorFailed, match="cannot take"):
        client.invoice_order(customer_key, day, [OrderLineDelivery(first, Decimal("1"), day)])
    rest = [
        OrderLineDelivery(key, line.quantity, day)
        for key, line in zip(client.order_line_keys(order_key), order.lines, strict=True)
    ][1:]
    client.invoice_order(customer_key, day, rest)
    assert netvisor.invoices[order_key].status == "invoiced"
    assert second in {ln.key for ln in netvisor.invoices[order_key].order_lines}


def test_invoice_status_is_updated(netvisor, client):
    doc = samples.ordinary_invoice()
    key = client.add_sales_document(doc, client.add_customer(doc.buyer))
    client.update_invoice_status(key, "open")
    assert netvisor.invoices[key].status == "open"
    with pytest.raises(ValueError, match="no invoice status"):
        client.update_invoice_status(key, "lost")


def test_reverse_charge_and_credit_note_are_accepted(netvisor, client):
    foreign = samples.reverse_charge_invoice()
    key = client.add_sales_document(foreign, client.add_customer(foreign.buyer, "en"))
    assert netvisor.invoices[key].amount == Decimal("731.00")
    credit = samples.credit_note()
    key = client.add_sales_document(credit, client.add_customer(credit.buyer))
    assert netvisor.invoices[key].amount == Decimal("-85.34")


def test_a_failed_answer_raises_with_netvisors_message(netvisor, client):
    netvisor.fail_with = "INVALID_DATA :: Customer code is already in use"
    with pytest.raises(NetvisorFailed) as raised:
        client.add_customer(samples.BUYER)
    assert raised.value.message == "INVALID_DATA :: Customer code is already in use"
    assert "Customer code is already in use" in str(raised.value)
    assert netvisor.customers == {}


def test_a_duplicate_invoice_number_is_refused(client):
    doc = samples.ordinary_invoice()
    customer_key = client.add_customer(doc.buyer)
    client.add_sales_document(doc, customer_key)
    with pytest.raises(NetvisorFailed, match="DUPLICATE_DATA"):
        client.add_sales_document(doc, customer_key)


def test_no_answer_in_time_is_a_timeout(netvisor):
    netvisor.delay = 1.0
    client = NetvisorClient(netvisor.credentials, timeout=0.2)
    with pytest.raises(NetvisorTimeout, match="did not answer within 0.2 seconds"):
        client.list_invoices()


def test_a_malformed_answer_is_reported(netvisor, client):
    netvisor.malformed = True
    with pytest.raises(NetvisorMalformed, match="could not be read"):
        client.list_invoices()


def test_an_http_error_is_reported_with_its_status(netvisor, client):
    netvisor.http_status = 503
    with pytest.raises(NetvisorHTTPError) as raised:
        client.list_invoices()
    assert raised.value.status == 503


def test_a_wrong_key_gives_a_wrong_mac_which_the_server_refuses(netvisor):
    wrong = replace(netvisor.credentials, customer_key="arvattu-avain")
    with pytest.raises(NetvisorFailed, match="AUTHENTICATION_FAILED :: Invalid MAC"):
        NetvisorClient(wrong, timeout=5).add_customer(samples.BUYER)
    assert netvisor.customers == {}


def test_a_replayed_request_is_refused(netvisor):
    url = netvisor.credentials.base_url + "/salesinvoicelist.nv"
    headers = auth.headers(netvisor.credentials, url)
    answers = []
    for _ in range(2):
        connection = http.client.HTTPConnection(url.split("/")[2], timeout=5)
        connection.request("GET", "/salesinvoicelist.nv", headers=headers)
        answers.append(connection.getresponse().read())
        connection.close()
    assert b"<Status>OK</Status>" in answers[0]
    assert b"Transaction id already used" in answers[1]


def test_mac_is_hmac_sha256_of_the_documented_fields():
    credentials = auth.Credentials(
        sender="Myynti",
        customer_id="CID",
        customer_key="ckey",
        partner_id="PID",
        partner_key="pkey",
        organisation_id="1234567-1",
    )
    now = datetime(2026, 3, 2, 9, 30, 15, 250000, tzinfo=UTC)
    url = "https://isvapi.netvisor.fi/salesinvoicelist.nv?invoicenumber=10042"
    headers = auth.headers(credentials, url, now)
    assert headers["X-Netvisor-Authentication-Timestamp"] == "2026-03-02 09:30:15.250"
    assert headers["X-Netvisor-Authentication-TimestampUnix"] == "1772443815"
    message = "&".join(
        [
            url,
            "Myynti",
            "CID",
            "2026-03-02 09:30:15.250",
            "FI",
            "1234567-1",
            headers["X-Netvisor-Authentication-TransactionId"],
            "1772443815",
            "ckey",
            "pkey",
        ]
    )
    expected = hmac.new(b"ckey&pkey", message.encode("iso-8859-1"), hashlib.sha256).hexdigest()
    assert headers["X-Netvisor-Authentication-MAC"] == expected
    assert headers["X-Netvisor-Authentication-MACHashCalculationAlgorithm"] == "HMACSHA256"
    assert "ckey" not in "".join(headers.values())
