"""A relative's or helper's name and phone number never travel in an address (law 1): the page
/safety/relatives/search/ is POSTed and answers with the results, the API searches with
POST /api/v1/relatives-at-risk/search/ (the criteria in the body), and the old searches in the address are
refused with a 400 naming the POST, without searching. Before the fix both took `?name=` / `?phone=`."""
import json

import pytest
from django.test import Client

from nicat.audit.models import AuditEvent
from tests.support.addresses import assert_terms_not_in_addresses
from tests.support.referrals import build_world
from tests.support.world import verified_login

pytestmark = pytest.mark.django_db

TERMS = ("Mammadov Elvin", "Məmmədov", "+994 55 765 43 21", "994557654321", "0557654321")


@pytest.fixture
def relative_case(cast):
    from nicat.safety import services as safety

    world = build_world(cast)
    case = world.open_case()
    safety.add_relative(actor=world.worker, case=case, data={
        "relation": "sibling", "given_name": "Elvin", "family_name": "Məmmədov", "phone": "+994 55 765 43 21",
        "contact": "Sumqayıt", "risk": "high", "risk_notes": "Threatened by the recruiter."})
    world.case = case
    return world


def test_the_page_posts_and_shows_the_relative_with_no_term_in_any_address(relative_case, client):
    world = relative_case
    verified_login(client, world.worker)
    html = client.get("/safety/relatives/search/").content.decode()
    assert 'method="post"' in html and "csrfmiddlewaretoken" in html
    for query in ({"name": "Mammadov Elvin"}, {"phone": "0557654321"}):
        found = client.post("/safety/relatives/search/", query)
        assert found.status_code == 200 and world.case.reference in found.content.decode(), query
        assert_terms_not_in_addresses(found, *TERMS)
    events = AuditEvent.objects.filter(action="relative.search", actor=world.worker)
    assert events.count() == 2
    assert not any(t in json.dumps(e.details, ensure_ascii=False) for e in events for t in TERMS + ("Elvin",))


def test_the_page_is_csrf_protected(relative_case):
    client = verified_login(Client(enforce_csrf_checks=True), relative_case.worker)
    assert client.post("/safety/relatives/search/", {"name": "Mammadov Elvin"}).status_code == 403


def test_a_search_in_the_page_address_is_refused_and_searches_nothing(relative_case, client):
    verified_login(client, relative_case.worker)
    refused = client.get("/safety/relatives/search/", {"phone": "0557654321"})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert 'id="address-refused"' in page and "0557654321" not in page
    assert relative_case.case.reference not in page
    assert not AuditEvent.objects.filter(action="relative.search").exists()


def test_the_api_search_takes_the_criteria_in_the_body(relative_case, api):
    world = relative_case
    client = api(world.worker)
    for query in ({"name": "Мамедов Эльвин"}, {"phone": "+994557654321"}):
        found = client.post("/api/v1/relatives-at-risk/search/", query, format="json")
        assert found.status_code == 200, found.content
        assert [r["case"] for r in found.json()["results"]] == [str(world.case.uuid)], query
        assert found.wsgi_request.get_full_path() == "/api/v1/relatives-at-risk/search/"
    listed = AuditEvent.objects.filter(action="relative.list", actor=world.worker)
    assert listed.count() == 2 and all(e.details["cases"] == [str(world.case.uuid)] for e in listed)
    assert not any(t in json.dumps(e.details, ensure_ascii=False) for e in listed for t in TERMS + ("Эльвин",))
    empty = client.post("/api/v1/relatives-at-risk/search/", {}, format="json")
    assert empty.status_code == 400
    unseen = api(world.worker2).post("/api/v1/relatives-at-risk/search/", {"phone": "0557654321"}, format="json")
    assert unseen.status_code == 200 and unseen.json()["results"] == []


@pytest.mark.parametrize("query", [{"name": "Mammadov Elvin"}, {"phone": "0557654321"}])
def test_the_api_list_with_a_term_in_the_address_is_a_400_naming_the_post(relative_case, api, query):
    refused = api(relative_case.worker).get("/api/v1/relatives-at-risk/", query)
    assert refused.status_code == 400
    message = json.dumps(refused.json())
    assert "POST /api/v1/relatives-at-risk/search/" in message and "Elvin" not in message
    assert not AuditEvent.objects.filter(action="relative.list").exists()
    # the list by case alone still answers
    assert api(relative_case.worker).get("/api/v1/relatives-at-risk/", {"case": str(relative_case.case.uuid)}
                                         ).json()["count"] == 1
