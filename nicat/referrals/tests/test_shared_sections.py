"""An accepted referral shows the receiving institution only the sections it shares — on the case
page and in the API — while the owner institution keeps seeing everything its roles allow."""
import pytest
from django.urls import reverse

from nicat.access import policy
from nicat.consent.models import Purpose
from nicat.referrals import services
from tests.support.referrals import consent, referral_data


@pytest.fixture
def shared_identity_only(world):
    case = world.open_case(person={"phone": "+994 50 123 45 67"}, summary="What happened, in her words.")
    consent(world.worker, case, Purpose.REFERRAL, world.shelter)
    referral = services.create_referral(actor=world.worker, case=case, data=referral_data(world.shelter))
    services.accept_referral(actor=world.shelter_staff, referral=referral, expected_version=referral.version)
    return case


def test_policy_intersects_role_sections_with_the_shared_ones(world, shared_identity_only):
    case = shared_identity_only
    assert policy.visible_sections(world.shelter_staff, case) == {"identity"}
    assert {"identity", "contacts", "narrative"} <= policy.visible_sections(world.worker, case)


def test_receiver_page_hides_unshared_sections_and_refuses_their_edits(client, world, shared_identity_only):
    case = shared_identity_only
    client.force_login(world.shelter_staff)
    page = client.get(reverse("cases:detail", args=[case.uuid])).content.decode()
    assert case.person.family_name in page
    assert "+994 50 123 45 67" not in page and "What happened, in her words." not in page
    assert client.post(reverse("cases:note_add", args=[case.uuid]), {"text": "x"}).status_code == 403
    assert client.get(reverse("cases:person_edit", args=[case.uuid])).status_code == 403


def test_receiver_api_omits_unshared_fields(api, world, shared_identity_only):
    case = shared_identity_only
    body = api(world.shelter_staff).get(f"/api/v1/cases/{case.uuid}/").json()
    assert body["person"]["family_name"] == case.person.family_name
    assert "phone" not in body["person"] and "summary" not in body
    assert api(world.shelter_staff).get(f"/api/v1/cases/{case.uuid}/notes/").status_code == 403
    person = api(world.shelter_staff).get(f"/api/v1/persons/{case.person.uuid}/").json()
    assert "phone" not in person and person["family_name"] == case.person.family_name
    owner = api(world.worker).get(f"/api/v1/cases/{case.uuid}/").json()
    assert owner["person"]["phone"] == "+994 50 123 45 67" and owner["summary"]
