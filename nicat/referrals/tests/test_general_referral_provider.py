"""A referral that names no service still sends the person to be helped: it goes only to an institution that
may help a victim free of charge — never to a private business, which the service referral, the plan and the
service log already refuse (the one rule, provider_authorisation). A "general" referral carried the person's
identity and medical data to the private clinic the service referral refuses."""
import pytest

from nicat.consent.models import Purpose
from nicat.directory.models import InstitutionService, ServiceKind
from nicat.referrals.models import Referral
from tests.support.referrals import consent
from tests.support.world import make_institution

pytestmark = pytest.mark.django_db


def test_a_general_referral_does_not_go_to_a_private_business(world, api):
    business = make_institution("clinic-llc", "medical", name_az="Özəl klinika MMC")
    InstitutionService.objects.create(institution=business, kind=ServiceKind.MEDICAL)
    case = world.open_case()
    consent(world.worker, case, Purpose.REFERRAL, business)
    r = api(world.worker).post("/api/v1/referrals/", {
        "case": str(case.uuid), "to_institution": str(business.uuid), "purpose": "referral",
        "shared_sections": ["identity", "medical"], "message": "Needs treatment."}, format="json")
    assert r.status_code == 400, r.json()
    assert "Özəl klinika MMC" in " ".join(r.json()["to_institution"])
    assert not Referral.objects.system().filter(case=case).exists()


def test_a_general_referral_still_goes_to_an_ngo_a_shelter_or_the_police(world, api):
    case = world.open_case()
    for to in (world.ngo2, world.shelter, world.main_department):
        consent(world.worker, case, Purpose.REFERRAL, to)
        r = api(world.worker).post("/api/v1/referrals/", {
            "case": str(case.uuid), "to_institution": str(to.uuid), "purpose": "referral",
            "shared_sections": ["identity"], "message": "Please help."}, format="json")
        assert r.status_code == 201, (to.code, r.json())
