"""Hooks the accounting_link plugin publishes for the plugins that depend on it.

Registered through ``myynti_addhooks`` (see ``hooks.py``), so a plugin that
lists ``accounting_link`` in its ``depends`` implements them with
``core.hookimpl`` like any core hook.
"""

from __future__ import annotations

from typing import Any

from core.hookspecs import hookspec


@hookspec
def myynti_accounting_backends() -> list[Any]:
    """Return the ``plugins.accounting_link.backends.AccountingBackend`` objects this plugin offers.

    Called when the tenant admin chooses the accounting system (the settings
    page offers every enabled plugin's backends) and by the sync jobs, which
    take the tenant's chosen one by ``key``. A backend's ``connect(db=...,
    config=..., secrets=...)`` returns a ``BackendConnection``: push a
    customer, an order or an invoice (each returns the backend's key for it),
    and fetch the payments of pushed invoices. Raise ``BackendError`` with a
    reason for the user when the backend refuses or cannot be reached.
    """
