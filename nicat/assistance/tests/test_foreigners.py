"""Residence permits, interpreters, voluntary return (risk, documents, consent), reception, family
reunification and follow-up."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from nicat.assistance import conf, services
from nicat.assistance.models import FollowUp, PermitStatus, ReturnStatus
from tests.support.world import make_institution, term


def test_residence_permit_applied_granted_with_default_validity(world):
    case = world.adult()
    # on her request only (consent purpose residence_permit), given before the application was lodged
    world.consent(case, "residence_permit", given_at=timezone.now() - datetime.timedelta(days=30))
    permit = services.open_residence_permit(actor=world.cast.worker, case=case)
    start = timezone.localtime(case.first_contact_at).date()
    assert permit.reflection_period_ends == start + datetime.timedelta(days=30)
    with pytest.raises(ValidationError) as excinfo:
        services.update_residence_permit(actor=world.cast.worker, permit=permit, data={"status": "granted"},
                                         expected_version=permit.version)
    assert {"applied_on", "decided_on"} <= set(excinfo.value.message_dict)
    today = timezone.localdate()
    services.update_residence_permit(actor=world.cast.worker, permit=permit, data={
        "status": PermitStatus.GRANTED, "applied_on": today - datetime.timedelta(days=5), "decided_on": today,
        "permit_number": "TRP-0001"}, expected_version=permit.version)
    assert permit.expires_on == conf.add_months(today, 12)


def test_interpreter_needs_per_language(world):
    case = world.adult()
    services.add_interpreter_need(actor=world.cast.worker, case=case, language=term("language", "ru"))
    with pytest.raises(ValidationError):
        services.add_interpreter_need(actor=world.cast.worker, case=case, language=term("language", "ru"))


def _return(world, case):
    receiving = make_institution("iom-tashkent", "international_org", name_az="IOM Daşkənd", is_nonprofit=True)
    return services.plan_return(actor=world.cast.worker, case=case, direction="voluntary_return",
                                country=term("country", "UZ"), receiving_organisation=receiving)


def test_voluntary_return_needs_risk_assessment_documents_and_consent(world):
    case = world.adult()
    plan = _return(world, case)
    today = timezone.localdate()
    with pytest.raises(ValidationError) as excinfo:
        services.complete_return(actor=world.cast.worker, plan=plan, completed_on=today,
                                 expected_version=plan.version)
    assert {"risk_level", "documents_status", "travel_date"} <= set(excinfo.value.message_dict)
    with pytest.raises(ValidationError) as excinfo:
        services.update_return(actor=world.cast.worker, plan=plan, data={"risk_level": "high"},
                               expected_version=plan.version)
    assert "risk_notes" in excinfo.value.message_dict
    services.update_return(actor=world.cast.worker, plan=plan, data={
        "risk_level": "high", "risk_notes": "Recruiter lives in the same village"}, expected_version=plan.version)
    services.update_return(actor=world.cast.worker, plan=plan, data={
        "documents_status": "ready", "travel_date": today}, expected_version=plan.version)
    with pytest.raises(ValidationError) as excinfo:
        services.complete_return(actor=world.cast.worker, plan=plan, completed_on=today,
                                 expected_version=plan.version)
    assert "high" in " ".join(excinfo.value.message_dict["risk_level"])
    services.update_return(actor=world.cast.worker, plan=plan, data={
        "risk_level": "low", "risk_notes": "Recruiter convicted; family supportive"}, expected_version=plan.version)
    with pytest.raises(ValidationError) as excinfo:  # no consent to return yet
        services.complete_return(actor=world.cast.worker, plan=plan, completed_on=today,
                                 expected_version=plan.version)
    assert "consent" in excinfo.value.message_dict
    world.consent(case, "return")
    services.complete_return(actor=world.cast.worker, plan=plan, completed_on=today, expected_version=plan.version)
    assert plan.status == ReturnStatus.COMPLETED
    follow_up = FollowUp.objects.system().get(return_plan=plan)
    assert follow_up.due_on == today + datetime.timedelta(days=30)
    services.record_follow_up(actor=world.cast.worker, item=follow_up, done_on=today, outcome="Back at school")


def test_the_person_may_cancel_a_return(world):
    plan = _return(world, world.adult())
    services.cancel_return(actor=world.cast.worker, plan=plan, note="Wants to stay", expected_version=plan.version)
    assert plan.status == ReturnStatus.CANCELLED
    with pytest.raises(ValidationError):
        services.update_return(actor=world.cast.worker, plan=plan, data={"risk_level": "low", "risk_notes": "x"},
                               expected_version=plan.version)


def test_reception_of_a_citizen_returned_from_abroad(world):
    case = world.adult()
    plan = services.plan_return(actor=world.cast.worker, case=case, direction="reception",
                                country=term("country", "AE"))
    services.complete_return(actor=world.cast.worker, plan=plan, completed_on=timezone.localdate(),
                             expected_version=plan.version)
    assert plan.status == ReturnStatus.COMPLETED


def test_family_reunification_needs_consent_to_contact_the_family(world):
    case = world.adult()
    with pytest.raises(ValidationError) as excinfo:
        services.start_reunification(actor=world.cast.worker, case=case, family_member="Mother, Samarkand")
    assert "consent" in excinfo.value.message_dict
    world.consent(case, "family_contact")
    item = services.start_reunification(actor=world.cast.worker, case=case, family_member="Mother, Samarkand",
                                        country=term("country", "UZ"))
    services.update_reunification(actor=world.cast.worker, item=item, status="reunified",
                                  expected_version=item.version)
    assert item.status == "reunified"


def test_add_months_clamps_to_the_end_of_the_month():
    assert conf.add_months(datetime.date(2024, 1, 31), 1) == datetime.date(2024, 2, 29)
    assert conf.add_months(datetime.date(2024, 11, 15), 12) == datetime.date(2025, 11, 15)


def test_a_double_click_on_track_a_residence_permit_tracks_one(world, client):
    """"Track a residence permit" is a button on the case page: a double click (or a second tab) opened two
    permits not yet requested, each with its own reminders (found by the ninth review)."""
    from django.urls import reverse

    from nicat.assistance.models import ResidencePermit

    case = world.adult()
    client.force_login(world.cast.worker)
    url = reverse("assistance:permit_open", args=[case.uuid])
    assert client.post(url).status_code == 302
    response = client.post(url, follow=True)
    assert ResidencePermit.objects.system().filter(case=case).count() == 1
    assert "already" in response.content.decode()
    # Once that permit is decided (here: refused), a new one may be tracked.
    permit = ResidencePermit.objects.system().get(case=case)
    today = timezone.localdate()
    world.consent(case, "residence_permit", given_at=timezone.now() - datetime.timedelta(days=6))
    services.update_residence_permit(actor=world.cast.worker, permit=permit, data={
        "status": PermitStatus.REFUSED, "applied_on": today - datetime.timedelta(days=5), "decided_on": today},
        expected_version=permit.version)
    assert client.post(url).status_code == 302
    assert ResidencePermit.objects.system().filter(case=case).count() == 2


def test_a_follow_up_recorded_by_two_colleagues_at_once_keeps_the_first_outcome(world):
    """Two colleagues record the same follow-up at the same moment: both checks ran before either wrote, so
    the second outcome silently replaced the first (two `followup.record` events, one outcome kept; found by
    the ninth review)."""
    from nicat.audit.models import AuditEvent

    case = world.adult()
    item = services.schedule_follow_up(actor=world.cast.worker, case=case, due_on=timezone.localdate())
    as_read = FollowUp.objects.system().get(pk=item.pk)  # the second request read it before the first wrote
    today = timezone.localdate()
    services.record_follow_up(actor=world.cast.worker, item=item, done_on=today, outcome="Back at school, safe")
    with pytest.raises(ValidationError) as excinfo:
        services.record_follow_up(actor=world.cast.worker, item=as_read, done_on=today, outcome="Could not reach her")
    assert "already recorded" in " ".join(excinfo.value.messages)
    assert FollowUp.objects.system().get(pk=item.pk).outcome == "Back at school, safe"
    assert AuditEvent.objects.filter(action="followup.record").count() == 1


def test_an_interpreter_need_removed_by_two_colleagues_at_once_is_removed_once(world):
    """Two colleagues remove the same interpreter need at the same moment: both had read it, so both recorded
    an `interpreter.remove` event and both were told it was removed, though only one removed it (law 7)."""
    from nicat.assistance.models import InterpreterNeed
    from nicat.audit.models import AuditEvent

    case = world.adult()
    need = services.add_interpreter_need(actor=world.cast.worker, case=case, language=term("language", "ru"))
    as_read = InterpreterNeed.objects.system().get(pk=need.pk)  # the second request read it before the first wrote
    services.remove_interpreter_need(actor=world.cast.worker, need=need)
    with pytest.raises(ValidationError) as excinfo:
        services.remove_interpreter_need(actor=world.cast.worker, need=as_read)
    assert "already removed" in " ".join(excinfo.value.messages)
    assert not InterpreterNeed.objects.system().filter(pk=need.pk).exists()
    assert AuditEvent.objects.filter(action="interpreter.remove").count() == 1
