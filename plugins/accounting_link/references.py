"""Payment references: the Finnish national one (7-3-1 check digit) and RF (ISO 11649).

A national reference is 4–20 digits, the last being the check digit: the
digits before it are weighted 7, 3, 1, 7, 3, 1… from the right, and the check
digit tops their sum up to the next multiple of ten. It is printed in groups
of five from the right. The RF form (ISO 11649) is done by python-stdnum.
"""

from __future__ import annotations

import re

from stdnum import iso11649
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.iso7064 import mod_97_10

WEIGHTS = (7, 3, 1)


class InvalidReference(ValueError):
    """A typed reference is not valid; ``str()`` says why, for the user."""


def compact(text: str) -> str:
    """The reference without spaces, upper case."""
    return re.sub(r"\s+", "", text).upper()


def check_digit(base: str) -> str:
    """The 7-3-1 check digit of ``base`` (digits only)."""
    total = sum(int(d) * WEIGHTS[i % 3] for i, d in enumerate(reversed(base)))
    return str(-total % 10)


def make_national(base: int | str) -> str:
    """The national reference of ``base`` (e.g. an invoice number), compact.

    A base shorter than three digits is padded with leading zeros, as the
    shortest reference has four digits in all.
    """
    digits = str(base)
    if not digits.isdigit() or len(digits) > 19:
        raise ValueError(f"a reference's base is 1–19 digits, not {digits!r}")
    digits = digits.zfill(3)
    return digits + check_digit(digits)


def make_rf(base: int | str) -> str:
    """The RF reference made of the national reference of ``base``, compact."""
    national = make_national(base)
    return "RF" + mod_97_10.calc_check_digits(national + "RF") + national


def validate_national(text: str) -> str:
    """A typed national reference, compact; ``InvalidReference`` if it is not one."""
    value = compact(text)
    if not value.isdigit() or not 4 <= len(value) <= 20:
        raise InvalidReference("A reference number has 4–20 digits.")
    if check_digit(value[:-1]) != value[-1]:
        raise InvalidReference(
            f"The check digit of the reference number is wrong: it should end in "
            f"{check_digit(value[:-1])}."
        )
    return value


def validate_rf(text: str) -> str:
    """A typed RF reference, compact; ``InvalidReference`` if it is not one."""
    value = compact(text)
    try:
        return iso11649.validate(value)
    except InvalidChecksum as error:
        raise InvalidReference("The check digits of the RF reference are wrong.") from error
    except StdnumError as error:
        raise InvalidReference(
            "An RF reference is RF, two check digits and up to 21 characters."
        ) from error


def validate(text: str) -> str:
    """A typed national or RF reference, compact; ``InvalidReference`` if invalid."""
    value = compact(text)
    return validate_rf(value) if value.startswith("RF") else validate_national(value)


def format_national(text: str) -> str:
    """A national reference in groups of five digits from the right: ``12 34561``."""
    value = compact(text)
    groups = [value[max(0, end - 5) : end] for end in range(len(value), 0, -5)]
    return " ".join(reversed(groups))


def format_rf(text: str) -> str:
    """An RF reference in groups of four: ``RF18 5390 0754 7034``."""
    return iso11649.format(compact(text))


def printed(text: str) -> str:
    """A valid reference of either form as it is printed on an invoice."""
    value = compact(text)
    return format_rf(value) if value.startswith("RF") else format_national(value)
