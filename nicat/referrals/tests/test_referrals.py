"""Referrals: sending through the consent gate, answering, working, cancelling, deadlines, and the access
an accepted referral gives (only while it is active and the consent is valid)."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from nicat.audit.models import AuditEvent
from nicat.cases.models import Case
from nicat.consent.models import Decision, Purpose
from nicat.consent.services import approve_legal_basis, withdraw_consent
from nicat.core.errors import ConcurrentEdit, NotAllowed
from nicat.referrals import selectors, services
from nicat.referrals.models import Notification, NotificationKind, Referral, ReferralEvent, Status
from tests.support.referrals import consent, legal_basis_data, referral_data


def sees(user, case):
    return Case.objects.visible_to(user).filter(pk=case.pk).exists()


@pytest.fixture
def referred(world):
    case = world.open_case()
    c = consent(world.worker, case, Purpose.REFERRAL, world.shelter)
    referral = services.create_referral(actor=world.worker, case=case, data=referral_data(world.shelter))
    return case, c, referral


def test_no_referral_without_consent(world):
    case = world.open_case()
    with pytest.raises(ValidationError) as error:
        services.create_referral(actor=world.worker, case=case, data=referral_data(world.shelter))
    assert "consent" in error.value.error_dict
    assert Referral.objects.system().count() == 0 and Notification.objects.count() == 0


def test_no_referral_after_refusal(world):
    case = world.open_case()
    consent(world.worker, case, Purpose.REFERRAL, world.shelter, decision=Decision.REFUSED)
    with pytest.raises(ValidationError) as error:
        services.create_referral(actor=world.worker, case=case, data=referral_data(world.shelter))
    assert error.value.error_dict["consent"][0].code == "consent_refused"


def test_consent_for_another_institution_does_not_do(world):
    case = world.open_case()
    consent(world.worker, case, Purpose.REFERRAL, world.centre)
    with pytest.raises(ValidationError):
        services.create_referral(actor=world.worker, case=case, data=referral_data(world.shelter))


def test_referral_is_sent_with_deadline_event_audit_and_notification(world, referred):
    case, c, referral = referred
    assert referral.status == Status.PENDING and referral.consent == c
    assert referral.from_institution == world.ngo and referral.to_institution == world.shelter
    assert referral.deadline_at == referral.created_at + datetime.timedelta(hours=24)  # urgent
    assert ReferralEvent.objects.system().filter(referral=referral, kind="sent").exists()
    assert AuditEvent.objects.filter(action="referral.create", case_uuid=str(case.uuid)).exists()
    notes = Notification.objects.filter(user=world.shelter_staff)
    assert [(n.kind, n.case_reference) for n in notes] == [(NotificationKind.REFERRAL_RECEIVED, case.reference)]


def test_pending_referral_gives_no_access_but_shows_in_the_queue(world, referred):
    case, _c, referral = referred
    assert not sees(world.shelter_staff, case)
    assert list(selectors.incoming(user=world.shelter_staff)) == [referral]
    assert selectors.shared_sections(world.shelter_staff, case) == frozenset()


def test_acceptance_gives_access_to_the_shared_sections_only(world, referred):
    case, _c, referral = referred
    services.accept_referral(actor=world.shelter_staff, referral=referral, expected_version=referral.version)
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED and referral.responded_at and referral.response_time is not None
    assert sees(world.shelter_staff, case)
    assert selectors.shared_sections(world.shelter_staff, case) == frozenset({"identity"})
    assert not sees(world.centre_worker, case)
    assert Notification.objects.filter(user=world.worker, kind=NotificationKind.REFERRAL_ACCEPTED).exists()


def test_completion_ends_access(world, referred):
    case, _c, referral = referred
    services.accept_referral(actor=world.shelter_staff, referral=referral, expected_version=referral.version)
    services.report_progress(actor=world.shelter_staff, referral=referral, text="Placed in room 4.")
    referral.refresh_from_db()
    assert referral.status == Status.IN_PROGRESS and referral.started_at
    services.complete_referral(actor=world.shelter_staff, referral=referral, text="Moved to the centre.",
                               expected_version=referral.version)
    assert not sees(world.shelter_staff, case)
    assert list(selectors.incoming(user=world.shelter_staff)) == []
    assert [r.pk for r in selectors.incoming(user=world.shelter_staff, state="closed")] == [referral.pk]


def test_cancellation_by_the_sender_ends_access(world, referred):
    case, _c, referral = referred
    services.accept_referral(actor=world.shelter_staff, referral=referral, expected_version=referral.version)
    with pytest.raises(NotAllowed):
        services.cancel_referral(actor=world.shelter_staff, referral=referral, reason="not mine",
                                 expected_version=referral.version)
    with pytest.raises(ValidationError):
        services.cancel_referral(actor=world.worker, referral=referral, reason="  ", expected_version=referral.version)
    services.cancel_referral(actor=world.worker, referral=referral, reason="Person moved to another city.",
                             expected_version=referral.version)
    assert not sees(world.shelter_staff, case)
    assert Notification.objects.filter(user=world.shelter_staff, kind=NotificationKind.REFERRAL_CANCELLED).exists()


def test_decline_needs_a_reason_and_gives_no_access(world, referred):
    case, _c, referral = referred
    with pytest.raises(ValidationError) as error:
        services.decline_referral(actor=world.shelter_staff, referral=referral, reason="",
                                  expected_version=referral.version)
    assert "reason" in error.value.error_dict
    services.decline_referral(actor=world.shelter_staff, referral=referral, reason="No bed free for a man.",
                              expected_version=referral.version)
    referral.refresh_from_db()
    assert referral.status == Status.DECLINED and referral.decline_reason == "No bed free for a man."
    assert not sees(world.shelter_staff, case)
    with pytest.raises(ValidationError):  # no second answer
        services.accept_referral(actor=world.shelter_staff, referral=referral, expected_version=referral.version)


def test_only_the_receiving_institution_answers(world, referred):
    _case, _c, referral = referred
    for outsider in (world.worker, world.worker2, world.centre_worker, world.analyst):
        with pytest.raises(NotAllowed):
            services.accept_referral(actor=outsider, referral=referral, expected_version=referral.version)


def test_two_answers_at_once_do_not_both_succeed(world, referred):
    _case, _c, referral = referred
    stale = Referral.objects.system().get(pk=referral.pk)
    services.accept_referral(actor=world.shelter_staff, referral=referral, expected_version=referral.version)
    with pytest.raises(ConcurrentEdit):
        services.decline_referral(actor=world.shelter_staff, referral=stale, reason="Full",
                                  expected_version=stale.version)
    with pytest.raises(ValidationError):
        services.decline_referral(actor=world.shelter_staff, referral=stale, reason="Full", expected_version=stale.version)


def test_withdrawal_revokes_open_referrals_and_access_in_the_same_transaction(world, referred):
    case, c, referral = referred
    services.accept_referral(actor=world.shelter_staff, referral=referral, expected_version=referral.version)
    assert sees(world.shelter_staff, case)
    withdraw_consent(actor=world.worker, consent=c, note="She does not want the shelter any more.")
    referral.refresh_from_db()
    assert referral.status == Status.REVOKED and referral.revoked_at
    assert not sees(world.shelter_staff, case)
    assert list(selectors.incoming(user=world.shelter_staff)) == []
    assert list(selectors.incoming(user=world.shelter_staff, state="closed")) == []
    assert selectors.shared_sections(world.shelter_staff, case) == frozenset()
    assert Notification.objects.filter(user=world.shelter_staff, kind=NotificationKind.REFERRAL_REVOKED).exists()
    revoke = AuditEvent.objects.get(action="referral.revoke")
    withdraw = AuditEvent.objects.get(action="consent.withdraw")
    assert revoke.sequence > withdraw.sequence


def test_withdrawal_by_the_receiving_shelter_takes_effect_at_once(world, referred):
    """The person lives at the shelter: its staff may record the withdrawal, and lose the case with it."""
    case, c, referral = referred
    services.accept_referral(actor=world.shelter_staff, referral=referral, expected_version=referral.version)
    withdraw_consent(actor=world.shelter_staff, consent=c, expressed_by_person=True,
                     note="She told the night staff she wants to stop.")
    assert not sees(world.shelter_staff, case)


def test_withdrawal_fails_whole_if_revocation_fails(world, referred, monkeypatch):
    case, c, referral = referred
    services.accept_referral(actor=world.shelter_staff, referral=referral, expected_version=referral.version)

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "notify_institution", broken)
    with pytest.raises(RuntimeError):
        withdraw_consent(actor=world.worker, consent=c)
    c.refresh_from_db()
    referral.refresh_from_db()
    assert c.withdrawn_at is None and referral.status == Status.ACCEPTED


def test_withdrawal_of_another_purpose_leaves_the_referral(world, referred):
    case, _c, referral = referred
    other = consent(world.worker, case, Purpose.RESEARCH)
    services.accept_referral(actor=world.shelter_staff, referral=referral, expected_version=referral.version)
    withdraw_consent(actor=world.worker, consent=other)
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED and sees(world.shelter_staff, case)


def test_expired_consent_ends_access_without_a_withdrawal(world):
    case = world.open_case()
    consent(world.worker, case, Purpose.REFERRAL, world.shelter,
            expires_at=timezone.now() + datetime.timedelta(hours=1))
    referral = services.create_referral(actor=world.worker, case=case, data=referral_data(world.shelter))
    services.accept_referral(actor=world.shelter_staff, referral=referral, expected_version=referral.version)
    assert sees(world.shelter_staff, case)
    from nicat.consent.models import Consent

    Consent.objects.system().filter(pk=referral.consent_id).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert not sees(world.shelter_staff, case)


def test_legal_basis_referral_survives_a_withdrawal_and_is_shown_on_the_case(world):
    case = world.open_case()
    data = referral_data(world.main_department, purpose=Purpose.LAW_ENFORCEMENT, shared_sections=["identity"],
                         **legal_basis_data())
    referral = services.create_referral(actor=world.worker, case=case, data=data)
    assert referral.consent is None and referral.legal_basis_use.legal_basis == "court_order"
    approve_legal_basis(actor=world.ca_supervisor, use=referral.legal_basis_use, expected_version=referral.legal_basis_use.version)
    referral.refresh_from_db()
    services.accept_referral(actor=world.officer, referral=referral, expected_version=referral.version)
    assert sees(world.officer, case)
    c = consent(world.worker, case, Purpose.LAW_ENFORCEMENT, world.main_department)
    withdraw_consent(actor=world.worker, consent=c)
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED


def test_referral_validation_says_what_to_fix(world):
    case = world.open_case()
    consent(world.worker, case, Purpose.SERVICE, service="legal")
    with pytest.raises(ValidationError) as error:
        services.create_referral(actor=world.worker, case=case, data=referral_data(
            world.shelter, purpose=Purpose.SERVICE, service="legal", shared_sections=["investigation"]))
    assert {"service", "shared_sections"} <= set(error.value.error_dict)
    with pytest.raises(ValidationError) as error:
        services.create_referral(actor=world.worker, case=case, data=referral_data(world.ngo))
    assert "to_institution" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        services.create_referral(actor=world.worker, case=case, data=referral_data(world.shelter, shared_sections=[]))
    assert "shared_sections" in error.value.error_dict
    with pytest.raises(ValidationError) as error:  # a shelter place only from an authorised special institution
        services.create_referral(actor=world.worker, case=case, data=referral_data(
            world.ngo2, purpose=Purpose.SERVICE, service="shelter"))
    assert "service" in error.value.error_dict


def test_only_the_owner_refers_and_only_once_at_a_time(world, referred):
    case, _c, referral = referred
    with pytest.raises(ValidationError) as error:
        services.create_referral(actor=world.worker, case=case, data=referral_data(world.shelter))
    assert "to_institution" in error.value.error_dict
    services.accept_referral(actor=world.shelter_staff, referral=referral, expected_version=referral.version)
    with pytest.raises(ValidationError):  # the shelter sees the case but does not own it
        services.create_referral(actor=world.shelter_staff, case=case, data=referral_data(world.centre))
    with pytest.raises(NotAllowed):
        services.create_referral(actor=world.worker2, case=case, data=referral_data(world.centre))


def test_overdue_referrals_are_flagged_to_both_sides_once(world, referred):
    case, _c, referral = referred
    assert services.flag_overdue() == 0
    later = referral.deadline_at + datetime.timedelta(minutes=1)
    assert services.flag_overdue(now=later) == 1
    assert services.flag_overdue(now=later) == 0
    for user in (world.worker, world.shelter_staff):
        assert Notification.objects.filter(user=user, kind=NotificationKind.REFERRAL_OVERDUE).count() == 1
    Referral.objects.system().filter(pk=referral.pk).update(deadline_at=timezone.now() - datetime.timedelta(hours=1))
    assert [r.pk for r in selectors.dashboard(world.worker)["overdue_out"]] == [referral.pk]
    assert [r.pk for r in selectors.dashboard(world.shelter_staff)["overdue_in"]] == [referral.pk]


def test_deadline_follows_urgency_and_the_legal_parameter(world, cast):
    from nicat.legal import services as legal

    legal.set_parameter(actor=cast.admin, data={"code": "referrals.response_hours.emergency", "value": "1",
                                                "valid_from": timezone.localdate() - datetime.timedelta(days=1),
                                                "legal_act": "Referral procedures (test)"})
    case = world.open_case()
    consent(world.worker, case, Purpose.REFERRAL, world.shelter)
    referral = services.create_referral(actor=world.worker, case=case,
                                        data=referral_data(world.shelter, urgency="emergency"))
    assert referral.deadline_at - referral.created_at == datetime.timedelta(hours=1)
    assert services.response_hours("routine") == 72


def test_shared_section_codes_are_the_access_policys():
    from nicat.access import policy
    from nicat.access import sections as access_sections
    from nicat.referrals import sections

    known = set(getattr(policy, "SECTIONS", access_sections.CODES))
    assert set(access_sections.CODES) <= known and set().union(*sections.ALLOWED.values()) <= known
    for purpose, allowed in sections.ALLOWED.items():
        assert set(sections.DEFAULT[purpose]) <= allowed
