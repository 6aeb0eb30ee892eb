"""The public edition of the annual report withholds a small figure — and also what gives it back.

Its first table states how many victims were recognised in the year (the sum "Σ"); the tables by form of
exploitation, citizenship and country of exploitation count the same victims, and most victims have one form,
one citizenship, one country. With a single figure withheld in such a table, the analyst subtracts the others
from the first table's sum and has it: 14 men recognised, 12 for forced labour, so the "—" of organ removal is
2. Failed before: the table by form of exploitation showed 12 beside the one withheld figure."""
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from nicat.statistics.tests.test_annual_report import build_world

pytestmark = pytest.mark.django_db


def _sheets(content):
    wb = load_workbook(io.BytesIO(content))
    return {ws["A1"].value: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets[1:]}


def test_a_single_withheld_figure_cannot_be_worked_out_from_the_recognised_total(cast, client):
    world = build_world(cast)
    client.force_login(world.analyst)
    got = client.get(reverse("statistics:annual_report"),
                     {"year": 2025, "language": "en", "edition": "public", "format": "xlsx"})
    assert got.status_code == 200
    sheets = _sheets(got.content)
    by_sex = next(rows for title, rows in sheets.items() if "by sex and age" in title)
    assert by_sex[-1][0] == "Σ" and by_sex[-1][-1] == 14  # the analyst reads: 14 recognised victims
    for title, rows in sheets.items():
        if "recognised" not in title or "by sex and age" in title:
            continue
        figures = [row[1] for row in rows if row[0] not in (None, "") and len(row) > 1 and row[1] != "Cases"
                   and (row[1] == "—" or isinstance(row[1], int))]
        withheld = figures.count("—")
        shown = sum(f for f in figures if f != "—")
        assert withheld != 1, (f"{title!r}: one figure withheld beside {shown}: it is 14 - {shown} = "
                               f"{14 - shown}")
