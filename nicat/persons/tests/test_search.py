"""Staff find a person by any spelling, document number, birth date or age, or case reference —
within what they may see (service, page and API)."""
import datetime

import pytest
from django.urls import reverse

from nicat.persons.selectors import search_persons


@pytest.mark.parametrize("query", ["Мамедова", "Mammadova", "Memmedova", "Mamedova Aysel", "Айсель Мамедова",
                                   "MƏMMƏDOVA", "Aisel", "Mammadva"])
def test_search_finds_every_spelling(cast, aysel, query):
    results = search_persons(user=cast.worker, q=query)
    assert [r["person"].pk for r in results] == [aysel.person.pk]
    assert results[0]["cases"] == [aysel]


def test_other_names_are_not_found(cast, aysel):
    assert search_persons(user=cast.worker, q="Hüseynova") == []
    assert search_persons(user=cast.worker, q="Leyla Quliyeva") == []


def test_search_by_document_birth_date_age_and_reference(cast, aysel):
    person = aysel.person
    assert [r["person"] for r in search_persons(user=cast.worker, document="aa-123 4567")] == [person]
    assert search_persons(user=cast.worker, document="AA1234568") == []
    assert [r["person"] for r in search_persons(user=cast.worker, birth_date=datetime.date(1995, 3, 4))] == [person]
    assert search_persons(user=cast.worker, birth_date=datetime.date(1995, 4, 3)) == []
    age = person.age_on()
    assert [r["person"] for r in search_persons(user=cast.worker, age_from=age - 1, age_to=age + 1)] == [person]
    assert search_persons(user=cast.worker, age_from=age + 2, age_to=age + 5) == []
    assert [r["person"] for r in search_persons(user=cast.worker, reference=aysel.reference.lower())] == [person]
    both = search_persons(user=cast.worker, q="Mamedova", birth_date=datetime.date(1995, 3, 4))
    assert [r["person"] for r in both] == [person]


def test_estimated_age_is_found_by_age_range(cast):
    case = cast.open_case(person={"given_name": "Nərmin", "family_name": "Quliyeva", "estimated_age": 16})
    found = search_persons(user=cast.worker, age_from=15, age_to=17)
    assert [r["person"] for r in found] == [case.person]


def test_search_never_crosses_institutions(cast, aysel):
    assert search_persons(user=cast.worker2, q="Mammadova") == []
    assert search_persons(user=cast.worker2, document="AA1234567") == []
    assert search_persons(user=cast.worker2, reference=aysel.reference) == []
    assert search_persons(user=cast.analyst, q="Mammadova") == []


def test_search_page(login, cast, aysel):
    page = login(cast.worker).post(reverse("persons:search"), {"q": "Мамедова"}).content.decode()
    assert aysel.reference in page and "Məmmədova" in page
    page = login(cast.worker2).post(reverse("persons:search"), {"q": "Мамедова"}).content.decode()
    assert aysel.reference not in page and "Məmmədova" not in page and "Aysel" not in page
    assert "search-results" not in page


def test_search_page_rejects_bad_age_range_clearly(login, cast):
    response = login(cast.worker).post(reverse("persons:search"), {"age_from": "40", "age_to": "20"})
    assert response.status_code == 200
    assert "age_to" in response.context["form"].errors


def test_search_page_is_for_case_workers(login, cast):
    assert login(cast.analyst).post(reverse("persons:search"), {"q": "x"}).status_code == 403


def test_search_api(api, cast, aysel):
    response = api(cast.worker).post("/api/v1/persons/search/", {"q": "Guseynova Aysel"}, format="json")
    assert response.status_code == 200 and response.json() == []
    response = api(cast.worker).post("/api/v1/persons/search/", {"q": "Mammadova"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body[0]["uuid"] == str(aysel.person.uuid) and body[0]["cases"][0]["reference"] == aysel.reference
    assert api(cast.worker2).post("/api/v1/persons/search/", {"q": "Mammadova"}, format="json").json() == []
    bad = api(cast.worker).post("/api/v1/persons/search/", {}, format="json")
    assert bad.status_code == 400
    bad = api(cast.worker).post("/api/v1/persons/search/", {"birth_date": "04.03.1995x"}, format="json")
    assert bad.status_code == 400 and "birth_date" in str(bad.json())
    assert api(cast.analyst).post("/api/v1/persons/search/", {"q": "Mammadova"}, format="json").status_code in (403, 404)


def test_search_is_audited_without_names(cast, aysel, login):
    from nicat.audit.models import AuditEvent

    login(cast.worker).post(reverse("persons:search"), {"q": "Мамедова"})
    event = AuditEvent.objects.filter(action="person.search").latest("sequence")
    assert event.details["criteria"] == ["q"] and "Мамедова" not in str(event.details)


def test_indexes_follow_updates(cast, aysel):
    from nicat.persons.services import update_person

    person = aysel.person
    update_person(actor=cast.worker, person=person, data={"family_name": "Hüseynova"},
                  expected_version=person.version)
    assert search_persons(user=cast.worker, q="Mammadova") == []
    assert [r["person"] for r in search_persons(user=cast.worker, q="Гусейнова")] == [person]


def test_search_page_queries_do_not_grow_with_the_persons_shown(login, cast):
    """Each person listed is read with what the list shows (an erased person's mark included), never one
    more query per person: 2 namesakes or 7, the same number of queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(cast.worker)

    def queries(q):
        client.post(reverse("persons:search"), {"q": q})
        with CaptureQueriesContext(connection) as ctx:
            page = client.post(reverse("persons:search"), {"q": q}).content.decode()
        return len(ctx.captured_queries), page

    for given in ("Leyla", "Günel"):
        cast.open_case(person={"given_name": given, "family_name": "Quliyeva"})
    for given in ("Aysel", "Nərmin", "Sevinc", "Könül", "Nigar", "Fidan", "Lalə"):
        cast.open_case(person={"given_name": given, "family_name": "Rzayeva"})
    few, few_page = queries("Quliyeva")
    many, many_page = queries("Rzayeva")
    assert few_page.count("Quliyeva") >= 2 and all(name in many_page for name in ("Aysel", "Lalə", "Könül"))
    assert many == few
