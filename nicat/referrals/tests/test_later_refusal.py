"""The person's latest decision for a purpose and scope wins: a later refusal, recorded without anyone first
withdrawing the earlier consent, ends that consent as a withdrawal does — the referral resting on it is revoked,
the receiver loses the case (page, API, the read-time checks on the consent row), and both sides are told."""
import pytest
from django.urls import reverse

from nicat.audit.models import AuditEvent
from nicat.cases.models import Case
from nicat.consent.models import Consent, Decision, Method, Purpose
from nicat.consent.services import confirm_consent, decisive_consent, record_consent
from nicat.referrals import services
from nicat.referrals.models import Notification, NotificationKind, Referral, Status
from tests.support.referrals import consent, referral_data

pytestmark = pytest.mark.django_db


def _sees(user, case):
    return Case.objects.visible_to(user).filter(pk=case.pk).exists()


def _accepted(world):
    case = world.open_case()
    given = consent(world.worker, case, Purpose.REFERRAL, world.shelter)
    referral = services.create_referral(actor=world.worker, case=case, data=referral_data(world.shelter))
    services.accept_referral(actor=world.shelter_staff, referral=referral, expected_version=referral.version)
    assert _sees(world.shelter_staff, case)
    return case, given, referral


def _refuse(actor, case, institution):
    return record_consent(actor=actor, case=case, data={
        "purpose": Purpose.REFERRAL, "institution": institution, "decision": Decision.REFUSED,
        "method": Method.ORAL})


def test_a_later_refusal_revokes_the_referral_that_rested_on_the_earlier_consent(world, api, client):
    case, given, referral = _accepted(world)
    _refuse(world.worker, case, world.shelter)
    referral.refresh_from_db()
    assert referral.status == Status.REVOKED
    # The receiver's reads: out of sight at once (the consent row itself is no longer in force).
    assert not _sees(world.shelter_staff, case)
    assert api(world.shelter_staff).get(f"/api/v1/cases/{case.uuid}/").status_code == 404
    client.force_login(world.shelter_staff)
    assert client.get(reverse("cases:detail", args=[case.uuid])).status_code == 404
    assert Notification.objects.filter(user=world.shelter_staff, kind=NotificationKind.REFERRAL_REVOKED).exists()
    # The earlier consent shows as ended by the refusal, and the refusal remains the decision that counts.
    given.refresh_from_db()
    assert given.withdrawn_at is not None and given.state == "withdrawn"
    assert decisive_consent(case=case, purpose=Purpose.REFERRAL, institution=world.shelter)[0] == "refused"
    withdrawal = AuditEvent.objects.get(action="consent.withdraw", object_id=str(given.uuid))
    assert withdrawal.details.get("superseded_by_refusal")


def test_a_refusal_for_another_institution_leaves_the_consent_and_its_referral(world):
    case, given, referral = _accepted(world)
    _refuse(world.worker, case, world.ngo)
    referral.refresh_from_db()
    given.refresh_from_db()
    assert referral.status == Status.ACCEPTED and given.withdrawn_at is None
    assert _sees(world.shelter_staff, case)


def test_a_refusal_told_to_the_receiver_ends_the_consent_once_the_owner_confirms_it(world):
    """The receiver records the refusal the person told it: her wish, counted once the owner confirms it."""
    case, given, referral = _accepted(world)
    wish = _refuse(world.shelter_staff, case, world.shelter)
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED  # a wish recorded elsewhere counts once confirmed
    confirm_consent(actor=world.worker, consent=wish, expected_version=wish.version)
    referral.refresh_from_db()
    assert referral.status == Status.REVOKED
    assert Consent.objects.system().get(pk=given.pk).withdrawn_at is not None
    assert Referral.objects.system().filter(case=case, status__in=[Status.ACCEPTED, Status.PENDING]).count() == 0


def test_a_refusal_of_one_provider_ends_the_referral_resting_on_a_consent_given_for_any(world, api):
    """The consent to a service names no provider (any authorised one); the person later refuses that service
    from one provider: the referral to that provider, resting on the general consent, is revoked; the consent
    stays in force for the others."""
    from nicat.directory.models import InstitutionService, ServiceKind
    from tests.support.world import make_institution

    charity = make_institution("charity-clinic", "medical", name_az="Xeyriyyə klinikası", is_nonprofit=True)
    InstitutionService.objects.create(institution=charity, kind=ServiceKind.MEDICAL)
    case = world.open_case()
    general = consent(world.worker, case, Purpose.SERVICE, service="medical")
    sent = api(world.worker).post("/api/v1/referrals/", {
        "case": str(case.uuid), "to_institution": str(charity.uuid), "purpose": "service", "service": "medical",
        "shared_sections": ["identity"], "message": "Needs treatment."}, format="json")
    assert sent.status_code == 201, sent.json()
    referral = Referral.objects.system().get(uuid=sent.json()["uuid"])
    assert referral.consent_id == general.pk
    record_consent(actor=world.worker, case=case, data={
        "purpose": Purpose.SERVICE, "service": "medical", "institution": charity, "decision": Decision.REFUSED,
        "method": Method.ORAL})
    referral.refresh_from_db()
    general.refresh_from_db()
    assert referral.status == Status.REVOKED
    assert general.withdrawn_at is None
    assert decisive_consent(case=case, purpose=Purpose.SERVICE, service="medical")[0] == "valid"
