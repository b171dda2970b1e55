"""Signed references to a tenant's record, in our Message-IDs, Reply-To addresses and subjects.

Each token names a record (``entity``, ``id``) and carries an HMAC over the
tenant, the entity and the id, under a key derived from ``myynti.secret``. A
reply is routed only when the signature checks out for the tenant whose
mailbox received it: a forged token, or one of another tenant, never routes.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.jobs.outbox import queue_of

#: Characters of the signature in an address or Message-ID, and in a subject.
LONG = 16
SHORT = 10
_ENTITY = r"[a-z][a-z_]{0,39}"
_TOKEN = re.compile(rf"({_ENTITY})-(\d{{1,12}})-([0-9a-f]{{{SHORT},{LONG}}})")
_MESSAGE_ID = re.compile(
    rf"<?m\.([0-9a-f]{{1,32}})\.({_ENTITY})-(\d{{1,12}})-([0-9a-f]{{{LONG}}})@"
)
_SUBJECT = re.compile(rf"\[#({_ENTITY})-(\d{{1,12}})-([0-9a-f]{{{SHORT}}})\]")
#: The ``+token`` of a plus-address: ``myynti+r.task-12-<sig>@example.fi``.
_PLUS = re.compile(rf"\+r\.({_ENTITY})-(\d{{1,12}})-([0-9a-f]{{{LONG}}})@", re.IGNORECASE)


@dataclass(frozen=True)
class RecordRef:
    entity: str
    record_id: int


def settings_of(db: Any) -> Mapping[str, Any]:
    """The app's settings where there is only a session (a job, a hook without request)."""
    return queue_of(db).settings


def _key(settings: Mapping[str, Any]) -> bytes:
    secret = str(settings["myynti.secret"]).encode("utf-8")
    return hmac.new(secret, b"myynti.messaging.record-token", hashlib.sha256).digest()


def signature(settings: Mapping[str, Any], tenant_id: int, ref: RecordRef, length: int) -> str:
    text = f"{tenant_id}:{ref.entity}:{ref.record_id}".encode()
    return hmac.new(_key(settings), text, hashlib.sha256).hexdigest()[:length]


def _valid(settings: Mapping[str, Any], tenant_id: int, ref: RecordRef, sig: str) -> bool:
    return hmac.compare_digest(signature(settings, tenant_id, ref, len(sig)), sig.lower())


def message_id(settings: Mapping[str, Any], tenant_id: int, ref: RecordRef) -> str:
    """A new Message-ID of ours for a message on ``ref``: unique, naming the record, signed."""
    sig = signature(settings, tenant_id, ref, LONG)
    unique = secrets.token_hex(8)
    return f"<m.{unique}.{ref.entity}-{ref.record_id}-{sig}@{mail_domain(settings)}>"


def reply_address(settings: Mapping[str, Any], tenant_id: int, ref: RecordRef, base: str) -> str:
    """``base`` (``local@domain``) with a plus-token for ``ref``."""
    local, _at, domain = base.rpartition("@")
    sig = signature(settings, tenant_id, ref, LONG)
    return f"{local}+r.{ref.entity}-{ref.record_id}-{sig}@{domain}"


def subject_tag(settings: Mapping[str, Any], tenant_id: int, ref: RecordRef) -> str:
    return f"[#{ref.entity}-{ref.record_id}-{signature(settings, tenant_id, ref, SHORT)}]"


def from_address(settings: Mapping[str, Any], tenant_id: int, address: str) -> RecordRef | None:
    """The record a plus-addressed recipient names, when its signature is this tenant's."""
    match = _PLUS.search(address)
    return _checked(settings, tenant_id, match.groups()) if match else None


def from_message_ids(settings: Mapping[str, Any], tenant_id: int, header: str) -> RecordRef | None:
    """The record of the first of our Message-IDs in ``header`` (In-Reply-To, References)."""
    for match in _MESSAGE_ID.finditer(header or ""):
        ref = _checked(settings, tenant_id, match.groups()[1:])
        if ref is not None:
            return ref
    return None


def from_subject(settings: Mapping[str, Any], tenant_id: int, subject: str) -> RecordRef | None:
    match = _SUBJECT.search(subject or "")
    return _checked(settings, tenant_id, match.groups()) if match else None


def _checked(
    settings: Mapping[str, Any], tenant_id: int, groups: tuple[str, ...]
) -> RecordRef | None:
    entity, record_id, sig = groups
    ref = RecordRef(entity, int(record_id))
    return ref if _valid(settings, tenant_id, ref, sig) else None


def mail_domain(settings: Mapping[str, Any]) -> str:
    """The domain of our Message-IDs (``myynti.mail_domain``)."""
    return str(settings.get("myynti.mail_domain") or "myynti.invalid")


def unsubscribe_token(settings: Mapping[str, Any], tenant_id: int, ref: RecordRef) -> str:
    """The token of a marketing mail's unsubscribe link: tenant, person and signature."""
    return f"{tenant_id}.{ref.entity}-{ref.record_id}-{signature(settings, tenant_id, ref, LONG)}"


_UNSUBSCRIBE = re.compile(rf"(\d{{1,12}})\.({_ENTITY})-(\d{{1,12}})-([0-9a-f]{{{LONG}}})")


def from_unsubscribe_token(settings: Mapping[str, Any], token: str) -> tuple[int, RecordRef] | None:
    """The tenant id and record of a valid unsubscribe token, else None."""
    match = _UNSUBSCRIBE.fullmatch(token or "")
    if match is None:
        return None
    tenant_id = int(match.group(1))
    ref = _checked(settings, tenant_id, match.groups()[1:])
    return (tenant_id, ref) if ref is not None else None


def public_url(settings: Mapping[str, Any]) -> str:
    """The service's address for links in mail sent where there is no request (a job)."""
    return str(settings.get("myynti.public_url") or "http://localhost:6543").rstrip("/")
