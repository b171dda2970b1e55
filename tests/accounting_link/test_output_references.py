"""Payment references: made from an invoice number, typed ones checked, printed in groups."""

import pytest

from plugins.accounting_link import references
from plugins.accounting_link.references import InvalidReference


def test_national_reference_gets_the_7_3_1_check_digit():
    # A base under three digits is padded: 1 -> 001 + check digit 3.
    assert references.make_national(123456) == "1234561"
    assert references.make_national(1) == "0013"
    assert references.make_national("868516259619897"[:-1]) == "868516259619897"


def test_national_reference_printed_in_groups_of_five_from_the_right():
    assert references.format_national("868516259619897") == "86851 62596 19897"
    assert references.printed("1234561") == "12 34561"


def test_a_typed_reference_with_a_wrong_check_digit_is_refused_clearly():
    with pytest.raises(InvalidReference, match="check digit .* wrong: it should end in 7"):
        references.validate("86851 62596 19898")


def test_a_typed_reference_too_short_or_with_letters_is_refused():
    with pytest.raises(InvalidReference, match="4–20 digits"):
        references.validate("13")
    with pytest.raises(InvalidReference, match="4–20 digits"):
        references.validate("12A4561")


def test_typed_references_are_accepted_with_spaces_and_returned_compact():
    assert references.validate(" 86851 62596 19897 ") == "868516259619897"
    assert references.validate("rf09 8685 1625 9619 897") == "RF09868516259619897"


def test_rf_reference_made_from_a_base_and_printed_in_fours():
    made = references.make_rf("86851625961989")
    assert made == "RF09868516259619897"
    assert references.printed(made) == "RF09 8685 1625 9619 897"


def test_rf_reference_with_wrong_check_digits_is_refused():
    with pytest.raises(InvalidReference, match="check digits of the RF reference"):
        references.validate("RF10 8685 1625 9619 897")
