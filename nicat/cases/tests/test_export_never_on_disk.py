"""An export of the case list with names never lies in clear on the server's disk (law 1).

The person who asked for the export receives the file; the server keeps no copy. openpyxl writes every
worksheet of a workbook to a plain temporary file (`/tmp/openpyxl.*`) before zipping it: the names and birth
dates of an XLSX export with identities lay there, in clear, while the file was made — and stayed there when
the worker was killed meanwhile. The test watches every file written in the server's temporary directory
while the export is made (read as it is removed, and whatever is left) and failed with openpyxl's own save."""
import io
import sys
import tempfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db

FAMILY, GIVEN, BORN = "Zeynalova", "Nəzakət", "1994-07-21"

_watching = []  # the audit hook of this module reads it: empty outside its test (a hook cannot be removed)
_hooked = []


def _hook(event, args):
    if not _watching or event not in ("os.remove", "os.unlink", "os.rename", "os.replace"):
        return
    folder, seen = _watching[0]
    path = str(args[0])
    if path.startswith(folder):
        try:
            with open(path, "rb") as fh:
                seen[path] = fh.read()
        except OSError:
            pass


@pytest.fixture
def temporary_files(monkeypatch, tmp_path):
    """The server's temporary directory, and every file written there: its bytes as it was removed, or now."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    if not _hooked:
        sys.addaudithook(_hook)
        _hooked.append(True)
    seen = {}
    _watching.append((str(tmp_path), seen))

    def written():
        left = {str(p): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
        return {**seen, **left}
    yield written
    _watching.clear()


def test_an_xlsx_export_with_names_writes_no_temporary_file_in_clear(cast, client, temporary_files):
    import datetime

    cast.open_case(person={"family_name": FAMILY, "given_name": GIVEN,
                           "birth_date": datetime.date.fromisoformat(BORN)})
    client.force_login(cast.worker)
    response = client.post(reverse("cases:export"), {"format": "xlsx", "identities": "on",
                                                     "purpose": "List for the court hearing on Monday"})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    values = [[c.value for c in row] for row in load_workbook(io.BytesIO(response.content)).active.iter_rows()]
    assert [FAMILY, GIVEN] == values[2][7:9] and values[2][10] == BORN  # the asker has the names
    leaked = {path: data for path, data in temporary_files().items()
              if any(term.encode() in data for term in (FAMILY, GIVEN, BORN))}
    assert not leaked, f"the export lay in clear on the server's disk: {sorted(leaked)}"
