"""Hooks the contacts plugin publishes for the plugins that depend on it.

Registered through ``myynti_addhooks`` (see ``hooks.py``), so a plugin that
lists ``contacts`` in its ``depends`` implements them with ``core.hookimpl``
like any core hook.
"""

from __future__ import annotations

from typing import Any

from core.hookspecs import hookspec


@hookspec
def myynti_request_conversions(request: Any, contact_request: Any) -> list[Any]:
    """Return what ``contact_request`` can be converted into, as ``ConversionTarget`` objects.

    Called when a contact request's page is shown and when a user converts it.
    Each target's ``convert(db, contact_request, user)`` creates the new record
    (a task, a quote...) in the current transaction and returns its
    ``(entity name, id)``; contacts then links both ways, writes history on both
    records and moves the request to *converted*. Raise
    ``plugins.contacts.requests.conversion.ConversionRefused`` with a message
    for the user to refuse. Return targets only if the user may create them.
    """
