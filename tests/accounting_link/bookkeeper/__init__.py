"""A test plugin: an accounting system kept in memory, and a messenger that records messages.

``REMOTE`` plays the far end of an accounting backend: it books what is pushed,
refuses while ``REMOTE.refuse`` holds a reason, and answers payments put into
``REMOTE.payments``. ``SENT`` collects the messages ``myynti_send_message`` is
given; one to an address that bounced is refused, as messaging would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core import MessageRefused, OutgoingMessage, Plugin, hookimpl
from plugins.accounting_link.backends import (
    AccountingBackend,
    BackendError,
    RemotePayment,
    RemoteStatus,
)

plugin = Plugin(
    name="bookkeeper",
    title={"fi": "Kirjanpitäjä", "en": "Bookkeeper"},
    version="0.0.1",
    package="tests.accounting_link.bookkeeper",
    hooks_module="tests.accounting_link.bookkeeper",
    depends=("accounting_link",),
)


@dataclass
class Remote:
    customers: dict[str, str] = field(default_factory=dict)
    invoices: dict[str, int] = field(default_factory=dict)
    orders: dict[str, int] = field(default_factory=dict)
    payments: dict[str, list[RemotePayment]] = field(default_factory=dict)
    refuse: str = ""
    calls: list[str] = field(default_factory=list)
    secrets: dict[str, str] = field(default_factory=dict)

    def reset(self) -> None:
        self.__init__()


REMOTE = Remote()
SENT: list[OutgoingMessage] = []


class Connection:
    def __init__(self, secrets: dict[str, str]) -> None:
        REMOTE.secrets = dict(secrets)

    def _check(self, call: str) -> None:
        REMOTE.calls.append(call)
        if REMOTE.refuse:
            raise BackendError(REMOTE.refuse)

    def find_invoice(self, number: int) -> str | None:
        self._check("find_invoice")
        return next((key for key, n in REMOTE.invoices.items() if n == number), None)

    def push_customer(self, customer: Any) -> str:
        self._check("push_customer")
        key = f"C{len(REMOTE.customers) + 1}"
        REMOTE.customers[key] = customer.name
        return key

    def push_order(self, document: Any, customer_key: str) -> str:
        self._check("push_order")
        key = f"O{len(REMOTE.orders) + 1}"
        REMOTE.orders[key] = document.number
        return key

    def push_invoice(self, document: Any, customer_key: str) -> str:
        self._check("push_invoice")
        key = f"I{len(REMOTE.invoices) + 1}"
        REMOTE.invoices[key] = document.number
        return key

    def fetch_statuses(self, external_ids: list[str]) -> list[RemoteStatus]:
        self._check("fetch_statuses")
        return [RemoteStatus(key, REMOTE.payments.get(key, [])) for key in external_ids]


BACKEND = AccountingBackend(
    "bookkeeper",
    {"fi": "Kirjanpitäjä", "en": "Bookkeeper"},
    lambda secrets, **_: Connection(secrets),
    secret_keys=("password",),
)


@hookimpl
def myynti_accounting_backends() -> list[AccountingBackend]:
    return [BACKEND]


@hookimpl
def myynti_send_message(message: OutgoingMessage) -> int:
    if any(address.endswith("@bounced.example") for address in message.to):
        raise MessageRefused("Mail to this address has bounced.")
    SENT.append(message)
    return len(SENT)
