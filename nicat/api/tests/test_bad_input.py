"""Issue 14, item 8: bad input that used to get through (or end in a 500) answers a clear 400/413
and writes nothing."""
import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from nicat.audit.models import AuditEvent
from nicat.cases.models import Case
from nicat.persons.models import Person

NEW_CASE = {
    "person": {"given_name": "Günel", "family_name": "Əliyeva", "birth_date": "2001-05-06", "citizenships": ["AZ"]},
    "came_to_notice": "hotline", "scope": "transnational", "summary": "Promised a job as a waitress.",
}


@pytest.fixture
def worker_api(api, cast):
    return api(cast.worker)


def _nested(depth):
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("url", ["/api/v1/cases/", "/api/v1/persons/candidates/", "/api/v1/referrals/",
                                 "/api/v1/consents/"])
def test_json_nested_a_thousand_levels_deep_is_a_400_everywhere(worker_api, url):
    body = '{"person": ' + _nested(1000) + "}"
    response = worker_api.generic("POST", url, body, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert "nested more than 20 levels" in response.json()["detail"]


def test_json_nested_deeper_than_the_recursion_limit_is_a_400(worker_api):
    response = worker_api.generic("POST", "/api/v1/cases/", _nested(100_000), content_type="application/json")
    assert response.status_code == 400 and "nested" in response.json()["detail"]


@override_settings(NICAT_API_MAX_BODY_BYTES=10_000, DATA_UPLOAD_MAX_MEMORY_SIZE=10_000)
def test_a_body_over_the_limit_is_a_413_and_writes_nothing(worker_api):
    before = Case.objects.system().count()
    response = worker_api.post("/api/v1/cases/", {**NEW_CASE, "summary": "x" * 20_000}, format="json")
    assert response.status_code == 413
    assert "larger than 10000 bytes" in response.json()["detail"]
    assert Case.objects.system().count() == before


def test_a_two_megabyte_summary_is_refused_with_the_field_named(worker_api):
    before = (Case.objects.system().count(), Person.objects.system().count(), AuditEvent.objects.count())
    response = worker_api.post("/api/v1/cases/", {**NEW_CASE, "summary": "a" * 2_000_000}, format="json")
    assert response.status_code == 400, response.content[:300]
    assert "at most 20000" in response.json()["summary"][0]
    assert (Case.objects.system().count(), Person.objects.system().count()) == before[:2]


@pytest.mark.parametrize("name", ["Ali\u202eveyilA", "Ali\u0000", "Ali\u0007ev", "Ali\u2066ev"])
def test_control_and_direction_characters_in_names_are_refused(worker_api, name):
    response = worker_api.post("/api/v1/cases/", {**NEW_CASE, "person": {**NEW_CASE["person"], "given_name": name}},
                               format="json")
    assert response.status_code == 400, response.content[:300]
    assert "person.given_name" in response.json() or "given_name" in str(response.json())
    assert not Person.objects.system().exists()


def test_a_line_break_in_a_name_is_refused_but_allowed_in_a_summary(worker_api):
    response = worker_api.post("/api/v1/cases/", {**NEW_CASE, "person": {**NEW_CASE["person"],
                                                                         "family_name": "Əli\nyeva"}}, format="json")
    assert response.status_code == 400 and "one line" in str(response.json())
    response = worker_api.post("/api/v1/cases/", {**NEW_CASE, "summary": "Line one.\nLine two.\tTabbed."},
                               format="json")
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize("birth", ["0001-01-01", "1899-12-31", (timezone.localdate() + datetime.timedelta(days=2))
                                   .isoformat()])
def test_implausible_birth_dates_are_refused(worker_api, birth):
    response = worker_api.post("/api/v1/cases/", {**NEW_CASE, "person": {**NEW_CASE["person"], "birth_date": birth}},
                               format="json")
    assert response.status_code == 400, response.content[:300]
    assert "birth_date" in str(response.json())
    assert not Case.objects.system().exists()


@pytest.mark.parametrize("when", ["1753-01-01T10:00:00", "0001-01-01T00:00:00", "0001-01-01T00:00:00+05:00",
                                  "9999-12-31T23:59:59", "9999-12-31T23:59:59-05:00"])
def test_implausible_first_contact_is_refused_no_nct_1753(worker_api, when):
    response = worker_api.post("/api/v1/cases/", {**NEW_CASE, "first_contact_at": when}, format="json")
    assert response.status_code == 400, response.content[:300]
    assert "first_contact_at" in response.json()
    assert not Case.objects.system().exists()


def test_first_contact_before_1924_comes_back_without_local_mean_time(worker_api):
    response = worker_api.post("/api/v1/cases/", {**NEW_CASE, "first_contact_at": "1920-03-01T12:00:00Z"},
                               format="json")
    assert response.status_code == 201, response.json()
    body = worker_api.get(f"/api/v1/cases/{response.json()['uuid']}/").json()
    assert body["first_contact_at"] == "1920-03-01T12:00:00Z"
    assert "+03:19:24" not in str(body)
    recent = worker_api.post("/api/v1/cases/", {**NEW_CASE, "first_contact_at": "2026-03-01T12:00:00+04:00"},
                             format="json").json()
    assert recent["first_contact_at"] == "2026-03-01T12:00:00+04:00"


def test_the_new_case_page_refuses_year_one_without_a_500(client, cast):
    client.force_login(cast.worker)
    response = client.post("/cases/new/", {
        "person-given_name": "Günel", "person-citizenships": [], "case-came_to_notice": "hotline",
        "case-scope": "unknown", "case-first_contact_at": "0001-01-01T00:00"})
    assert response.status_code == 200
    assert "first_contact_at" in response.context["case_form"].errors
    assert "1900" in str(response.context["case_form"].errors["first_contact_at"])
    assert not Case.objects.system().exists()


def test_the_new_case_page_refuses_a_right_to_left_override_in_a_name(client, cast):
    client.force_login(cast.worker)
    response = client.post("/cases/new/", {
        "person-given_name": "Gün\u202eel", "case-came_to_notice": "hotline", "case-scope": "unknown",
        "case-first_contact_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 200
    assert "given_name" in response.context["person_form"].errors
    assert not Person.objects.system().exists()


def test_the_new_case_page_refuses_a_two_megabyte_summary(client, cast):
    client.force_login(cast.worker)
    response = client.post("/cases/new/", {
        "person-given_name": "Günel", "case-came_to_notice": "hotline", "case-scope": "unknown",
        "case-first_contact_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "case-summary": "a" * 2_000_000})
    assert response.status_code == 200
    assert "at most 20000" in str(response.context["case_form"].errors["summary"])
    assert not Case.objects.system().exists()


@pytest.mark.parametrize("value", ["99999999999999999999999", "-99999999999999999999999"])
def test_a_multiple_choice_with_an_id_too_large_for_the_database_is_a_form_error_not_a_500(client, cast, value):
    """A citizenship, a suspect's role or a team member posted as an id beyond 64 bits (a tampered form)
    made SQLite raise OverflowError in the form's check of the choices: a 500 (found by the ninth review)."""
    client.force_login(cast.worker)
    response = client.post("/cases/new/", {
        "person-given_name": "Günel", "person-citizenships": [value], "case-came_to_notice": "hotline",
        "case-scope": "unknown", "case-first_contact_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 200
    assert "citizenships" in response.context["person_form"].errors
    assert not Case.objects.system().exists()
    from django.urls import reverse

    from nicat.accounts.models import Role
    from tests.support.world import make_user

    own = cast.open_case(actor=cast.officer)
    client.force_login(cast.officer)  # law enforcement records the suspects
    response = client.post(f"/proceedings/case/{own.uuid}/suspects/add/", {
        "given_name": "Rauf", "roles": [value], "nationalities": [value]})
    assert response.status_code == 400
    assert {"roles", "nationalities"} <= set(response.context["form"].errors)
    case = cast.open_case()
    client.force_login(make_user("ngo.supervisor", cast.ngo, Role.SUPERVISOR))
    response = client.post(reverse("work:assign", args=[case.uuid]),
                           {"worker": cast.worker.pk, "members": [value], "version": 0})
    assert response.status_code == 400
    assert "members" in response.context["form"].errors


@pytest.mark.parametrize("tz", ["Asia/Baku", "UTC", "Europe/Moscow", "America/St_Johns"])
def test_date_times_are_written_as_drf_writes_them_except_local_mean_time(tz, settings):
    """The API's date-time fields look up the time zone once per value; what they write is DRF's own text
    (the zone's offset, Z for UTC, microseconds kept, a custom format honoured), except an offset in seconds."""
    import zoneinfo

    from django.utils import timezone as dj_timezone
    from rest_framework import serializers

    ours = serializers.DateTimeField.to_representation
    drf = ours.nicat_original
    utc = datetime.timezone.utc
    moments = [datetime.datetime(2026, 12, 5, 16, 30, tzinfo=utc), datetime.datetime(2026, 6, 1, 0, 0, 0, 123456, tzinfo=utc),
               datetime.datetime(1999, 3, 28, 1, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Moscow")),
               datetime.datetime(2026, 12, 5, 16, 30)]
    with dj_timezone.override(zoneinfo.ZoneInfo(tz)):
        for field in (serializers.DateTimeField(), serializers.DateTimeField(format="%d.%m.%Y %H:%M"),
                      serializers.DateTimeField(default_timezone=utc), serializers.DateTimeField(format=None)):
            for moment in moments:
                assert ours(field, moment) == drf(field, moment), (field, moment)
            assert ours(field, None) == drf(field, None) and ours(field, "") == drf(field, "")
        old = datetime.datetime(1920, 5, 1, 12, 0, tzinfo=utc)
        written = ours(serializers.DateTimeField(), old)
        seconds = old.astimezone(zoneinfo.ZoneInfo(tz)).utcoffset().seconds % 60
        assert written == ("1920-05-01T12:00:00Z" if seconds else drf(serializers.DateTimeField(), old))
        assert bool(seconds) == (tz in ("Asia/Baku", "America/St_Johns"))  # local mean times then


# A NUL character (U+0000): PostgreSQL can neither store nor compare text holding it, so where such a value
# reached a lookup it ended in a 500 there (found by the seeded schemathesis run at scale 8 on PostgreSQL: a
# form-encoded person whose citizenship was "\x00"), while SQLite answered. Now it is refused before any view
# reads it: the API's parsers (form bodies under the JSON bodies' text rules) and nicat.web.middleware.
# RefuseNulMiddleware (query strings everywhere, page forms).

def test_a_form_encoded_person_with_a_nul_character_is_a_400_naming_the_field(worker_api):
    before = Person.objects.system().count()
    response = worker_api.post("/api/v1/persons/", {"given_name": "Günel", "citizenships": "\x00"})
    assert response.status_code == 400, response.content[:300]
    assert "citizenships" in response.json()
    response = worker_api.post("/api/v1/persons/", {"given_name": "Gün\x00el"}, format="multipart")
    assert response.status_code == 400 and "given_name" in response.json()
    assert Person.objects.system().count() == before


def test_a_control_character_in_a_json_field_name_is_refused(worker_api):
    response = worker_api.post("/api/v1/persons/", {"given_name": "Günel", "cit\x00izenships": ["AZ"]}, format="json")
    assert response.status_code == 400 and "invisible character" in str(response.json())


def test_a_nul_character_in_an_api_query_is_a_400_naming_the_parameter(worker_api):
    for url in ("/api/v1/cases/?reference=%00", "/api/v1/cases/?exploitation=sexual%00",
                "/api/v1/vocabularies/?vocabulary=%00"):
        response = worker_api.get(url)
        assert response.status_code == 400, (url, response.content[:300])
        assert response["Content-Type"] == "application/json"
        assert set(response.json()) <= {"reference", "exploitation", "vocabulary"}


def test_a_nul_character_in_a_page_address_or_form_is_the_bad_request_page(client, cast):
    client.force_login(cast.worker)
    for url in ("/cases/?reference=%00", "/cases/?q=a%00b", "/referrals/?box=%00"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "U+0000" in response.content.decode()
    response = client.post("/cases/new/", {
        "person-given_name": "Günel", "person-citizenships": ["\x00"], "case-came_to_notice": "hotline",
        "case-scope": "unknown", "case-first_contact_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 400 and "U+0000" in response.content.decode()
    assert not Case.objects.system().exists()
