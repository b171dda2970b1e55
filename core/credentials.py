"""Secrets a tenant hands us (SMTP, IMAP and accounting passwords), encrypted at rest.

A database dump or backup must not leak a customer's mail password, so such values
are stored as Fernet tokens under ``myynti.credentials_key``. The setting may list
several keys separated by spaces: the first encrypts, all decrypt, so a key is
rotated by putting a new one first and re-saving. The key is kept apart from
``myynti.secret`` so that renewing the cookie secret does not lose the passwords.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

SETTING = "myynti.credentials_key"


class CredentialUnreadable(Exception):
    """A stored secret cannot be decrypted with the configured keys (a lost or rotated key)."""


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


def encrypt(settings: Mapping[str, Any], plaintext: str) -> str:
    """``plaintext`` as a token to store."""
    return _fernet(settings[SETTING]).encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(settings: Mapping[str, Any], token: str) -> str:
    """The text of a stored token; ``CredentialUnreadable`` when no configured key opens it."""
    try:
        return _fernet(settings[SETTING]).decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError) as exc:
        raise CredentialUnreadable(
            "the stored secret cannot be read with the configured key"
        ) from exc


@lru_cache(maxsize=8)
def _fernet(keys: str) -> MultiFernet:
    return MultiFernet([Fernet(key.encode("ascii")) for key in keys.split()])
