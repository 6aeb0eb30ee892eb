"""A published CTDC file imports completely, its tables come out with small cells withheld, and a
file with a problem writes nothing and says where the problem is."""
import csv
import json
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from nicat.audit.models import AuditEvent
from nicat.statistics.models import Dataset, DatasetRow
from nicat.statistics.selectors import dataset_table
from nicat.statistics.services import InvalidFile, import_ctdc

CTDC = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "ctdc" / "ctdc-victim-perpetrator-synthetic.csv"
needs_ctdc = pytest.mark.skipif(not CTDC.exists(), reason="shared/data/ctdc is not beside the checkout")


def _expected(by, k):
    """The same table computed straight from the file with the csv module."""
    with open(CTDC, encoding="utf-8", newline="") as fh:
        counts = Counter(tuple(row[c] or "unknown" for c in by) for row in csv.DictReader(fh))
    small = {key: n for key, n in counts.items() if n < k}
    return counts, small


@needs_ctdc
@pytest.mark.django_db
def test_the_real_ctdc_file_imports_completely_and_its_tables_match_the_file():
    out = StringIO()
    call_command("statistics", "import-ctdc", str(CTDC), "--dataset", "ctdc-vp", stdout=out)
    ds = Dataset.objects.get(name="ctdc-vp")
    assert ds.row_count == 21195 == DatasetRow.objects.filter(dataset=ds).count()
    assert len(ds.columns) == 16 and ds.columns[0] == "yearRegister"
    assert "21195 rows" in out.getvalue()

    out = StringIO()
    call_command("statistics", "table", "--dataset", "ctdc-vp", "--by", "gender,IP_ageBroad", "--k", "11",
                 "--format", "json", stdout=out)
    result = json.loads(out.getvalue())
    counts, small = _expected(["gender", "IP_ageBroad"], 11)
    assert len(result["cells"]) == len(counts)
    for cell in result["cells"]:
        key = (cell["gender"], cell["IP_ageBroad"])
        assert cell["count"] == (None if key in small else counts[key])
    assert result["suppressed_cells"] == len(small) > 0
    assert result["suppressed_records"] == sum(small.values())


@needs_ctdc
@pytest.mark.django_db
def test_without_k_every_cell_is_counted_and_unknown_stands_for_empty():
    with open(CTDC, "rb") as fh:
        ds = import_ctdc(actor=None, data=fh.read(), dataset="vp")
    result = dataset_table(dataset=ds, by=["majorityStatus"])
    counts, _ = _expected(["majorityStatus"], 0)
    assert {c["majorityStatus"]: c["count"] for c in result["cells"]} == {k[0]: n for k, n in counts.items()}
    assert result["suppressed_cells"] == 0 and "unknown" in {c["majorityStatus"] for c in result["cells"]}


@pytest.mark.django_db
def test_an_invalid_file_writes_nothing_and_names_line_and_column(tmp_path):
    import_ctdc(actor=None, data="gender,majorityStatus\nFemale,Adult\n", dataset="kept")
    bad = tmp_path / "bad.csv"
    bad.write_text("yearRegister,gender,isForcedLabour\n2019,Female,1\n20x9,Male,1\n2020,Male,yes\n2021,Female\n",
                   encoding="utf-8")
    err = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("statistics", "import-ctdc", str(bad), "--dataset", "kept", stderr=err)
    assert exit_info.value.code == 1
    text = err.getvalue()
    assert "line 3, yearRegister" in text and "line 4, isForcedLabour" in text and "line 5" in text
    assert "Nothing was imported" in text
    kept = Dataset.objects.get(name="kept")  # the earlier dataset of that name is untouched
    assert kept.row_count == 1 and kept.columns == ["gender", "majorityStatus"]


@pytest.mark.django_db
@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"\xff\xfe\x00g", "UTF-8"),
    ("name,age\nA,3\n", "No CTDC column"),
    ("gender,gender\nMale,Male\n", "twice"),
    ("gender\n", "no rows"),
])
def test_files_that_are_not_ctdc_data_are_refused(data, message):
    with pytest.raises(InvalidFile) as info:
        import_ctdc(actor=None, data=data, dataset="x")
    assert message in " ".join(info.value.messages)
    assert not Dataset.objects.exists()


@pytest.mark.django_db
def test_an_import_is_in_the_audit_trail(cast):
    import_ctdc(actor=cast.officer, data="gender\nFemale\nMale\n", dataset="small")
    event = AuditEvent.objects.filter(action="statistics.dataset_import").get()
    assert event.actor_id == cast.officer.pk and event.details["rows"] == 2


@pytest.mark.django_db
def test_a_table_by_an_unknown_column_says_which_columns_exist():
    import_ctdc(actor=None, data="gender,majorityStatus\nFemale,Adult\n", dataset="small")
    with pytest.raises(Exception) as info:
        call_command("statistics", "table", "--dataset", "small", "--by", "sex")
    assert "no column sex" in str(info.value) and "gender, majorityStatus" in str(info.value)
