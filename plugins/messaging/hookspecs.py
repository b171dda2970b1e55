"""Hooks the messaging plugin publishes for the plugins that depend on it.

Registered through ``myynti_addhooks`` (see ``hooks.py``): a partner's plugin
that lists ``messaging`` in its ``depends`` adds an SMS provider by
implementing ``myynti_sms_gateways`` with ``core.hookimpl``.
"""

from __future__ import annotations

from typing import Any

from core.hookspecs import hookspec


@hookspec
def myynti_sms_gateways() -> list[Any]:
    """Return ``plugins.messaging.sms.SmsGateway`` objects: SMS providers a tenant can choose.

    A gateway's ``send(config, to, text)`` sends one message (``to`` in E.164,
    ``config`` the tenant's ``GatewayConfig``) and returns the provider's id
    for it; it raises ``SmsRefused`` for a lasting refusal (the message fails
    with the reason) and any other exception for a temporary one (retried).
    """
