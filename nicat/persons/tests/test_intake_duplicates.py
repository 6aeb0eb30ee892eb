"""At intake, before anything is saved: likely and possible matches within scope; a match the
worker may not see is announced only as 'may already be known — contact the coordinator'."""
import pytest
from django.urls import reverse
from django.utils import timezone

from nicat.cases.models import Case
from nicat.persons.models import DuplicateSignal, Person, SignalSource


def check(client, **fields):
    data = {f"person-{k}": v for k, v in fields.items()}
    return client.post(reverse("persons:candidates"), data, HTTP_HX_REQUEST="true")


def assert_reveals_nothing(content, cast, case):
    person = case.person
    for secret in (case.reference, str(case.uuid), str(person.uuid), cast.ngo.name_az, cast.ngo.code, "Aysel",
                   "Məmmədova", "Rəşid", "1995", "04.03", "AA 1234567", "AA1234567", "123 45 67", "ngo-one"):
        assert secret not in content, secret


def test_same_institution_sees_likely_match_across_scripts_and_can_open_it(login, cast, aysel):
    response = check(login(cast.worker), family_name="Мамедова", given_name="Айсель", birth_date="1995-03-04")
    page = response.content.decode()
    assert response.status_code == 200
    assert aysel.reference in page and reverse("cases:detail", args=[aysel.uuid]) in page
    assert "data-known-elsewhere" not in page


def test_possible_match_with_another_birth_date(login, cast, aysel):
    page = check(login(cast.worker), family_name="Mammadova", given_name="Aysel", birth_date="1996-07-20").content
    assert aysel.reference in page.decode()


def test_no_match_shows_nothing(login, cast, aysel):
    page = check(login(cast.worker), family_name="Quliyeva", given_name="Nərmin").content.decode()
    assert aysel.reference not in page and "data-duplicate-candidates" not in page


def test_other_institution_learns_only_to_contact_the_coordinator(login, cast, aysel):
    # a strong query (name, birth date and a document number): only then are other institutions checked
    response = check(login(cast.worker2), family_name="Mamedova", given_name="Aisel", birth_date="1995-03-04",
                     document_number="aa-1234567")
    page = response.content.decode()
    assert "data-known-elsewhere" in page
    assert cast.main_department.name_az in page
    assert_reveals_nothing(page, cast, aysel)


def test_other_institution_api_reveals_nothing(api, cast, aysel):
    response = api(cast.worker2).post("/api/v1/persons/candidates/", {
        "family_name": "Mamedova", "given_name": "Aisel", "birth_date": "1995-03-04", "document_number": "aa-1234567"},
        format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["candidates"] == [] and body["known_elsewhere"] is True
    assert body["coordinator"]["name"] == cast.main_department.name_az
    assert_reveals_nothing(response.content.decode(), cast, aysel)


def test_api_candidates_within_scope(api, cast, aysel):
    body = api(cast.worker).post("/api/v1/persons/candidates/", {
        "family_name": "Memmedova", "given_name": "Aysel", "document_number": "aa1234567"}, format="json").json()
    assert body["candidates"][0]["uuid"] == str(aysel.person.uuid) and body["candidates"][0]["band"] == "likely"
    assert body["candidates"][0]["cases"][0]["reference"] == aysel.reference
    assert body["known_elsewhere"] is False


def test_api_candidates_bad_input(api, cast):
    response = api(cast.worker).post("/api/v1/persons/candidates/", {"birth_date": "soon"}, format="json")
    assert response.status_code == 400 and "birth_date" in response.json().get("errors", response.json()).__str__()
    response = api(cast.worker).post("/api/v1/persons/candidates/", {}, format="json")
    assert response.status_code == 400
    assert api(cast.analyst).post("/api/v1/persons/candidates/", {"family_name": "X"},
                                  format="json").status_code in (403, 404)


def test_registering_anyway_raises_a_signal_for_the_coordinator(login, cast, aysel):
    client = login(cast.worker2)
    response = client.post(reverse("cases:new"), {
        "person-family_name": "Мамедова", "person-given_name": "Айсель", "person-birth_date": "1995-03-04",
        "case-came_to_notice": "hotline", "case-first_contact_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "case-scope": "unknown"})
    assert response.status_code == 302
    new_case = Case.objects.visible_to(cast.worker2).get()
    signal = DuplicateSignal.objects.system().get()
    assert {signal.person_a, signal.person_b} == {aysel.person, new_case.person}
    assert signal.source == SignalSource.INTAKE and signal.raised_by_institution == cast.ngo2
    # the worker's own case page says nothing about it
    page = client.get(response.url).content.decode()
    assert aysel.reference not in page and cast.ngo.name_az not in page
    # the coordinator sees the pair
    review = login(cast.officer)
    listing = review.get(reverse("persons:duplicates")).content.decode()
    assert str(signal.uuid) in listing
    detail = review.get(reverse("persons:duplicate", args=[signal.uuid])).content.decode()
    assert aysel.reference in detail and new_case.reference in detail and "Məmmədova" in detail
    from nicat.audit.models import AuditEvent

    (seen,) = AuditEvent.objects.filter(action="duplicate.view")  # the review page shows both persons
    assert seen.actor_id == cast.officer.pk and seen.object_id == str(signal.uuid)


def test_likely_match_in_own_scope_raises_no_signal(cast, aysel):
    cast.open_case(person={"given_name": "Aysel", "family_name": "Mammadova", "birth_date": aysel.person.birth_date})
    assert DuplicateSignal.objects.system().count() == 0
    assert Person.objects.system().count() == 2


def test_review_pages_are_for_the_coordinator_only(login, cast, aysel, supervisor):
    cast.open_case(actor=cast.worker2, person={"given_name": "Aysel", "family_name": "Mamedova",
                                               "birth_date": aysel.person.birth_date})
    signal = DuplicateSignal.objects.system().get()
    for user in (cast.worker, cast.worker2, cast.analyst):
        client = login(user)
        assert client.get(reverse("persons:duplicates")).status_code == 403
        assert client.get(reverse("persons:duplicate", args=[signal.uuid])).status_code == 403
    from nicat.audit.models import AuditEvent

    assert not AuditEvent.objects.filter(action="duplicate.view").exists()  # refused: no read recorded
    assert login(supervisor).get(reverse("persons:duplicate", args=[signal.uuid])).status_code == 200


def test_intake_page_asks_for_candidates(login, cast):
    page = login(cast.worker).get(reverse("cases:new")).content.decode()
    assert reverse("persons:candidates") in page and 'id="duplicate-candidates"' in page


@pytest.mark.parametrize("field", ["family_name", "given_name"])
def test_empty_check_does_nothing(login, cast, field):
    response = check(login(cast.worker), **{field: ""})
    assert response.status_code == 200 and response.content.decode().strip() == ""
