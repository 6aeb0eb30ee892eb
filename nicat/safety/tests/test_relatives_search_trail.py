"""A search of relatives at risk (the page /safety/relatives/search/ and the API list
/api/v1/relatives-at-risk/) is in the access trail of every case it showed (review A, law 3): its event names
the cases, never the name or number searched, so "who accessed this record" names the searcher. Before the
fix the events held a count only."""
import json

import pytest

from nicat.audit.models import AuditEvent
from tests.support.referrals import build_world
from tests.support.world import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast):
    return build_world(cast)


def _relative_at_risk(world):
    from nicat.safety import services as safety

    case = world.open_case()
    safety.add_relative(actor=world.worker, case=case, data={
        "relation": "sibling", "given_name": "Elvin", "family_name": "Məmmədov", "phone": "+994 55 765 43 21",
        "contact": "Sumqayıt", "risk": "high", "risk_notes": "Threatened by the recruiter."})
    return case


def test_a_search_of_relatives_at_risk_is_in_the_cases_access_trail(world, api, client):
    from nicat.audit.selectors import case_accessors
    from tests.support.world import verified_login

    case = _relative_at_risk(world)
    searcher = make_user("searcher", world.ngo)
    verified_login(client, searcher)
    page = client.post("/safety/relatives/search/", {"name": "Mammadov Elvin"})
    assert page.status_code == 200 and case.reference in page.content.decode()
    event = AuditEvent.objects.get(actor=searcher, action="relative.search")
    assert event.details["cases"] == [str(case.uuid)] and "Elvin" not in json.dumps(event.details)
    assert "searcher" in {row["actor_username"] for row in case_accessors(case=case)}


def test_the_api_list_of_relatives_at_risk_is_in_the_cases_access_trail(world, api):
    from nicat.audit.selectors import case_accessors

    case = _relative_at_risk(world)
    searcher = make_user("searcher", world.ngo)
    found = api(searcher).post("/api/v1/relatives-at-risk/search/", {"phone": "+994557654321"}, format="json")
    assert found.status_code == 200 and found.json()["count"] == 1
    assert AuditEvent.objects.get(actor=searcher, action="relative.list").details["cases"] == [str(case.uuid)]
    assert "searcher" in {row["actor_username"] for row in case_accessors(case=case)}
