"""Accounting backends: where a tenant's customers, orders and invoices are booked.

A backend is offered through ``myynti_accounting_backends`` (this plugin's
hookspec). The tenant admin chooses one; the sync jobs (``sync.py``) push
documents through its connection and bring payments back. The local ledger
is built in: the documents live here and payments are entered by hand or
read from a bank file, so it has nothing to push or fetch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from core import Label

LOCAL = "local"


class BackendError(Exception):
    """The backend refused or could not be reached; ``str()`` is the reason for the user."""


@dataclass(frozen=True)
class RemotePayment:
    """A payment the backend knows of, with its own key (recorded once by that key)."""

    external_id: str
    amount: Decimal
    paid_on: date
    payer: str = ""


@dataclass(frozen=True)
class RemoteStatus:
    """What the backend says of one pushed invoice."""

    external_id: str
    payments: Sequence[RemotePayment] = ()


class BackendConnection(Protocol):
    def find_invoice(self, number: int) -> str | None:
        """The backend's key of an invoice pushed earlier with our ``number``, if any."""

    def push_customer(self, customer: Any) -> str:
        """Add the customer; its key in the backend."""

    def push_order(self, document: Any, customer_key: str) -> str:
        """Add the sales order; its key in the backend."""

    def push_invoice(self, document: Any, customer_key: str) -> str:
        """Add the invoice; its key in the backend."""

    def fetch_statuses(self, external_ids: Sequence[str]) -> list[RemoteStatus]:
        """The payments of the invoices with these keys."""


@dataclass(frozen=True)
class AccountingBackend:
    """A backend a tenant admin can choose.

    ``connect(db=..., config=..., secrets=...)`` opens a connection: ``config``
    is the tenant's stored settings for this backend and ``secrets`` the
    decrypted passwords of it. ``pushes`` is False for a backend that keeps
    nothing elsewhere (the local ledger): then nothing is queued for it.
    """

    key: str
    label: Label
    connect: Callable[..., BackendConnection]
    pushes: bool = True
    #: Names of the ``config`` entries stored encrypted (``core.credentials``).
    secret_keys: tuple[str, ...] = field(default=())


def _no_connection(**_: Any) -> BackendConnection:
    raise BackendError("the local ledger keeps the documents here; nothing is transferred")


LOCAL_LEDGER = AccountingBackend(
    LOCAL,
    {"fi": "Paikallinen reskontra", "sv": "Lokal reskontra", "en": "Local ledger"},
    _no_connection,
    pushes=False,
)


def chosen(backends: Sequence[AccountingBackend], key: str) -> AccountingBackend | None:
    return next((b for b in backends if b.key == key), None)


def config_secrets(
    backend: AccountingBackend, config: Mapping[str, Any], decrypt: Callable[[str], str]
) -> dict[str, str]:
    """The backend's decrypted secrets from its stored config."""
    return {key: decrypt(config[key]) for key in backend.secret_keys if config.get(key)}
