"""The identity documents of an imported person are checked like every other value of the file (law 8).

`nct_Documents` was written to the person as it stood in the file: a document number given as a number or an
object was a server error (the blind index reads text), and a number of 5,000 characters, a type or country
that is no code of Nicat's vocabularies or an expiry that is no date were stored, then given out by the
person's API as if valid. Failed before: 500 for the first two files, 201 for the others."""
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from nicat.cases.models import Case
from nicat.persons.models import Person

pytestmark = pytest.mark.django_db

HTCDS = "/api/v1/exchange/htcds/"
RECORD = {"nct_OwnerInstitution": "ngo-one", "nct_FirstContact": "2026-01-05T10:00:00+00:00",
          "prs_FirstName": "Leyla", "prs_SecondName": "Əliyeva"}


@pytest.fixture
def world(cast):
    from tests.support.referrals import build_world

    return build_world(cast)


def _send(client, documents):
    data = {"cases": [{**RECORD, "nct_Documents": documents}]}
    return client.post(HTCDS, {"file": SimpleUploadedFile("in.json", json.dumps(data).encode())}, format="multipart")


@pytest.mark.parametrize(("documents", "field"), [
    ([{"type": "passport", "number": 12345}], "nct_Documents[0].number"),
    ([{"type": "passport", "number": {"series": "C"}}], "nct_Documents[0].number"),
    ([{"type": "passport", "number": "C" * 5000}], "nct_Documents[0].number"),
    ([{"type": "spaceship licence", "number": "C1"}], "nct_Documents[0].type"),
    ([{"number": "C1"}], "nct_Documents[0].type"),
    ([{"type": "passport", "number": "C1", "country": "Atlantis"}], "nct_Documents[0].country"),
    ([{"type": "passport", "number": "C1", "expiry": "not a date"}], "nct_Documents[0].expiry"),
    ([{"type": "passport", "number": "C1", "secret": "x"}], "nct_Documents[0].secret"),
])
def test_a_document_that_is_not_one_is_named_and_nothing_is_imported(world, api, documents, field):
    before = (Case.objects.system().count(), Person.objects.system().count())
    answer = _send(api(world.ca_supervisor), documents)
    assert answer.status_code == 400, answer.content[:300]
    assert field in {p["field"] for p in answer.json()["problems"]}
    assert (Case.objects.system().count(), Person.objects.system().count()) == before


def test_valid_documents_are_imported_as_they_were_exported(world, api):
    documents = [{"type": "passport", "number": "C1234567", "country": "AZ", "expiry": "2030-05-01"},
                 {"type": "national_id_card", "number": "AZE0012345", "country": "AZ"}]  # as the pages store it
    answer = _send(api(world.ca_supervisor), documents)
    assert answer.status_code == 201, answer.content[:300]
    person = Case.objects.system().order_by("-pk").first().person
    assert person.documents == documents  # a round trip writes the same file
    got = api(world.worker).get(f"/api/v1/persons/{person.uuid}/").json()
    assert got["documents"][0] == documents[0]
