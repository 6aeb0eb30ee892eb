"""What the caller agreed to say (a name, a phone or document number, a birth date) never travels in an
address (law 1): the hotline's "link to a case" search is POSTed and answers with the candidates; a link to a
case still works from that answer; the old search in the address is refused with a 400, without searching.
Before the fix the search form used GET, so the terms went into the address."""
import pytest
from django.test import Client
from django.urls import reverse

from nicat.audit.models import AuditEvent
from tests.support.addresses import assert_terms_not_in_addresses
from tests.support.world import verified_login

pytestmark = pytest.mark.django_db

TERMS = ("Ülviyyə", "Kərimova", "+994 55 111 22 33", "994551112233", "1990-02-01")


@pytest.fixture
def own_case(hotline):
    import datetime

    return hotline.cast.open_case(actor=hotline.operator, person={
        "given_name": "Ülviyyə", "family_name": "Kərimova", "birth_date": datetime.date(1990, 2, 1),
        "phone": "+994 55 111 22 33"})


def test_the_link_search_posts_and_the_candidates_link_with_no_term_in_any_address(hotline, own_case, client):
    contact = hotline.contact()
    verified_login(client, hotline.operator)
    url = reverse("hotline:link", args=[contact.uuid])
    html = client.get(url).content.decode()
    assert 'method="post"' in html and "csrfmiddlewaretoken" in html
    found = client.post(url, {"given_name": "Ülviyyə", "family_name": "Kərimova", "phone": "+994 55 111 22 33",
                              "birth_date": "1990-02-01"})
    assert found.status_code == 200 and own_case.reference in found.content.decode()
    assert_terms_not_in_addresses(found, *TERMS)
    linked = client.post(url, {"case": str(own_case.uuid), "version": contact.version})
    assert linked.status_code == 302 and linked["Location"] == reverse("hotline:detail", args=[contact.uuid])
    assert_terms_not_in_addresses(linked, *TERMS)
    contact.refresh_from_db()
    assert contact.case_id == own_case.pk


def test_the_link_search_is_csrf_protected(hotline, own_case):
    contact = hotline.contact()
    client = verified_login(Client(enforce_csrf_checks=True), hotline.operator)
    assert client.post(reverse("hotline:link", args=[contact.uuid]), {"family_name": "Kərimova"}).status_code == 403


def test_a_search_in_the_address_is_refused_and_searches_nothing(hotline, own_case, client):
    contact = hotline.contact()
    verified_login(client, hotline.operator)
    refused = client.get(reverse("hotline:link", args=[contact.uuid]), {"family_name": "Kərimova"})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert 'id="address-refused"' in page and "Kərimova" not in page and own_case.reference not in page
    assert not AuditEvent.objects.filter(action="person.duplicate_check").exists()
