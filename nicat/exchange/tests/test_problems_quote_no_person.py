"""Law 1 in the HTCDS import's problems: a value of a person's field that the import refuses is never quoted back —
not in the API's answer, not on the command's standard error (which a scheduled import leaves in the system's
journal). The problem names the row and the field and shows the value's shape (9 a digit, a/A a letter), enough to
mend the file; a mistyped code is still quoted, as it names nobody."""
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import translation

from nicat.accounts.models import Role

GOOD = {"nct_OwnerInstitution": "ngo-one", "prs_FirstName": "Lalə", "nct_FirstContact": "2026-01-05T10:00:00+00:00"}
CASES = [
    {**GOOD, "prs_Birthdate": "12.03.1995"},                 # a birth date in the wrong format
    {**GOOD, "prs_Gender": "Aysel Məmmədova"},               # a name shifted into a code field
    {**GOOD, "nct_OwnerInstitution": "Nəzakət Quliyeva"},    # a name where an institution's code belongs
    {**GOOD, "nct_Documents": [{"type": "passport", "expiry": "C 1234567"}]},  # a document number in a date
    {**GOOD, "prs_Gender": "femalee"},                       # a mistyped code: quoted as typed
]
SECRETS = ["12.03.1995", "1995", "Aysel", "Məmmədova", "Nəzakət", "Quliyeva", "1234567"]


def _problems(body):
    return {(p["row"], p["field"]): p["message"] for p in body["problems"]}


@pytest.mark.django_db
def test_the_apis_problems_show_the_shape_of_a_persons_value_never_the_value(cast, api):
    from tests.support.world import make_user

    client = api(make_user("chief", cast.main_department, Role.SUPERVISOR))
    upload = SimpleUploadedFile("in.json", json.dumps({"standard": "HTCDS 2.0", "cases": CASES}).encode(),
                                content_type="application/octet-stream")
    answer = client.post("/api/v1/exchange/htcds/", {"file": upload}, format="multipart", HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 400
    text = answer.content.decode()
    assert not [secret for secret in SECRETS if secret in text], text
    got = _problems(answer.json())
    assert got[(1, "prs_Birthdate")] == "expected a date YYYY-MM-DD, found '99.99.9999'"
    assert "'Aaaaa Aaaaaaaaa'" in got[(2, "prs_Gender")]
    assert got[(3, "nct_OwnerInstitution")].startswith("unknown institution 'Aaaaaaa Aaaaaaaa'")
    assert "'A 9999999'" in got[(4, "nct_Documents[0].expiry")]
    assert "'femalee'" in got[(5, "prs_Gender")]  # a code names nobody: shown as typed, to be corrected


@pytest.mark.django_db
def test_the_commands_standard_error_names_no_persons_value(cast, tmp_path):
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"standard": "HTCDS 2.0", "cases": CASES}), encoding="utf-8")
    err = io.StringIO()
    with translation.override("en"), pytest.raises(SystemExit):
        call_command("htcds", "import", str(path), stdout=io.StringIO(), stderr=err)
    text = err.getvalue()
    assert "row 1, prs_Birthdate: expected a date YYYY-MM-DD, found '99.99.9999'" in text
    assert "'femalee'" in text
    assert not [secret for secret in SECRETS if secret in text], text
