"""The yes/no and whole-number fields of an imported HTCDS file are read strictly (law 8).

Found by a review: `nct_BirthdateIsEstimate: "false"` (text) was read as true, and `nct_EstimatedAge: true` as an
age of 1 — the person's record then said the opposite of the file. In CSV any text but true/1/yes was false. The
institutions' flags were read the same loose way: `nct_CompetentAuthority: "false"` made a new institution the
competent authority on the operator's restore, and `nct_Active: "false"` left it active. Each wrong value is now
refused on its field and nothing is written."""
import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from nicat.cases.models import Case
from nicat.directory.models import Institution
from nicat.persons.models import Person

pytestmark = pytest.mark.django_db

HTCDS = "/api/v1/exchange/htcds/"
RECORD = {"nct_OwnerInstitution": "ngo-one", "nct_FirstContact": "2026-01-05T10:00:00+00:00",
          "prs_FirstName": "Leyla", "prs_SecondName": "Əliyeva", "prs_Birthdate": "1990-01-01"}


@pytest.fixture
def world(cast):
    from tests.support.referrals import build_world

    return build_world(cast)


def _json(client, data):
    return client.post(HTCDS, {"file": SimpleUploadedFile("in.json", json.dumps(data).encode())}, format="multipart")


def _csv(client, record):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(record), lineterminator="\n")
    writer.writeheader()
    writer.writerow(record)
    return client.post(HTCDS, {"file": SimpleUploadedFile("in.csv", out.getvalue().encode())}, format="multipart")


def _counts():
    return Case.objects.system().count(), Person.objects.system().count(), Institution.objects.count()


def _fields(answer):
    assert answer.status_code == 400, answer.content[:300]
    return {p["field"]: p["message"] for p in answer.json()["problems"]}


@pytest.mark.parametrize(("field", "value"), [
    ("nct_BirthdateIsEstimate", "false"), ("nct_BirthdateIsEstimate", "true"), ("nct_BirthdateIsEstimate", 0),
    ("nct_BirthdateIsEstimate", 1), ("nct_BirthdateIsEstimate", "yes"), ("nct_BirthdateIsEstimate", []),
    ("nct_EstimatedAge", True), ("nct_EstimatedAge", False), ("nct_EstimatedAge", 30.5), ("nct_EstimatedAge", "30"),
    ("nct_EstimatedAge", "thirty"), ("nct_EstimatedAge", 121), ("nct_EstimatedAge", -1),
])
def test_a_json_value_of_the_wrong_kind_is_refused_on_its_field(world, api, field, value):
    before = _counts()
    problems = _fields(_json(api(world.ca_supervisor), {"cases": [{**RECORD, field: value}]}))
    assert field in problems and repr(value)[:10].strip("'") in problems[field]
    assert _counts() == before


@pytest.mark.parametrize(("field", "text"), [
    ("nct_BirthdateIsEstimate", "yes"), ("nct_BirthdateIsEstimate", "1"), ("nct_BirthdateIsEstimate", "no"),
    ("nct_BirthdateIsEstimate", "maybe"), ("nct_EstimatedAge", "true"), ("nct_EstimatedAge", "30.5"),
    ("nct_EstimatedAge", "30 years"),
])
def test_a_csv_cell_of_the_wrong_kind_is_refused_on_its_field(world, api, field, text):
    before = _counts()
    problems = _fields(_csv(api(world.ca_supervisor), {**RECORD, field: text}))
    assert field in problems
    assert _counts() == before


@pytest.mark.parametrize("send", [_json, _csv])
@pytest.mark.parametrize(("estimate", "age", "written", "expected"), [
    (False, 30, ("false", "30"), (False, 30)), (True, None, ("TRUE", ""), (True, None)),
    (None, None, ("", ""), (False, None)),
])
def test_the_documented_values_are_read_as_they_say(world, api, send, estimate, age, written, expected):
    record = {**RECORD, "nct_BirthdateIsEstimate": estimate, "nct_EstimatedAge": age}
    if send is _csv:
        record.update(nct_BirthdateIsEstimate=written[0], nct_EstimatedAge=written[1])
        answer = _csv(api(world.ca_supervisor), record)
    else:
        answer = _json(api(world.ca_supervisor), {"cases": [record]})
    assert answer.status_code == 201, answer.content[:300]
    person = Case.objects.system().order_by("-pk").first().person
    assert (person.birth_date_is_estimate, person.estimated_age) == expected


def _org(**flags):
    return {"nct_Code": "new-ngo", "org_Name": "Yeni təşkilat", "org_Type": "NGO", **flags}


@pytest.mark.parametrize("flag", ["nct_CompetentAuthority", "nct_Nonprofit", "nct_Active"])
@pytest.mark.parametrize("value", ["false", "true", 0, 1])
def test_an_institution_flag_of_the_wrong_kind_is_refused_through_the_api(world, api, flag, value):
    before = _counts()
    data = {"organisations": [_org(**{flag: value})], "cases": [RECORD]}
    problems = _fields(_json(api(world.ca_supervisor), data))
    assert "true or false" in problems[f"organisations[0].{flag}"]
    assert _counts() == before


@pytest.mark.parametrize("flag", ["nct_CompetentAuthority", "nct_Nonprofit", "nct_Active"])
def test_the_operators_restore_does_not_read_false_as_true(cast, tmp_path, flag):
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"organisations": [_org(**{flag: "false"})], "cases": []}), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("htcds", "import", str(path), stdout=io.StringIO(), stderr=err)
    assert f"organisations[0].{flag}: expected true or false" in err.getvalue()
    assert not Institution.objects.filter(code="new-ngo").exists()
    # Written as JSON false, the restore takes it as false.
    path.write_text(json.dumps({"organisations": [_org(**{flag: False})], "cases": []}), encoding="utf-8")
    call_command("htcds", "import", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    made = Institution.objects.get(code="new-ngo")
    assert not (made.is_competent_authority if flag == "nct_CompetentAuthority" else
                made.is_nonprofit if flag == "nct_Nonprofit" else made.active)
