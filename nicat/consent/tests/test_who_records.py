"""Issue 14, item 4: a receiving institution cannot change the owner's consents.

The attack: the doctor (receiving side of a referral) withdrew the NGO's consent on the NGO's case
(200) and recorded a new "given" consent (201). Now only the owner institution records and withdraws;
what the doctor records is the person's wish, counting only once the owner confirms it; a withdrawal the
person expressed to the doctor takes effect at once and the owner is notified."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from nicat.accounts.models import Role
from nicat.audit.models import AuditEvent
from nicat.cases.models import Case
from nicat.consent.models import Consent, Purpose
from nicat.consent.services import confirm_consent, consent_is_valid, record_consent, withdraw_consent
from nicat.referrals import services as referrals
from nicat.referrals.models import Notification, NotificationKind, Referral, Status
from tests.support.referrals import consent, referral_data
from tests.support.world import make_institution, make_user, verified_login


@pytest.fixture
def doctor_world(world):
    """The NGO referred its case to a clinic, which accepted (identity shared)."""
    world.clinic = make_institution("clinic", "medical", name_az="Klinika", is_nonprofit=True)
    world.doctor = make_user("doctor", world.clinic, Role.MEDICAL_STAFF)
    world.case = world.open_case()
    world.clinic_consent = consent(world.worker, world.case, Purpose.REFERRAL, world.clinic)
    world.referral = referrals.create_referral(actor=world.worker, case=world.case,
                                               data=referral_data(world.clinic))
    referrals.accept_referral(actor=world.doctor, referral=world.referral, expected_version=world.referral.version)
    return world


def sees(user, case):
    return Case.objects.visible_to(user).filter(pk=case.pk).exists()


def test_receiver_cannot_withdraw_the_owners_consent_on_its_own(doctor_world, api):
    w = doctor_world
    doctor = api(w.doctor)
    response = doctor.post(f"/api/v1/consents/{w.clinic_consent.uuid}/withdraw/", {}, format="json")
    assert response.status_code == 400 and "expressed_by_person" in response.json()
    w.clinic_consent.refresh_from_db()
    assert w.clinic_consent.withdrawn_at is None and consent_is_valid(
        case=w.case, purpose=Purpose.REFERRAL, institution=w.clinic)
    # A note alone is not enough either; the person must have told them.
    response = doctor.post(f"/api/v1/consents/{w.clinic_consent.uuid}/withdraw/", {"note": "Because."},
                           format="json")
    assert response.status_code == 400
    w.referral.refresh_from_db()
    assert w.referral.status == Status.ACCEPTED


def test_a_withdrawal_expressed_to_the_receiver_takes_effect_at_once_and_tells_the_owner(doctor_world, api):
    w = doctor_world
    response = api(w.doctor).post(f"/api/v1/consents/{w.clinic_consent.uuid}/withdraw/", {
        "expressed_by_person": True, "note": "She told me at the consultation today."}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "withdrawn"
    w.referral.refresh_from_db()
    assert w.referral.status == Status.REVOKED and not sees(w.doctor, w.case)
    assert Notification.objects.filter(user=w.worker, kind=NotificationKind.CONSENT_WITHDRAWN).exists()
    event = AuditEvent.objects.get(action="consent.withdraw")
    assert event.details["by_owner"] is False and event.details["expressed_by_person"] is True


def test_a_consent_recorded_by_the_receiver_counts_only_once_the_owner_confirms(doctor_world, api):
    w = doctor_world
    doctor = api(w.doctor)
    shelter_consent = doctor.post("/api/v1/consents/", {
        "case": str(w.case.uuid), "purpose": "referral", "institution": str(w.shelter.uuid), "decision": "given",
        "method": "oral", "given_at": (timezone.now() - datetime.timedelta(minutes=5)).isoformat()}, format="json")
    assert shelter_consent.status_code == 201 and shelter_consent.json()["state"] == "unconfirmed"
    # It does not open the gate: the NGO cannot refer on it.
    assert not consent_is_valid(case=w.case, purpose=Purpose.REFERRAL, institution=w.shelter)
    with pytest.raises(ValidationError) as error:
        referrals.create_referral(actor=w.worker, case=w.case, data=referral_data(w.shelter))
    assert error.value.error_dict["consent"][0].code == "consent_missing"
    assert Notification.objects.filter(user=w.worker, kind=NotificationKind.CONSENT_TO_CONFIRM).exists()
    # Nor can the receiver confirm it itself.
    uuid, version = shelter_consent.json()["uuid"], shelter_consent.json()["version"]
    assert doctor.post(f"/api/v1/consents/{uuid}/confirm/", {"version": version}, format="json").status_code == 400
    # The owner confirms: now it counts.
    assert api(w.worker).post(f"/api/v1/consents/{uuid}/confirm/", {"version": version},
                              format="json").status_code == 200
    assert consent_is_valid(case=w.case, purpose=Purpose.REFERRAL, institution=w.shelter)
    assert AuditEvent.objects.filter(action="consent.confirm", actor_id=w.worker.pk).exists()


def test_a_refusal_recorded_by_the_receiver_does_not_silently_override_the_owner(doctor_world):
    w = doctor_world
    wish = record_consent(actor=w.doctor, case=w.case, data={
        "purpose": Purpose.REFERRAL, "institution": w.clinic, "decision": "refused", "method": "oral"})
    assert wish.state == "unconfirmed"
    assert consent_is_valid(case=w.case, purpose=Purpose.REFERRAL, institution=w.clinic)
    confirm_consent(actor=w.worker, consent=wish, expected_version=wish.version)
    assert not consent_is_valid(case=w.case, purpose=Purpose.REFERRAL, institution=w.clinic)


def test_the_withdraw_page_of_a_receiver_asks_whether_the_person_said_so(doctor_world, client):
    w = doctor_world
    verified_login(client, w.doctor)
    url = reverse("consent:withdraw", args=[w.clinic_consent.uuid])
    page = client.get(url).content.decode()
    assert 'data-testid="withdraw-elsewhere"' in page and "expressed_by_person" in page
    response = client.post(url, {"note": ""})
    assert response.status_code == 400
    w.clinic_consent.refresh_from_db()
    assert w.clinic_consent.withdrawn_at is None
    response = client.post(url, {"note": "She called the clinic.", "expressed_by_person": "on"})
    assert response.status_code == 302
    w.clinic_consent.refresh_from_db()
    assert w.clinic_consent.withdrawn_at is not None


def test_the_owner_confirms_on_the_case_page(doctor_world, client):
    w = doctor_world
    wish = record_consent(actor=w.doctor, case=w.case, data={
        "purpose": Purpose.FAMILY_CONTACT, "decision": "given", "method": "oral"})
    verified_login(client, w.worker)
    page = client.get(reverse("cases:detail", args=[w.case.uuid])).content.decode()
    assert 'data-state="unconfirmed"' in page and 'data-testid="confirm-consent"' in page
    client.post(reverse("consent:confirm", args=[wish.uuid]), {"version": wish.version})
    wish.refresh_from_db()
    assert wish.is_confirmed and wish.confirmed_by == w.worker


def test_the_owner_still_records_and_withdraws_at_once(world):
    case = world.open_case()
    c = consent(world.worker, case, Purpose.RESEARCH)
    assert c.state == "valid" and Consent.objects.system().get(pk=c.pk).confirmed_by == world.worker
    withdraw_consent(actor=world.worker, consent=c)  # the owner needs no declaration
    assert not Referral.objects.system().exists()
