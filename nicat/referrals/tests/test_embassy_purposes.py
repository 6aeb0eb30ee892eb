"""An embassy or consulate learns of a person only with her consent to notify that embassy: a victim may fear
her own state. A consent given for another purpose (to return, to a referral) does not tell the embassy about
her behind her refusal, and withdrawing the consent to notify it ends the referrals that told it."""
import pytest

from nicat.consent.models import Decision, Purpose
from nicat.referrals.models import Referral, Status
from tests.support.referrals import consent
from tests.support.world import term

pytestmark = pytest.mark.django_db


def _refer(world, api, case, purpose):
    return api(world.worker).post("/api/v1/referrals/", {
        "case": str(case.uuid), "to_institution": str(world.embassy_uz.uuid), "purpose": purpose,
        "shared_sections": ["identity"], "message": "Travel documents for her return."}, format="json")


@pytest.mark.parametrize("purpose", [Purpose.RETURN, Purpose.REFERRAL])
def test_a_refused_consular_notification_is_not_sent_to_the_embassy_under_another_purpose(world, api, purpose):
    case = world.open_case(person={"given_name": "Dilnoza", "citizenships": [term("country", "UZ")]})
    consent(world.worker, case, Purpose.CONSULAR_NOTIFICATION, world.embassy_uz, decision=Decision.REFUSED)
    # She agreed to go home (and, for the second, to "a referral" naming the embassy on a general form).
    consent(world.worker, case, purpose, world.embassy_uz if purpose == Purpose.REFERRAL else None)
    r = _refer(world, api, case, purpose)
    assert r.status_code == 400, r.json()
    message = " ".join(r.json()["consent"])
    assert "refused" in message and str(Purpose.CONSULAR_NOTIFICATION.label) in message
    assert not Referral.objects.system().filter(case=case).exists()


def test_withdrawing_the_consent_to_notify_the_embassy_revokes_a_return_referral_to_it(world, api):
    case = world.open_case(person={"given_name": "Dilnoza", "citizenships": [term("country", "UZ")]})
    consent(world.worker, case, Purpose.RETURN)
    notify = consent(world.worker, case, Purpose.CONSULAR_NOTIFICATION, world.embassy_uz)
    r = _refer(world, api, case, Purpose.RETURN)
    assert r.status_code == 201, r.json()
    r = api(world.worker).post(f"/api/v1/consents/{notify.uuid}/withdraw/", {"note": "Fears her embassy."},
                               format="json")
    assert r.status_code == 200, r.json()
    assert Referral.objects.system().get(case=case).status == Status.REVOKED
