"""Sending requests to Netvisor and reading the answers (``urllib``, a timeout on each)."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Sequence
from datetime import date
from urllib.parse import urlencode, urlsplit

from lxml import etree

from plugins.accounting_link.document_data import Buyer, DocumentData
from plugins.accounting_link.netvisor import auth, messages
from plugins.accounting_link.netvisor.auth import Credentials
from plugins.accounting_link.netvisor.errors import NetvisorHTTPError, NetvisorTimeout
from plugins.accounting_link.netvisor.messages import InvoiceState, OrderLineDelivery

DEFAULT_TIMEOUT = 30.0


class NetvisorClient:
    """One tenant's connection to Netvisor; each method is one request."""

    def __init__(self, credentials: Credentials, timeout: float = DEFAULT_TIMEOUT) -> None:
        if urlsplit(credentials.base_url).scheme not in ("http", "https"):
            raise ValueError(f"Netvisor's address must be http(s), not {credentials.base_url!r}.")
        self.credentials = credentials
        self.timeout = timeout

    def url(self, resource: str, **params: str) -> str:
        url = f"{self.credentials.base_url.rstrip('/')}/{resource}"
        return f"{url}?{urlencode(params)}" if params else url

    def request(self, resource: str, body: bytes | None = None, **params: str) -> etree._Element:
        """POST ``body`` (or GET without one) to ``resource``; the OK answer's ``<Root>``."""
        url = self.url(resource, **params)
        headers = auth.headers(self.credentials, url)
        if body is not None:
            headers["Content-Type"] = "text/xml; charset=utf-8"
        method = "POST" if body is not None else "GET"
        # The scheme is checked to be http(s) in __init__.
        request = urllib.request.Request(url, data=body, headers=headers, method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = response.read()
        except urllib.error.HTTPError as error:
            raise NetvisorHTTPError(error.code, str(error.reason)) from error
        except TimeoutError as error:
            raise NetvisorTimeout(self.timeout) from error
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError):
                raise NetvisorTimeout(self.timeout) from error
            raise NetvisorHTTPError(0, str(error.reason)) from error
        return messages.parse_answer(answer)

    def find_customer(self, code: str) -> str | None:
        """The key of the customer whose code (our customer number) is ``code``, if any."""
        found = messages.parse_customer_list(self.request("customerlist.nv", keyword=code))
        return next((key for key, their_code, _bid in found if their_code == code), None)

    def add_customer(self, buyer: Buyer, language: str = "fi") -> str:
        """Add the customer; its Netvisor key."""
        root = self.request("customer.nv", messages.customer_xml(buyer, language), method="add")
        return messages.inserted_key(root)

    def add_sales_document(self, doc: DocumentData, customer_key: str) -> str:
        """Add an invoice, credit note or sales order; its Netvisor key."""
        body = messages.sales_invoice_xml(doc, customer_key)
        return messages.inserted_key(self.request("salesinvoice.nv", body, method="add"))

    def order_line_keys(self, order_key: str) -> list[str]:
        """The keys of a sales order's product lines, in the order they were sent."""
        root = self.request("getorder.nv", netvisorkey=order_key)
        return messages.parse_order_line_keys(root)

    def deliver_order(
        self, customer_key: str, day: date, deliveries: Sequence[OrderLineDelivery]
    ) -> None:
        """Record a delivery of sales order lines (``method=deliveryonly``)."""
        body = messages.order_invoicing_xml(customer_key, day, deliveries)
        self.request("salesorderinvoicing.nv", body, method="deliveryonly")

    def invoice_order(
        self, customer_key: str, day: date, deliveries: Sequence[OrderLineDelivery]
    ) -> str:
        """Deliver and invoice sales order lines (``method=billanddelivery``); the invoice's key."""
        body = messages.order_invoicing_xml(customer_key, day, deliveries)
        root = self.request("salesorderinvoicing.nv", body, method="billanddelivery")
        return messages.inserted_key(root)

    def update_invoice_status(self, invoice_key: str, status: str) -> None:
        self.request("updatesalesinvoicestatus.nv", messages.status_update_xml(invoice_key, status))

    def list_invoices(self, number: str | None = None) -> list[InvoiceState]:
        """The sales invoices (only the one numbered ``number``, when given)."""
        params = {"invoicenumber": number} if number else {}
        return messages.parse_invoice_list(self.request("salesinvoicelist.nv", **params))

    def find_invoice(self, number: str) -> str | None:
        """The key of the invoice numbered ``number``, if Netvisor has one."""
        found = [i for i in self.list_invoices(number) if i.number == number]
        return found[0].key if found else None

    def get_invoice(self, invoice_key: str) -> InvoiceState:
        """The invoice with its status and payments."""
        return messages.parse_invoice(self.request("getsalesinvoice.nv", netvisorkey=invoice_key))
