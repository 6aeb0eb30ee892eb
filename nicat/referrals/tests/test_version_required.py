"""A missing version on an update is refused (400), as in the cases API: before, a referral answer or
a change to a return plan sent without the version it was read at was applied blindly, so a stale
screen could overwrite someone else's answer."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from nicat.consent.models import Purpose
from nicat.referrals import services
from nicat.referrals.models import Referral, Status
from tests.support.referrals import consent, referral_data
from tests.support.world import PASSWORD


@pytest.fixture
def referred(world):
    case = world.open_case()
    consent(world.worker, case, Purpose.REFERRAL, world.shelter)
    return services.create_referral(actor=world.worker, case=case, data=referral_data(world.shelter))


@pytest.mark.parametrize("answer", ["accept_referral", "decline_referral", "complete_referral", "cancel_referral"])
def test_service_refuses_an_answer_without_the_version(world, referred, answer):
    actor = world.worker if answer == "cancel_referral" else world.shelter_staff
    if answer == "complete_referral":
        services.accept_referral(actor=world.shelter_staff, referral=referred, expected_version=referred.version)
    before = Referral.objects.system().get(pk=referred.pk)
    extra = {"reason": "No bed."} if answer in ("decline_referral", "cancel_referral") else {}
    with pytest.raises(ValidationError) as error:
        getattr(services, answer)(actor=actor, referral=referred, **extra)
    assert "version" in error.value.error_dict
    after = Referral.objects.system().get(pk=referred.pk)
    assert (after.status, after.version) == (before.status, before.version)


def test_api_answer_without_the_version_is_a_400_naming_the_field(world, referred, api):
    response = api(world.shelter_staff).post(f"/api/v1/referrals/{referred.uuid}/accept/", {}, format="json")
    assert response.status_code == 400 and "version" in response.json()
    referred.refresh_from_db()
    assert referred.status == Status.PENDING
    response = api(world.shelter_staff).post(f"/api/v1/referrals/{referred.uuid}/accept/",
                                             {"version": referred.version}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "accepted"


def test_page_answer_without_the_version_changes_nothing(world, referred, client):
    client.login(username="shelter.manager", password=PASSWORD)
    client.post(reverse("referrals:accept", args=[referred.uuid]), {})
    referred.refresh_from_db()
    assert referred.status == Status.PENDING
    page = client.get(reverse("referrals:detail", args=[referred.uuid])).content.decode()
    assert f'name="version" value="{referred.version}"' in page  # the page sends the version it shows


def test_changing_a_return_plan_needs_the_version(world):
    from nicat.cases.services import open_case

    case = open_case(actor=world.consul, case_data={},
                     person_data={"given_name": "Nigar", "birth_date": datetime.date(1990, 4, 12)})  # an adult
    consent(world.consul, case, Purpose.RETURN)
    referral = services.create_referral(actor=world.consul, case=case, data=referral_data(
        world.centre, purpose=Purpose.RETURN, shared_sections=["identity", "return"]))
    plan = services.save_return_plan(actor=world.consul, referral=referral, data={"documents": "requested"})
    with pytest.raises(ValidationError) as error:
        services.save_return_plan(actor=world.consul, referral=referral, data={"documents": "issued"})
    assert "version" in error.value.error_dict
    plan.refresh_from_db()
    assert plan.documents == "requested" and plan.version == 1
