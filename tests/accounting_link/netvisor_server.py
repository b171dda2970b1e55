"""A local stand-in for Netvisor's API: a real HTTP server checking requests as Netvisor does.

Every request must carry Netvisor's authentication headers with a MAC
computed from the keys the server knows (``auth.mac``), the right ids, the
HMACSHA256 algorithm and a transaction id not used before; else the answer
is FAILED with Netvisor's AUTHENTICATION_FAILED. Posted XML is parsed and
checked; customers, invoices, orders (with their lines' delivered and
invoiced amounts, for ``salesorderinvoicing.nv``) and payments are kept so
later requests see them. Switches make it answer FAILED (``fail_with``), too late
(``delay``), with broken XML (``malformed``) or with an HTTP error
(``http_status``).

Use it from a test module with a fixture of its own::

    @pytest.fixture
    def netvisor():
        with running_netvisor() as server:
            yield server
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from lxml import etree

from plugins.accounting_link.netvisor.auth import ALGORITHM, Credentials, mac

CREDENTIALS = Credentials(
    sender="Myynti",
    customer_id="TESTCUST",
    customer_key="asiakasavain-123",
    partner_id="TESTPART",
    partner_key="kumppaniavain-456",
    organisation_id="1234567-1",
)
REQUIRED_HEADERS = (
    "X-Netvisor-Authentication-Sender",
    "X-Netvisor-Authentication-CustomerId",
    "X-Netvisor-Authentication-PartnerId",
    "X-Netvisor-Authentication-Timestamp",
    "X-Netvisor-Authentication-TimestampUnix",
    "X-Netvisor-Authentication-TransactionId",
    "X-Netvisor-Interface-Language",
    "X-Netvisor-Organisation-ID",
    "X-Netvisor-Authentication-MAC",
    "X-Netvisor-Authentication-MACHashCalculationAlgorithm",
)


class Refused(Exception):
    """Answered as FAILED with this message."""


@dataclass
class OrderLine:
    key: str
    quantity: Decimal
    line_sum: Decimal
    delivered: Decimal = Decimal("0")
    invoiced: Decimal = Decimal("0")


@dataclass
class Invoice:
    key: str
    number: str
    kind: str
    customer_key: str
    amount: Decimal
    reference: str
    status: str = "unsent"
    lines: int = 0
    payments: list[tuple[str, date, Decimal, str]] = field(default_factory=list)
    #: An order's product lines: their keys, in order, with what is ordered and done.
    order_lines: list[OrderLine] = field(default_factory=list)

    @property
    def open_amount(self) -> Decimal:
        return self.amount - sum((p[2] for p in self.payments), Decimal("0"))


def _decimal(text: str | None) -> Decimal:
    return Decimal((text or "").replace(",", "."))


def _comma(value: Decimal) -> str:
    return str(value).replace(".", ",")


class FakeNetvisor:
    """State and switches of the fake; ``credentials`` point a client at it."""

    def __init__(self) -> None:
        self.credentials = CREDENTIALS
        self.customers: dict[str, dict[str, str]] = {}
        self.invoices: dict[str, Invoice] = {}
        self.requests: list[tuple[str, str]] = []
        self.transaction_ids: set[str] = set()
        self.fail_with: str | None = None
        self.delay = 0.0
        self.malformed = False
        self.http_status: int | None = None
        self._next_key = 1000
        self._lock = threading.Lock()

    def new_key(self) -> str:
        self._next_key += 1
        return str(self._next_key)

    def pay(self, key: str, amount: Decimal, paid_on: date, payer: str = "") -> str:
        """Book a payment on an invoice, as the bank's reference payments would."""
        with self._lock:
            invoice = self.invoices[key]
            payment_key = self.new_key()
            invoice.payments.append((payment_key, paid_on, amount, payer))
            invoice.status = "paid" if invoice.open_amount <= 0 else "open"
            return payment_key

    # Requests

    def authenticate(self, url: str, headers) -> None:
        missing = [h for h in REQUIRED_HEADERS if not headers.get(h)]
        if missing:
            raise Refused(f"AUTHENTICATION_FAILED :: Missing header {missing[0]}")
        c = self.credentials
        if headers["X-Netvisor-Authentication-MACHashCalculationAlgorithm"] != ALGORITHM:
            raise Refused("AUTHENTICATION_FAILED :: Unknown MAC algorithm")
        for header, value in (
            ("X-Netvisor-Authentication-Sender", c.sender),
            ("X-Netvisor-Authentication-CustomerId", c.customer_id),
            ("X-Netvisor-Authentication-PartnerId", c.partner_id),
            ("X-Netvisor-Organisation-ID", c.organisation_id),
        ):
            if headers[header] != value:
                raise Refused(f"AUTHENTICATION_FAILED :: Unknown {header.rsplit('-', 1)[-1]}")
        if headers["X-Netvisor-Interface-Language"] not in ("FI", "EN", "SE"):
            raise Refused("AUTHENTICATION_FAILED :: Invalid language")
        transaction_id = headers["X-Netvisor-Authentication-TransactionId"]
        expected = mac(
            replace(c, language=headers["X-Netvisor-Interface-Language"]),
            url,
            headers["X-Netvisor-Authentication-Timestamp"],
            headers["X-Netvisor-Authentication-TimestampUnix"],
            transaction_id,
        )
        if headers["X-Netvisor-Authentication-MAC"] != expected:
            raise Refused("AUTHENTICATION_FAILED :: Invalid MAC")
        if transaction_id in self.transaction_ids:
            raise Refused("AUTHENTICATION_FAILED :: Transaction id already used")
        self.transaction_ids.add(transaction_id)

    def handle(self, method: str, resource: str, params: dict[str, str], body: bytes) -> bytes:
        """The ``<Replies>``/content part of an OK answer; ``Refused`` for a FAILED one."""
        root = None
        if method == "POST":
            try:
                root = etree.fromstring(body)
            except etree.XMLSyntaxError as error:
                raise Refused(f"INVALID_DATA :: XML could not be parsed: {error}") from error
        with self._lock:
            self.requests.append((method, resource))
            if resource == "customer.nv" and method == "POST":
                return self.add_customer(root, params)
            if resource == "salesinvoice.nv" and method == "POST":
                return self.add_invoice(root, params)
            if resource == "salesorderinvoicing.nv" and method == "POST":
                return self.invoice_order(root, params)
            if resource == "getorder.nv" and method == "GET":
                return self.get_order(params)
            if resource == "updatesalesinvoicestatus.nv" and method == "POST":
                return self.update_status(root)
            if resource == "customerlist.nv" and method == "GET":
                return self.customer_list(params)
            if resource == "salesinvoicelist.nv" and method == "GET":
                return self.invoice_list(params)
            if resource == "getsalesinvoice.nv" and method == "GET":
                return self.get_invoice(params)
        raise Refused(f"INVALID_DATA :: Unknown resource {method} {resource}")

    @staticmethod
    def inserted(key: str) -> bytes:
        return f"<Replies><InsertedDataIdentifier>{key}</InsertedDataIdentifier></Replies>".encode()

    def add_customer(self, root, params: dict[str, str]) -> bytes:
        if params.get("method") != "add":
            raise Refused("INVALID_DATA :: method must be add")
        base = root.find("Customer/CustomerBaseInformation")
        if base is None or not (base.findtext("Name") or "").strip():
            raise Refused("INVALID_DATA :: Customer name is missing")
        if root.find("Customer/CustomerBaseInformation/Country[@type='ISO-3166']") is None:
            raise Refused("INVALID_DATA :: Country must have type ISO-3166")
        key = self.new_key()
        self.customers[key] = {
            "name": base.findtext("Name"),
            "business_id": base.findtext("ExternalIdentifier") or "",
            "code": base.findtext("InternalIdentifier") or "",
        }
        return self.inserted(key)

    def customer_list(self, params: dict[str, str]) -> bytes:
        """Customers whose name, code or business ID contains ``keyword`` (any case)."""
        keyword = params.get("keyword", "").lower()
        items = [
            f"<Customer><Netvisorkey>{key}</Netvisorkey><Name>{c['name']}</Name>"
            f"<Code>{c['code']}</Code>"
            f"<OrganisationIdentifier>{c['business_id']}</OrganisationIdentifier></Customer>"
            for key, c in self.customers.items()
            if any(keyword in c[field].lower() for field in ("name", "code", "business_id"))
        ]
        return f"<Customerlist>{''.join(items)}</Customerlist>".encode()

    def add_invoice(self, root, params: dict[str, str]) -> bytes:
        if params.get("method") != "add":
            raise Refused("INVALID_DATA :: method must be add")
        invoice = root.find("SalesInvoice")
        if invoice is None:
            raise Refused("INVALID_DATA :: SalesInvoice element missing")
        for tag in ("SalesInvoiceDate", "SalesInvoiceDueDate", "SalesInvoiceDeliveryDate"):
            element = invoice.find(tag)
            if element is not None:
                if element.get("format") != "ansi":
                    raise Refused(f"INVALID_DATA :: {tag} format must be ansi")
                date.fromisoformat(element.text)
        customer = invoice.find("InvoicingCustomerIdentifier[@type='netvisor']")
        if customer is None or customer.text not in self.customers:
            raise Refused("INVALID_DATA :: Invoicing customer not found")
        number = invoice.findtext("SalesInvoiceNumber") or ""
        kind = invoice.findtext("InvoiceType") or "invoice"
        if any(i.number == number and i.kind == kind for i in self.invoices.values()):
            raise Refused(f"DUPLICATE_DATA :: Sales invoice number {number} already exists")
        lines = invoice.findall("InvoiceLines/InvoiceLine/SalesInvoiceProductLine")
        if not lines:
            raise Refused("INVALID_DATA :: Invoice has no lines")
        amount = _decimal(invoice.findtext("SalesInvoiceAmount"))
        lines_sum = sum(
            (_decimal(ln.findtext("SalesInvoiceProductLineSum")) for ln in lines), Decimal(0)
        )
        if lines_sum != amount:
            raise Refused(f"INVALID_DATA :: Lines sum {lines_sum} differs from amount {amount}")
        key = self.new_key()
        self.invoices[key] = Invoice(
            key,
            number,
            kind,
            customer.text,
            amount,
            invoice.findtext("SalesInvoiceReferencenumber") or "",
            lines=len(lines),
        )
        if kind == "order":
            self.invoices[key].order_lines = [
                OrderLine(
                    self.new_key(),
                    _decimal(ln.findtext("SalesInvoiceProductLineQuantity")),
                    _decimal(ln.findtext("SalesInvoiceProductLineSum")),
                )
                for ln in lines
            ]
        return self.inserted(key)

    def _order_line(self, key: str) -> tuple[Invoice, OrderLine]:
        for order in self.invoices.values():
            for line in order.order_lines:
                if line.key == key:
                    return order, line
        raise Refused(f"INVALID_DATA :: Sales order line {key} not found")

    def invoice_order(self, root, params: dict[str, str]) -> bytes:
        """``salesorderinvoicing.nv`` as documented: ``method``, then the customer, the date
        and each order line's key, delivery date and amount under ``invoicingcustomer``."""
        method = params.get("method")
        if method not in ("deliveryonly", "billanddelivery"):
            raise Refused("INVALID_DATA :: method must be deliveryonly or billanddelivery")
        if root.tag != "root":
            raise Refused("INVALID_DATA :: root element must be root")
        customer = root.find("salesorderinvoicing/invoicingcustomer")
        if customer is None or customer.findtext("netvisorkey") not in self.customers:
            raise Refused("INVALID_DATA :: Invoicing customer not found")
        day = customer.find("invoicedate")
        if day is None or day.get("format") != "ansi":
            raise Refused("INVALID_DATA :: invoicedate format must be ansi")
        date.fromisoformat(day.text)
        rows = customer.findall("invoicingproductlines/invoicingproductline")
        if not rows:
            raise Refused("INVALID_DATA :: invoicingproductlines has no lines")
        done: list[tuple[Invoice, OrderLine, Decimal]] = []
        for row in rows:
            order, line = self._order_line(row.findtext("netvisorkey") or "")
            if order.customer_key != customer.findtext("netvisorkey"):
                raise Refused("INVALID_DATA :: Order belongs to another customer")
            delivered = row.find("deliverydate")
            if delivered is None or delivered.get("format") != "ansi":
                raise Refused("INVALID_DATA :: deliverydate format must be ansi")
            date.fromisoformat(delivered.text)
            amount = row.find("deliveryamount")
            if amount is None or amount.get("ispostdelivery") not in ("true", "false"):
                raise Refused("INVALID_DATA :: deliveryamount needs ispostdelivery true or false")
            quantity = _decimal(amount.text)
            if quantity <= 0 or line.invoiced + quantity > line.quantity:
                raise Refused(f"INVALID_DATA :: Order line {line.key} cannot take {quantity}")
            done.append((order, line, quantity))
        for _order, line, quantity in done:
            line.delivered = max(line.delivered, line.invoiced + quantity)
            if method == "billanddelivery":
                line.invoiced += quantity
        if method == "deliveryonly":
            return b""
        order = done[0][0]
        if all(ln.invoiced >= ln.quantity for ln in order.order_lines):
            order.status = "invoiced"
        key = self.new_key()
        amount = sum((ln.line_sum * q / ln.quantity for _o, ln, q in done), Decimal("0"))
        self.invoices[key] = replace(
            order,
            key=key,
            number=key,
            kind="invoice",
            amount=amount.quantize(Decimal("0.01")),
            status="unsent",
            payments=[],
            order_lines=[],
        )
        return self.inserted(key)

    def get_order(self, params: dict[str, str]) -> bytes:
        """``getorder.nv``: the order in the structure of ``getsalesinvoice.nv``, with line keys."""
        order = self.invoices.get(params.get("netvisorkey", ""))
        if order is None or order.kind != "order":
            raise Refused("INVALID_DATA :: Sales order not found")
        lines = "".join(
            f"<InvoiceLine><SalesInvoiceProductLine><NetvisorKey>{ln.key}</NetvisorKey>"
            f"<SalesInvoiceProductLineQuantity>{_comma(ln.quantity)}"
            f"</SalesInvoiceProductLineQuantity></SalesInvoiceProductLine></InvoiceLine>"
            for ln in order.order_lines
        )
        return (
            f"<SalesInvoice><SalesInvoiceNetvisorKey>{order.key}</SalesInvoiceNetvisorKey>"
            f"<SalesInvoiceNumber>{order.number}</SalesInvoiceNumber>"
            f"<InvoiceLines>{lines}</InvoiceLines></SalesInvoice>"
        ).encode()

    def update_status(self, root) -> bytes:
        invoice = self.invoices.get(
            root.findtext("SalesInvoiceStatusUpdate/SalesInvoiceNetvisorKey") or ""
        )
        if invoice is None:
            raise Refused("INVALID_DATA :: Sales invoice not found")
        invoice.status = root.findtext("SalesInvoiceStatusUpdate/Status") or ""
        return b""

    def invoice_list(self, params: dict[str, str]) -> bytes:
        wanted = params.get("invoicenumber")
        items = [
            f"<SalesInvoice><NetvisorKey>{i.key}</NetvisorKey>"
            f"<InvoiceNumber>{i.number}</InvoiceNumber>"
            f"<InvoiceStatus>{i.status}</InvoiceStatus>"
            f"<InvoiceSum>{_comma(i.amount)}</InvoiceSum>"
            f"<OpenSum>{_comma(i.open_amount)}</OpenSum>"
            f"<ReferenceNumber>{i.reference}</ReferenceNumber></SalesInvoice>"
            for i in self.invoices.values()
            if i.kind == "invoice" and (wanted is None or i.number == wanted)
        ]
        return f"<SalesInvoiceList>{''.join(items)}</SalesInvoiceList>".encode()

    def get_invoice(self, params: dict[str, str]) -> bytes:
        invoice = self.invoices.get(params.get("netvisorkey", ""))
        if invoice is None:
            raise Refused("INVALID_DATA :: Sales invoice not found")
        payments = "".join(
            f"<SalesInvoicePayment><NetvisorKey>{key}</NetvisorKey>"
            f'<PaymentDate format="ansi">{day.isoformat()}</PaymentDate>'
            f"<PaymentSum>{_comma(amount)}</PaymentSum>"
            f"<PayerName>{payer}</PayerName></SalesInvoicePayment>"
            for key, day, amount, payer in invoice.payments
        )
        return (
            f"<SalesInvoice><SalesInvoiceNetvisorKey>{invoice.key}</SalesInvoiceNetvisorKey>"
            f"<SalesInvoiceNumber>{invoice.number}</SalesInvoiceNumber>"
            f"<InvoiceStatus>{invoice.status}</InvoiceStatus>"
            f"<SalesInvoiceAmount>{_comma(invoice.amount)}</SalesInvoiceAmount>"
            f"<SalesInvoiceOpenSum>{_comma(invoice.open_amount)}</SalesInvoiceOpenSum>"
            f"<SalesInvoiceReferencenumber>{invoice.reference}</SalesInvoiceReferencenumber>"
            f"<SalesInvoicePayments>{payments}</SalesInvoicePayments></SalesInvoice>"
        ).encode()


