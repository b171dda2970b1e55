"""Netvisor as an accounting backend, on the Netvisor client (``netvisor/``).

The tenant's Netvisor settings (address, sender, customer, partner and
organisation ids) are in ``AccountingSettings.backend_config``, its two keys
there as Fernet tokens, decrypted by the sync for the connection only.
Every Netvisor failure (a FAILED answer, a timeout, XML that cannot be read,
an HTTP error) becomes a ``BackendError`` whose text the document shows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import wraps
from typing import Any

from plugins.accounting_link.backends import (
    AccountingBackend,
    BackendError,
    RemotePayment,
    RemoteStatus,
)
from plugins.accounting_link.models import DocumentKind, SalesDocument
from plugins.accounting_link.netvisor import (
    Credentials,
    NetvisorClient,
    NetvisorError,
    NetvisorMalformed,
)
from plugins.accounting_link.netvisor.messages import OrderLineDelivery
from plugins.accounting_link.outputs import buyer_of, document_data

KEY = "netvisor"
SECRETS = ("customer_key", "partner_key")
DEFAULT_TIMEOUT = 30.0


def _reported(method: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except NetvisorError as exc:
            raise BackendError(f"Netvisor: {exc}") from exc

    return call


class NetvisorConnection:
    def __init__(self, db: Any, client: NetvisorClient) -> None:
        self.db = db
        self.client = client

    @_reported
    def find_invoice(self, number: int) -> str | None:
        return self.client.find_invoice(str(number))

    @_reported
    def push_customer(self, customer: Any) -> str:
        """The customer's key: the one Netvisor has under our customer number, else a new one.

        Looking first makes a retry idempotent: when Netvisor added the customer
        but its answer was lost (a timeout, broken XML), the retry finds it.
        """
        buyer = buyer_of(self.db, customer)
        found = self.client.find_customer(buyer.customer_number)
        if found is not None:
            return found
        return self.client.add_customer(buyer, customer.language or "fi")

    @_reported
    def push_order(self, document: Any, customer_key: str) -> str:
        return self.client.add_sales_document(document_data(self.db, document), customer_key)

    @_reported
    def push_invoice(self, document: Any, customer_key: str) -> str:
        """Add the invoice; one made of an order Netvisor has invoices that order's lines.

        Such an invoice goes through ``salesorderinvoicing.nv`` (deliver and
        invoice), each of its lines naming the order line it invoices by
        Netvisor's key of that line (read with ``getorder.nv``), so Netvisor
        keeps the order's delivered and invoiced amounts as we do.
        """
        order = self.db.get(SalesDocument, document.source_id) if document.source_id else None
        if order is None or order.kind != DocumentKind.ORDER or order.external_id is None:
            return self.client.add_sales_document(document_data(self.db, document), customer_key)
        keys = self.client.order_line_keys(order.external_id)
        if len(keys) != len(order.lines):
            raise NetvisorMalformed(f"the order has {len(keys)} lines, not {len(order.lines)}")
        key_of = {line.id: keys[index] for index, line in enumerate(order.lines)}
        day = document.delivery_date or document.document_date
        deliveries = [
            OrderLineDelivery(key_of[line.source_line_id], line.quantity, day)
            for line in document.lines
            if line.source_line_id in key_of
        ]
        return self.client.invoice_order(customer_key, document.document_date, deliveries)

    @_reported
    def fetch_statuses(self, external_ids: Sequence[str]) -> list[RemoteStatus]:
        found = []
        for key in external_ids:
            invoice = self.client.get_invoice(key)
            payments = tuple(
                RemotePayment(p.key, p.amount, p.paid_on, p.payer) for p in invoice.payments
            )
            found.append(RemoteStatus(key, payments))
        return found


def connect(db: Any, config: Mapping[str, Any], secrets: Mapping[str, str]) -> NetvisorConnection:
    try:
        credentials = Credentials(
            sender=config["sender"],
            customer_id=config["customer_id"],
            customer_key=secrets["customer_key"],
            partner_id=config["partner_id"],
            partner_key=secrets["partner_key"],
            organisation_id=config.get("organisation_id", ""),
            base_url=config["url"],
        )
        client = NetvisorClient(credentials, float(config.get("timeout") or DEFAULT_TIMEOUT))
    except (KeyError, ValueError) as exc:
        raise BackendError(f"Netvisor settings are incomplete: {exc}") from None
    return NetvisorConnection(db, client)


NETVISOR = AccountingBackend(
    KEY, {"fi": "Netvisor", "sv": "Netvisor", "en": "Netvisor"}, connect, secret_keys=SECRETS
)
