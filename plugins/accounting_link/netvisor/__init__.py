"""A client for Netvisor's REST API (XML over HTTPS, each request signed with an HMAC).

``auth`` signs requests, ``messages`` builds the XML Netvisor takes and reads
its answers, ``client`` sends them. No database here: documents come in as
``DocumentData``, answers go out as plain dataclasses.
"""

from plugins.accounting_link.netvisor.auth import Credentials
from plugins.accounting_link.netvisor.client import NetvisorClient
from plugins.accounting_link.netvisor.errors import (
    NetvisorError,
    NetvisorFailed,
    NetvisorHTTPError,
    NetvisorMalformed,
    NetvisorTimeout,
)
from plugins.accounting_link.netvisor.messages import InvoiceState, Payment

__all__ = [
    "Credentials",
    "InvoiceState",
    "NetvisorClient",
    "NetvisorError",
    "NetvisorFailed",
    "NetvisorHTTPError",
    "NetvisorMalformed",
    "NetvisorTimeout",
    "Payment",
]
