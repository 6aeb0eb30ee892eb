"""One click is one referral: a referral sent twice (a double click, a browser sending a slow form again) would
send the person's identity to the receiver twice; it is created once and the second answer says so. An API
call retried with the same `Idempotency-Key` creates nothing more and answers with the same referral
(nicat.core.submissions)."""
import pytest
from django.urls import reverse

from nicat.consent.models import Purpose
from nicat.referrals.models import Referral
from tests.support.referrals import consent
from tests.support.submissions import ALREADY_SAVED, post_twice
from tests.support.world import verified_login

pytestmark = pytest.mark.django_db


def test_a_referral_sent_twice_is_one_referral(world, client):
    client.cookies["nicat_language"] = "en"
    case = world.open_case()
    consent(world.worker, case, Purpose.REFERRAL, world.shelter)
    verified_login(client, world.worker)
    url = reverse("referrals:new", args=[case.uuid])
    first, second = post_twice(client, url, url, {
        "to_institution": str(world.shelter.uuid), "purpose": "referral", "urgency": "urgent",
        "shared_sections": ["identity"], "message": "Tonight."})
    referral = Referral.objects.system().get()
    detail = reverse("referrals:detail", args=[referral.uuid])
    assert first.status_code == 302 and first.url == detail
    assert second.redirect_chain == [(detail, 302)] and ALREADY_SAVED in second.content.decode()


def test_the_api_with_one_key_creates_one_referral(world, api):
    case = world.open_case()
    consent(world.worker, case, Purpose.REFERRAL, world.shelter)
    client = api(world.worker)
    body = {"case": str(case.uuid), "to_institution": str(world.shelter.uuid), "purpose": "referral",
            "urgency": "urgent", "message": "Bed needed.", "shared_sections": ["identity"]}
    first = client.post("/api/v1/referrals/", body, format="json", HTTP_IDEMPOTENCY_KEY="ref-1")
    second = client.post("/api/v1/referrals/", body, format="json", HTTP_IDEMPOTENCY_KEY="ref-1")
    assert first.status_code == second.status_code == 201, first.content
    assert second.json()["uuid"] == first.json()["uuid"] and Referral.objects.system().count() == 1


def test_a_consent_sent_twice_is_recorded_once(world, client):
    from django.utils import timezone

    from nicat.consent.models import Consent

    client.cookies["nicat_language"] = "en"
    case = world.open_case()
    verified_login(client, world.worker)
    url = reverse("consent:record", args=[case.uuid])
    first, second = post_twice(client, url, url, {
        "purpose": "referral", "decision": "given", "institution": str(world.shelter.uuid), "given_by": "person",
        "method": "oral", "given_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})
    assert first.status_code == 302, first.content.decode()[:500]
    assert ALREADY_SAVED in second.content.decode()
    assert Consent.objects.system().count() == 1
