"""Tenants' passwords are stored encrypted, and a key can be rotated without losing them."""

from __future__ import annotations

import pytest

from core import settings as core_settings
from core.credentials import CredentialUnreadable, decrypt, encrypt, new_key


def test_a_password_is_stored_unreadable_and_read_back() -> None:
    settings = {"myynti.credentials_key": new_key()}

    token = encrypt(settings, "salasana-ÄÖ")

    assert "salasana" not in token
    assert decrypt(settings, token) == "salasana-ÄÖ"


def test_a_rotated_key_still_reads_what_the_old_one_wrote() -> None:
    old, new = new_key(), new_key()
    token = encrypt({"myynti.credentials_key": old}, "vanha")

    assert decrypt({"myynti.credentials_key": f"{new} {old}"}, token) == "vanha"
    with pytest.raises(CredentialUnreadable):
        decrypt({"myynti.credentials_key": new}, token)


def test_a_tampered_token_is_refused() -> None:
    settings = {"myynti.credentials_key": new_key()}
    token = encrypt(settings, "x")

    with pytest.raises(CredentialUnreadable):
        decrypt(settings, token[:-4] + "AAAA")


def test_the_key_is_generated_once_into_the_data_directory(tmp_path) -> None:
    first = core_settings.resolve({"myynti.data_dir": str(tmp_path)}, environ={})
    again = core_settings.resolve({"myynti.data_dir": str(tmp_path)}, environ={})

    assert first["myynti.credentials_key"] == again["myynti.credentials_key"]
    assert (tmp_path / "credentials.key").stat().st_mode & 0o777 == 0o600
    assert decrypt(again, encrypt(first, "pysyy")) == "pysyy"