def _answer(status: str, content: bytes = b"") -> bytes:
    stamp = time.strftime("%d.%m.%Y %H:%M:%S")
    return (
        (
            f"<?xml version='1.0' encoding='utf-8'?><Root><ResponseStatus>{status}"
            f"<TimeStamp>{stamp}</TimeStamp></ResponseStatus>"
        ).encode()
        + content
        + b"</Root>"
    )


def _handler(fake: FakeNetvisor) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            self.answer("GET")

        def do_POST(self) -> None:
            self.answer("POST")

        def answer(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if fake.delay:
                time.sleep(fake.delay)
            if fake.http_status:
                self.send_error(fake.http_status)
                return
            url = f"http://{self.headers['Host']}{self.path}"
            parts = urlsplit(self.path)
            params = {k: v[0] for k, v in parse_qs(parts.query).items()}
            try:
                fake.authenticate(url, self.headers)
                if fake.fail_with:
                    raise Refused(fake.fail_with)
                content = _answer(
                    "<Status>OK</Status>", fake.handle(method, parts.path.lstrip("/"), params, body)
                )
            except Refused as refusal:
                content = _answer(f"<Status>FAILED</Status><Status>{refusal}</Status>")
            if fake.malformed:
                content = content[: len(content) // 2]
            self.send_response(200)
            self.send_header("Content-Type", "text/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            with suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(content)

    return Handler


@contextmanager
def running_netvisor() -> Iterator[FakeNetvisor]:
    """A fake Netvisor serving on a free port of 127.0.0.1 until the block ends."""
    fake = FakeNetvisor()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.credentials = replace(CREDENTIALS, base_url=f"http://127.0.0.1:{server.server_port}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
