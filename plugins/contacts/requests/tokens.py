"""Per-tenant API tokens: made once, shown once, stored only as their SHA-256.

A token is long and random, so a plain SHA-256 (no salt, no slow hash) is
enough: the hash is looked up directly, and a stolen table reveals no token.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import all_tenants
from core.models import Tenant, utcnow
from plugins.contacts.models import ApiToken

#: Makes a leaked token recognisable (secret scanners, logs).
PREFIX = "myy_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def generate(db: Session, name: str) -> tuple[ApiToken, str]:
    """A new token of the current tenant: the row and the token itself (never stored)."""
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name, token_hash=hash_token(token))
    db.add(row)
    db.flush()
    return row, token


def verify(db: Session, tenant_slug: str, token: str) -> ApiToken | None:
    """The live token of the active tenant ``tenant_slug`` that ``token`` is, else None.

    Runs before any tenant is chosen, so it looks across tenants, for this one
    lookup only; a token of another tenant is no token here.
    """
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    with all_tenants(db):
        row = db.scalar(
            select(ApiToken)
            .join(Tenant, Tenant.id == ApiToken.tenant_id)
            .where(
                ApiToken.token_hash == hash_token(token),
                ApiToken.revoked_at.is_(None),
                Tenant.slug == tenant_slug,
                Tenant.active,
            )
        )
    return row


def touch(token: ApiToken) -> None:
    """Note the use, so an admin sees which tokens are still in use."""
    token.last_used_at = utcnow()


def revoke(token: ApiToken) -> None:
    token.revoked_at = utcnow()
