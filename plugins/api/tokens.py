"""Personal API tokens: made once and shown once, stored as their SHA-256, scoped, revocable.

A token is long and random, so a plain SHA-256 (no salt, no slow hash) is
enough: the hash is looked up directly, and a stolen table reveals no token.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import all_tenants
from core.models import Membership, Tenant, User, as_utc, utcnow
from plugins.api.models import PersonalToken

#: Makes a leaked token recognisable (secret scanners, logs); ``myy_`` is contacts' tenant token.
PREFIX = "myypat_"
READ, WRITE = "read", "write"


def scope(plugin: str, access: str) -> str:
    return f"{plugin}:{access}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def generate(
    db: Session, user: User, name: str, scopes: Iterable[str], expires_at: datetime | None
) -> tuple[PersonalToken, str]:
    """A new token of ``user`` in the current tenant: the row and the token (never stored)."""
    token = PREFIX + secrets.token_urlsafe(32)
    row = PersonalToken(
        user_id=user.id,
        name=name,
        token_hash=hash_token(token),
        scopes=sorted(set(scopes)),
        expires_at=expires_at,
    )
    db.add(row)
    db.flush()
    return row, token


@dataclass(frozen=True)
class Caller:
    """Who calls the API: the token, its tenant, and its user's membership there."""

    token: PersonalToken
    tenant: Tenant
    membership: Membership

    def may(self, plugin: str, access: str) -> bool:
        """Whether the token's scopes allow ``access`` (read or write) to ``plugin``'s data."""
        scopes = set(self.token.scopes or ())
        if access == READ:
            return bool({scope(plugin, READ), scope(plugin, WRITE)} & scopes)
        return scope(plugin, WRITE) in scopes


def verify(db: Session, tenant_slug: str, token: str) -> Caller | None:
    """The caller whose live token ``token`` is, for the active tenant ``tenant_slug``.

    None for an unknown, revoked or expired token, a token of another tenant, a
    deactivated user or a user no longer a member. Runs before any tenant is
    chosen, so it looks across tenants for this one lookup.
    """
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    with all_tenants(db):
        found = db.execute(
            select(PersonalToken, Tenant, Membership)
            .join(Tenant, Tenant.id == PersonalToken.tenant_id)
            .join(
                Membership,
                (Membership.tenant_id == PersonalToken.tenant_id)
                & (Membership.user_id == PersonalToken.user_id),
            )
            .join(User, User.id == PersonalToken.user_id)
            .where(
                PersonalToken.token_hash == hash_token(token),
                PersonalToken.revoked_at.is_(None),
                Tenant.slug == tenant_slug,
                Tenant.active,
                Membership.active,
                User.active,
            )
        ).first()
    if found is None:
        return None
    row, tenant, membership = found
    if row.expires_at is not None and as_utc(row.expires_at) <= utcnow():
        return None
    return Caller(row, tenant, membership)


def revoke(token: PersonalToken) -> None:
    token.revoked_at = utcnow()
