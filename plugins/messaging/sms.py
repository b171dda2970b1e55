"""SMS: numbers in E.164, the segment count, the gateways and the built-in HTTP one.

The built-in gateway POSTs ``{"to", "from", "text"}`` as JSON to the tenant's
endpoint with its token as a Bearer header, the shape most Finnish SMS
providers' REST APIs take or a small adapter gives them.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import phonenumbers
from sqlalchemy import select

from core import Label
from core.credentials import decrypt
from core.jobs.outbox import tenant_hooks
from core.models import Tenant
from plugins.messaging import _, tokens
from plugins.messaging.models import MailSettings, Message

#: GSM 03.38: the basic set, and the extension set whose characters take two septets.
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = frozenset("^{}\\[~]|€\f")
MAX_SEGMENTS = 10
TIMEOUT = 15.0


class InvalidNumber(ValueError):
    """Not a phone number we can send to."""


class SmsRefused(Exception):
    """The gateway refused the message for good; ``str()`` says why."""


@dataclass(frozen=True)
class GatewayConfig:
    endpoint: str
    token: str
    sender: str


@dataclass(frozen=True)
class SmsGateway:
    key: str
    label: Label
    send: Callable[[GatewayConfig, str, str], str]


@dataclass(frozen=True)
class Segments:
    encoding: str
    length: int
    count: int


def normalise(number: str, region: str = "FI") -> str:
    """``number`` in E.164 (``+358401234567``); a Finnish number may omit +358."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        raise InvalidNumber(number) from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidNumber(number)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def segments(text: str) -> Segments:
    """How the text is encoded and how many SMS segments it takes."""
    if all(ch in GSM_BASIC or ch in GSM_EXTENDED for ch in text):
        length = sum(2 if ch in GSM_EXTENDED else 1 for ch in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        # UCS-2 counts UTF-16 code units: an emoji takes two.
        length = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    count = 1 if length <= single else -(-length // multi)
    return Segments(encoding, length, count)


def http_send(config: GatewayConfig, to: str, text: str) -> str:
    """The built-in gateway: one JSON POST; 4xx is a refusal, anything else temporary."""
    if not config.endpoint:
        raise SmsRefused("no SMS endpoint is set")
    body = json.dumps({"to": to, "from": config.sender, "text": text}).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310 - the admin's configured https/http URL
        config.endpoint,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {config.token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            answer = response.read(10_000)
    except urllib.error.HTTPError as exc:
        reason = f"{exc.code} {exc.read(500).decode('utf-8', 'replace')}".strip()
        if 400 <= exc.code < 500 and exc.code not in (408, 429):
            raise SmsRefused(reason) from None
        raise
    try:
        return str(json.loads(answer).get("id", ""))[:200]
    except (ValueError, AttributeError):
        return ""


BUILT_IN = SmsGateway("http", _("HTTP API"), http_send)


def gateways(db: Any, tenant: Tenant) -> dict[str, SmsGateway]:
    hooks = tenant_hooks(db, tenant)
    return {g.key: g for g in hooks.collect("myynti_sms_gateways")}


def send_sms(db: Any, tenant: Tenant, message: Message) -> str:
    """Send ``message`` through the tenant's gateway: "" when sent, else the lasting reason.

    A temporary failure raises, so the job tries again.
    """
    config = db.scalar(select(MailSettings))
    if config is None:
        return "SMS is not set up"
    gateway = gateways(db, tenant).get(config.sms_gateway)
    if gateway is None:
        return f"the SMS gateway {config.sms_gateway} is not available"
    settings = tokens.settings_of(db)
    token = decrypt(settings, config.sms_token) if config.sms_token else ""
    gateway_config = GatewayConfig(config.sms_endpoint, token, config.sms_sender)
    try:
        for to in message.to:
            gateway.send(gateway_config, to, message.body_text)
    except SmsRefused as exc:
        return str(exc) or "refused"
    return ""
