"""The referrals' list costs the same number of queries whatever its length, for the receiving embassy too: whether
the embassy may read a referral made for another purpose than notifying it (a return) depends on the person's
consent to notify that embassy, asked once for the whole list, not once per referral."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nicat.consent.models import Purpose
from tests.support.referrals import consent
from tests.support.world import term

pytestmark = pytest.mark.django_db


def _return_referral(world, api, withdrawn=False):
    case = world.open_case(person={"given_name": "Dilnoza", "citizenships": [term("country", "UZ")]})
    consent(world.worker, case, Purpose.RETURN)
    consent(world.worker, case, Purpose.CONSULAR_NOTIFICATION, world.embassy_uz)
    r = api(world.worker).post("/api/v1/referrals/", {
        "case": str(case.uuid), "to_institution": str(world.embassy_uz.uuid), "purpose": Purpose.RETURN,
        "shared_sections": ["identity"], "message": "Travel documents for her return."}, format="json")
    assert r.status_code == 201, r.json()
    return r.json()["uuid"]


def _listed(client):
    client.get("/api/v1/referrals/")  # the token's use, recorded once a minute, is not counted
    with CaptureQueriesContext(connection) as queries:
        answer = client.get("/api/v1/referrals/")
    assert answer.status_code == 200
    return answer.json()["results"], len(queries)


def test_the_embassy_list_of_return_referrals_costs_the_same_for_three_as_for_one(world, api):
    client = api(world.uz_consul)
    _return_referral(world, api)
    one, one_queries = _listed(client)
    for _ in range(2):
        _return_referral(world, api)
    three, three_queries = _listed(client)
    assert (len(one), len(three)) == (1, 3)
    assert all(r["message"] == "Travel documents for her return." for r in three)  # the consent is in force
    assert three_queries == one_queries, f"{one_queries} queries for one referral, {three_queries} for three"


def test_the_list_decides_each_referral_as_its_own_read_does(world, api):
    """A referral whose consent to notify the embassy has expired, or was refused after it was given, shows its
    message in the list exactly as its own read does (the decision asked for the whole list is the same)."""
    from django.utils import timezone

    from nicat.cases.models import Case
    from nicat.consent.models import Consent, Decision

    client = api(world.uz_consul)
    in_force, expired, refused = (_return_referral(world, api) for _ in range(3))
    cases = {r["uuid"]: r["case"] for r in api(world.worker).get("/api/v1/referrals/").json()["results"]}
    Consent.objects.system().filter(case__uuid=cases[expired], purpose=Purpose.CONSULAR_NOTIFICATION).update(
        expires_at=timezone.now() - timezone.timedelta(minutes=1))
    case = Case.objects.system().get(uuid=cases[refused])
    consent(world.worker, case, Purpose.CONSULAR_NOTIFICATION, world.embassy_uz, decision=Decision.REFUSED,
            given_at=timezone.now() - timezone.timedelta(minutes=1))
    listed = {r["uuid"]: r["message"] for r in client.get("/api/v1/referrals/").json()["results"]}
    assert listed.get(in_force) == "Travel documents for her return."
    for uuid in (in_force, expired, refused):
        alone = client.get(f"/api/v1/referrals/{uuid}/")
        assert (listed.get(uuid, "not listed") if uuid in listed else "not listed") == (
            alone.json()["message"] if alone.status_code == 200 else "not listed"), uuid
