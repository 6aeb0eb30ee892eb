"""HTCDS 2.0 exchange: the round trip gives the same file, every row is checked first, an import
never links to an existing person, identities are encrypted on the way in, and both are audited."""
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection

from nicat.audit.models import AuditEvent


def _export(tmp_path, name):
    path = tmp_path / name
    call_command("htcds", "export", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    return path.read_text(encoding="utf-8")


def _empty_database():
    from nicat.vocab.loader import load_all
    from nicat.vocab.models import Term

    call_command("flush", interactive=False, verbosity=0)
    load_all(Term)


@pytest.mark.django_db(transaction=True)
def test_export_import_into_an_empty_database_and_export_again_gives_the_same_file(tmp_path):
    from nicat.cases.models import Case
    from nicat.web.demo import build_world

    build_world(cases=12, password="Demo-pass-123")
    first_json = _export(tmp_path, "first.json")
    first_csv = _export(tmp_path, "first.csv")
    data = json.loads(first_json)
    assert data["standard"] == "HTCDS 2.0" and len(data["cases"]) == Case.objects.system().count() >= 12  # the living demo adds its own
    assert {"prs_FirstName", "vic_TraffickingStatus", "vic_TypeOfExploitation", "cas_Status"} <= set(data["cases"][0])

    _empty_database()
    assert not Case.objects.system().exists()
    call_command("htcds", "import", str(tmp_path / "first.json"), stdout=io.StringIO(), stderr=io.StringIO())
    assert _export(tmp_path, "second.json") == first_json

    # CSV carries the cases only: its institutions must exist (here from the JSON's organisations).
    _empty_database()
    orgs_only = tmp_path / "orgs.json"
    orgs_only.write_text(json.dumps({"standard": "HTCDS 2.0", "organisations": data["organisations"], "cases": []}),
                         encoding="utf-8")
    call_command("htcds", "import", str(orgs_only), stdout=io.StringIO(), stderr=io.StringIO())
    call_command("htcds", "import", str(tmp_path / "first.csv"), stdout=io.StringIO(), stderr=io.StringIO())
    assert _export(tmp_path, "second.csv") == first_csv
    assert AuditEvent.objects.filter(action="htcds.import").count() == 2


def _record(**extra):
    record = {"nct_OwnerInstitution": "ngo-one", "prs_FirstName": "Lalə", "prs_SecondName": "Quliyeva",
              "nct_FirstContact": "2026-01-05T10:00:00+00:00", "vic_TypeOfExploitation": ["ForcedLabour"]}
    record.update(extra)
    return record


def _write(tmp_path, cases, name="in.json"):
    path = tmp_path / name
    path.write_text(json.dumps({"standard": "HTCDS 2.0", "cases": cases}), encoding="utf-8")
    return path


@pytest.mark.django_db
def test_an_invalid_row_is_reported_with_its_row_and_field_and_nothing_is_written(cast, tmp_path):
    from nicat.cases.models import Case

    path = _write(tmp_path, [_record(), _record(prs_Birthdate="1999-02-30"), _record(nct_OwnerInstitution="nowhere"),
                             _record(nct_Events=[{"hte_Type": "Holiday"}]),
                             _record(vic_TraffickingStatus="ActualVictimOfTrafficking")])
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("htcds", "import", str(path), stdout=io.StringIO(), stderr=err)
    assert exit_info.value.code == 1
    text = err.getvalue()
    assert "row 2, prs_Birthdate" in text and "row 3, nct_OwnerInstitution" in text
    assert "row 4, nct_Events[0].hte_Type" in text and "Nothing was imported" in text
    assert "row 5, vic_TraffickingStatus: a decided status needs the decision" in text
    assert not Case.objects.system().exists()

    out = io.StringIO()
    call_command("htcds", "import", str(path), "--skip-invalid", stdout=out, stderr=io.StringIO())
    assert "Imported 1 cases" in out.getvalue() and "4 invalid rows were skipped" in out.getvalue()
    case = Case.objects.system().get()
    assert case.owner_institution.code == "ngo-one" and case.reference.startswith("NCT-2026-")
    assert [t.code for t in case.exploitation_forms.all()] == ["forced_labour"]


@pytest.mark.django_db
def test_an_import_never_links_to_a_person_already_in_the_registry(cast, tmp_path):
    existing = cast.open_case()
    path = _write(tmp_path, [_record(nct_PersonId=str(existing.person.uuid))])
    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("htcds", "import", str(path), stdout=io.StringIO(), stderr=err)
    assert "names a person already in this registry" in err.getvalue()


@pytest.mark.django_db
def test_identities_are_encrypted_on_the_way_in(cast, tmp_path):
    call_command("htcds", "import", str(_write(tmp_path, [_record(prs_SecondName="Unikalnaya")])),
                 stdout=io.StringIO(), stderr=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("SELECT family_name FROM persons_person")
        stored = [row[0] for row in cursor.fetchall()]
    assert stored and all("Unikalnaya" not in str(v) for v in stored)
    from nicat.persons.models import Person

    assert Person.objects.system().get().family_name == "Unikalnaya"


@pytest.mark.django_db
@pytest.mark.parametrize("content, message", [
    ("{not json", "not valid JSON"),
    ('{"cases": 5}', '"cases" list'),
])
def test_a_broken_file_is_refused(cast, tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("htcds", "import", str(path), stdout=io.StringIO(), stderr=err)
    assert message in err.getvalue()


@pytest.mark.django_db
def test_the_operators_export_is_in_the_access_trail_of_every_case_it_wrote(cast, tmp_path, monkeypatch):
    """Found by the ninth review: `nicat htcds export` writes every case (names, birth dates, documents) to a
    file, but its one event named no case — "who accessed this record" never showed it. Its events now name
    the cases, a bounded number to each (here two), so every case's trail finds the export exactly once."""
    from nicat.audit.selectors import case_accessors, case_trail
    from nicat.exchange import services

    monkeypatch.setattr(services, "EXPORT_EVENT_CASES", 2, raising=False)
    cases = [cast.open_case(person={"given_name": f"Aysel{n}", "family_name": "Məmmədova"}) for n in range(5)]
    _export(tmp_path, "all.json")
    for case in cases:
        exports = case_trail(case=case).filter(action="htcds.export")
        assert exports.count() == 1 and exports.get().actor is None
        assert "" in {row["actor_username"] for row in case_accessors(case=case)}  # the system, on the operator's order
    events = list(AuditEvent.objects.filter(action="htcds.export").order_by("sequence"))
    assert [len(e.details["case_uuids"]) for e in events] == [2, 2, 1]
    assert all(e.details["cases"] == 5 for e in events)
