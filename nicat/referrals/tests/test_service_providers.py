"""A referral for a service goes only to a provider authorised to give it, free of charge (found by review A;
the test fails on the code before the fix): a private clinic (an LLC, neither a special institution, a
registered non-profit nor a state body providing the service) was sent the person's identity and medical
data, though the plan and the service log refuse it. The rule is one: assistance's `provider_authorisation`."""
import pytest

from nicat.consent.models import Purpose
from nicat.directory.models import InstitutionService, ServiceKind
from nicat.referrals.models import Referral
from tests.support.referrals import consent
from tests.support.world import make_institution

pytestmark = pytest.mark.django_db


def _refer(world, api, to):
    case = world.open_case()
    consent(world.worker, case, Purpose.SERVICE, to, service="medical")
    return case, api(world.worker).post("/api/v1/referrals/", {
        "case": str(case.uuid), "to_institution": str(to.uuid), "purpose": "service", "service": "medical",
        "shared_sections": ["identity", "medical"], "message": "Needs treatment."}, format="json")


def test_a_referral_for_a_service_goes_only_to_an_authorised_provider(world, api):
    business = make_institution("clinic-llc", "medical", name_az="Özəl klinika MMC")  # not a non-profit, not special
    InstitutionService.objects.create(institution=business, kind=ServiceKind.MEDICAL)
    case, sent = _refer(world, api, business)
    assert sent.status_code == 400, f"referred to a private business (answer {sent.status_code})"
    reason = " ".join(sent.json()["to_institution"])
    assert "Özəl klinika MMC" in reason and "private businesses" in reason and "authorised provider" in reason
    assert not Referral.objects.system().filter(case=case).exists()


def test_a_registered_non_profit_clinic_still_receives_a_referral_for_a_service(world, api):
    charity = make_institution("charity-clinic", "medical", name_az="Xeyriyyə klinikası", is_nonprofit=True)
    InstitutionService.objects.create(institution=charity, kind=ServiceKind.MEDICAL)
    _case, sent = _refer(world, api, charity)
    assert sent.status_code == 201, sent.content
