"""A CSV cell that a spreadsheet would run as a formula is kept as text."""

import pytest

from core.spreadsheet import safe_cell


@pytest.mark.parametrize("value", ["=1+1", "+358", "-2", "@SUM(A1)", "\t=1", "\r=1"])
def test_a_cell_that_starts_a_formula_is_defused(value: str) -> None:
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Äijälä Oy", "", "1 234,56", "a=b"])
def test_other_cells_are_left_alone(value: str) -> None:
    assert safe_cell(value) == value
