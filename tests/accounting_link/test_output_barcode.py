"""The virtual barcode against the examples of Finanssiala's Pankkiviivakoodi-opas."""

from datetime import date
from decimal import Decimal

import pytest

from plugins.accounting_link.barcode import BarcodeError, virtual_barcode

GUIDE_EXAMPLES = [
    (
        "FI79 4405 2020 0360 82",
        "4883.15",
        "86851 62596 19897",
        date(2010, 6, 12),
        "479440520200360820048831500000000868516259619897100612",
    ),
    (
        "FI58 1017 1000 0001 22",
        "482.99",
        "55958 22432 94671",
        date(2012, 1, 31),
        "458101710000001220004829900000000559582243294671120131",
    ),
    (
        "FI02 5000 4640 0013 02",
        "693.80",
        "69 87567 20834 35364",
        date(2011, 7, 24),
        "402500046400013020006938000000069875672083435364110724",
    ),
    (
        "FI16 8000 1400 0502 67",
        "935.85",
        "78 77767 96566 28687",
        None,
        "416800014000502670009358500000078777679656628687000000",
    ),
    (
        "FI73 3131 3001 0000 58",
        "0.00",
        "8 68624",
        date(2013, 8, 9),
        "473313130010000580000000000000000000000000868624130809",
    ),
    (
        "FI79 4405 2020 0360 82",
        "4883.15",
        "RF09 8685 1625 9619 897",
        date(2010, 6, 12),
        "579440520200360820048831509000000868516259619897100612",
    ),
    (
        "FI39 3636 3002 0924 92",
        "1.03",
        "RF66 5907 3839 0",
        date(2023, 3, 11),
        "539363630020924920000010366000000000000590738390230311",
    ),
]


@pytest.mark.parametrize(("iban", "amount", "reference", "due", "expected"), GUIDE_EXAMPLES)
def test_barcode_matches_the_guide(iban, amount, reference, due, expected):
    code = virtual_barcode(iban, Decimal(amount), reference, due)
    assert code == expected
    assert len(code) == 54


def test_an_amount_of_a_million_or_more_is_left_for_the_payer_as_zeros():
    code = virtual_barcode("FI79 4405 2020 0360 82", Decimal("1000000.00"), "1232", None)
    assert code[17:25] == "00000000"
    assert code.endswith("000000")


def test_a_foreign_iban_or_a_bad_reference_gives_no_barcode():
    with pytest.raises(BarcodeError, match="not a Finnish IBAN"):
        virtual_barcode("DE89 3704 0044 0532 0130 00", Decimal("1"), "1232", None)
    with pytest.raises(BarcodeError, match="check digit"):
        virtual_barcode("FI79 4405 2020 0360 82", Decimal("1"), "1233", None)
