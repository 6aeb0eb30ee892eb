"""What is searched for — a victim's name, document number, birth date — never travels in an address (law 1):
the page's form is POSTed and the results drawn in that answer, the API takes the criteria in a JSON body,
and the old searches in the address (`/persons/?q=…`, `GET /api/v1/persons/search/?q=…`) are refused with a
400 that names the way to search, without searching. Before the fix both took the terms in the query string,
which browser histories, proxy and load-balancer logs and Referer headers keep."""
import json

import pytest
from django.test import Client
from django.urls import reverse

from nicat.audit.models import AuditEvent
from tests.support.addresses import assert_terms_not_in_addresses
from tests.support.world import verified_login

pytestmark = pytest.mark.django_db

TERMS = ("Məmmədova", "Mamedova", "Мамедова", "AA 1234567", "1995-03-04")


def test_the_search_page_posts_and_shows_the_person_with_no_term_in_any_address(cast, aysel, client):
    verified_login(client, cast.worker)
    form = client.get(reverse("persons:search"))
    assert form.status_code == 200
    html = form.content.decode()
    assert 'method="post"' in html and "csrfmiddlewaretoken" in html and 'role="search"' in html

    found = client.post(reverse("persons:search"), {"q": "Мамедова", "document": "AA 1234567",
                                                    "birth_date": "1995-03-04"})
    assert found.status_code == 200  # drawn in the answer: no redirect that would put the terms back
    page = found.content.decode()
    assert aysel.reference in page and "Məmmədova" in page and 'id="search-results"' in page
    assert_terms_not_in_addresses(found, *TERMS)
    event = AuditEvent.objects.filter(action="person.search", actor=cast.worker).latest("sequence")
    assert event.details["cases"] == [str(aysel.uuid)]
    assert not any(t in json.dumps(event.details, ensure_ascii=False) for t in TERMS)


def test_the_search_page_is_csrf_protected(cast, aysel):
    client = verified_login(Client(enforce_csrf_checks=True), cast.worker)
    assert client.post(reverse("persons:search"), {"q": "Mamedova"}).status_code == 403


def test_a_search_in_the_page_address_is_refused_and_searches_nothing(cast, aysel, client):
    verified_login(client, cast.worker)
    before = AuditEvent.objects.filter(action="person.search").count()
    refused = client.get(reverse("persons:search"), {"q": "Mamedova"})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert 'id="address-refused"' in page and "Mamedova" not in page and aysel.reference not in page
    assert AuditEvent.objects.filter(action="person.search").count() == before


def test_the_api_search_takes_the_criteria_in_the_body(cast, aysel, api):
    found = api(cast.worker).post("/api/v1/persons/search/", {"q": "Mamedova", "birth_date": "1995-03-04"},
                                  format="json")
    assert found.status_code == 200, found.content
    assert [p["uuid"] for p in found.json()] == [str(aysel.person.uuid)]
    assert found.wsgi_request.get_full_path() == "/api/v1/persons/search/"
    event = AuditEvent.objects.filter(action="person.search", actor=cast.worker).latest("sequence")
    assert event.details["criteria"] == ["birth_date", "q"] and "Mamedova" not in json.dumps(event.details)
    bad = api(cast.worker).post("/api/v1/persons/search/", {"age_from": 40, "age_to": 20}, format="json")
    assert bad.status_code == 400 and "age_to" in bad.json()
    wrong_type = api(cast.worker).post("/api/v1/persons/search/", {"q": {"a": 1}}, format="json")
    assert wrong_type.status_code == 400 and "q" in wrong_type.json()


def test_the_api_search_in_the_address_is_a_400_naming_the_post(cast, aysel, api):
    before = AuditEvent.objects.filter(action="person.search").count()
    refused = api(cast.worker).get("/api/v1/persons/search/", {"q": "Mamedova"})
    assert refused.status_code == 400
    message = json.dumps(refused.json())
    assert "POST /api/v1/persons/search/" in message and str(aysel.person.uuid) not in message
    assert AuditEvent.objects.filter(action="person.search").count() == before
