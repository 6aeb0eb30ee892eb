"""The problems of an HTCDS import are told in the reader's language: through the API in the request's
(the language cookie, else Accept-Language, else Azerbaijani), and by `nicat htcds import` in the active
language, which for a management command is the installation's LANGUAGE_CODE. The HTCDS field names and the
file's values stay as they are."""
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

from nicat.accounts.models import Role

URL = "/api/v1/exchange/htcds/"
GOOD = {"nct_OwnerInstitution": "ngo-one", "prs_FirstName": "Lalə", "nct_FirstContact": "2026-01-05T10:00:00+00:00"}
CASES = [GOOD, {**GOOD, "prs_Birthdate": "1999-02-30"}, {**GOOD, "nct_OwnerInstitution": "nowhere"}]

EXPECTED = {
    "az": {
        "prs_Birthdate": "təqvimdə belə gün yoxdur: ayı və günü yoxlayın (YYYY-MM-DD)",
        "nct_OwnerInstitution": "naməlum qurum 'nowhere': onu organisations siyahısına daxil edin və ya əvvəlcə "
                                "yaradın",
    },
    "ru": {
        "prs_Birthdate": "такого дня нет в календаре: проверьте месяц и день (YYYY-MM-DD)",
        "nct_OwnerInstitution": "неизвестное учреждение 'nowhere': перечислите его в organisations или сначала "
                                "создайте",
    },
    "en": {
        "prs_Birthdate": "no such day in the calendar: check the month and the day (YYYY-MM-DD)",
        "nct_OwnerInstitution": "unknown institution 'nowhere': list it under organisations or create it first",
    },
}


def _post(client, **headers):
    upload = SimpleUploadedFile("in.json", json.dumps({"standard": "HTCDS 2.0", "cases": CASES}).encode("utf-8"),
                                content_type="application/octet-stream")
    return client.post(URL, {"file": upload}, format="multipart", **headers)


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["az", "ru", "en"])
def test_the_apis_problems_come_in_the_language_asked_for(cast, api, lang):
    from tests.support.world import make_user

    client = api(make_user("chief", cast.main_department, Role.SUPERVISOR))
    answer = _post(client, HTTP_ACCEPT_LANGUAGE=lang)
    assert answer.status_code == 400
    body = answer.json()
    got = {p["field"]: p["message"] for p in body["problems"]}
    assert {field: got.get(field) for field in EXPECTED[lang]} == EXPECTED[lang]
    with translation.override(lang):  # the detail was already translated: now both speak the same language
        assert body["detail"] == translation.gettext("The file has invalid records: nothing was imported.")


@pytest.mark.django_db
def test_the_language_cookie_chooses_as_for_the_pages(cast, api):
    from django.conf import settings

    from tests.support.world import make_user

    client = api(make_user("chief", cast.main_department, Role.SUPERVISOR))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    got = {p["field"]: p["message"] for p in _post(client, HTTP_ACCEPT_LANGUAGE="az").json()["problems"]}
    assert got["prs_Birthdate"] == EXPECTED["ru"]["prs_Birthdate"]


@pytest.mark.django_db
def test_the_command_tells_the_problems_in_the_installations_language(cast, tmp_path):
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"standard": "HTCDS 2.0", "cases": CASES}), encoding="utf-8")
    for lang, nothing in [("az", "Heç nə idxal edilmədi."), ("ru", "Ничего не импортировано.")]:
        err = io.StringIO()
        # No language active, as when `nicat htcds` runs: Django then uses LANGUAGE_CODE.
        with override_settings(LANGUAGE_CODE=lang), pytest.raises(SystemExit):
            translation.deactivate()
            call_command("htcds", "import", str(path), stdout=io.StringIO(), stderr=err)
        text = err.getvalue()
        row = {"az": "sətir", "ru": "строка"}[lang]
        assert f"{path}: {row} 2, prs_Birthdate: {EXPECTED[lang]['prs_Birthdate']}" in text
        assert f"{path}: {row} 3, nct_OwnerInstitution: {EXPECTED[lang]['nct_OwnerInstitution']}" in text
        assert nothing in text
