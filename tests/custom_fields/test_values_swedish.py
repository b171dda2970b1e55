"""A yes/no custom value in Swedish: the display speaks the third UI language too."""

from __future__ import annotations

from types import SimpleNamespace

from plugins.custom_fields.models import FieldType
from plugins.custom_fields.values import display


def test_a_yes_no_value_reads_in_swedish() -> None:
    field = SimpleNamespace(type=FieldType.YES_NO)

    assert display(field, True, "sv", {}) == "ja"
    assert display(field, False, "sv", {}) == "nej"
    assert display(field, True, "fi", {}) == "kyllä"
