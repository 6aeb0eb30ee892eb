"""Statutory deadlines, computed by services: every deadline in each of its states."""
import datetime

import pytest
from django.utils import timezone

from nicat.cases.models import Case
from nicat.identification import selectors, services
from tests.support.identification import refer_with_consent
from tests.support.world import term

pytestmark = pytest.mark.django_db
DOCS = [{"title": "Inquiry report", "reference": "MD-1"}]


def kinds(deadlines):
    return {(d.kind, d.state) for d in deadlines}


def test_referral_due_within_24_hours_of_first_contact(cast):
    case = cast.open_case(first_contact_at=timezone.now() - datetime.timedelta(hours=2))
    [d] = [d for d in services.case_deadlines(case) if d.kind == "referral"]
    assert (d.kind, d.state) == ("referral", "due")
    assert d.due == case.first_contact_at + datetime.timedelta(hours=24)


def test_referral_overdue_after_24_hours(cast):
    case = cast.open_case(first_contact_at=timezone.now() - datetime.timedelta(hours=25))
    assert ("referral", "overdue") in kinds(services.case_deadlines(case))


def test_referral_done_on_time_and_late(cast):
    on_time = cast.open_case(first_contact_at=timezone.now() - datetime.timedelta(hours=3))
    late = cast.open_case(first_contact_at=timezone.now() - datetime.timedelta(hours=30))
    for case in (on_time, late):
        refer_with_consent(cast.worker, case)
    [d1] = [d for d in services.case_deadlines(on_time) if d.kind == "referral"]
    [d2] = [d for d in services.case_deadlines(late) if d.kind == "referral"]
    assert (d1.state, d1.late) == ("done", False) and (d2.state, d2.late) == ("done", True)


def test_referral_deadline_is_the_legal_parameter_in_force_at_first_contact(cast):
    """The 24 hours are a legal parameter: a new value applies to cases first met on or after its date."""
    from nicat.legal import services as legal

    first_contact = timezone.now() - datetime.timedelta(minutes=30)
    # the parameter applies from the day of that first contact (in Baku): 30 minutes ago may be yesterday
    legal.set_parameter(actor=cast.admin, data={
        "code": "identification.referral_hours", "value": "48", "valid_from": timezone.localdate(first_contact),
        "legal_act": "Amended standard operating procedures (test)"})
    today = cast.open_case(first_contact_at=first_contact)
    [d] = [d for d in services.case_deadlines(today) if d.kind == "referral"]
    assert d.due == today.first_contact_at + datetime.timedelta(hours=48)
    before = cast.open_case(first_contact_at=timezone.now() - datetime.timedelta(days=2))
    [d] = [d for d in services.case_deadlines(before) if d.kind == "referral"]
    assert (d.state, d.due) == ("overdue", before.first_contact_at + datetime.timedelta(hours=24))


def test_no_referral_deadline_for_a_closed_case(cast):
    case = cast.open_case(first_contact_at=timezone.now() - datetime.timedelta(hours=30), status="Closed",
                          closure_reason="Duplicate")
    assert "referral" not in {d.kind for d in services.case_deadlines(case)}


def _recognise(cast, case, decided_on):
    refer_with_consent(cast.worker, case)
    case = Case.objects.system().get(pk=case.pk)
    services.record_decision(actor=cast.officer, case=case, expected_version=case.version, decision={
        "outcome": "recognised", "decided_on": decided_on, "documents": DOCS})
    return Case.objects.system().get(pk=case.pk)


def test_foreign_victim_no_expulsion_while_pending(cast, foreign_case):
    refer_with_consent(cast.worker, foreign_case)
    assert ("no_expulsion", "info") in kinds(services.case_deadlines(foreign_case))


def test_reflection_period_of_30_days_from_first_contact_not_from_recognition(cast):
    """Convention Art. 13: the period precedes the decision. It runs from the first contact, before any
    decision, and recognition does not move it."""
    first = timezone.now() - datetime.timedelta(days=10)
    case = cast.open_case(person={"birth_date": datetime.date(1990, 1, 1), "citizenships": [term("country", "UZ")]},
                          first_contact_at=first)
    end = timezone.localdate(first) + datetime.timedelta(days=30)
    items = {d.kind: d for d in services.case_deadlines(case)}
    assert items["reflection"].state == "info" and items["reflection"].due == end  # before any decision
    case = _recognise(cast, case, timezone.localdate())
    items = {d.kind: d for d in services.case_deadlines(case)}
    assert items["reflection"].due == end  # not moved by the recognition
    assert items["residence_permit"].state == "due" and items["residence_permit"].due == end


def test_residence_permit_overdue_after_the_reflection_period_and_done_when_discussed(cast, foreign_case):
    # first met 60 days ago: the reflection period ended 30 days ago, whenever the decision came
    case = _recognise(cast, foreign_case, timezone.localdate() - datetime.timedelta(days=5))
    assert ("residence_permit", "overdue") in kinds(services.case_deadlines(case))
    from nicat.identification.models import Identification

    version = Identification.objects.of(case).get().version
    services.mark_residence_permit_discussed(actor=cast.worker, case=case, expected_version=version)
    assert ("residence_permit", "done") in kinds(services.case_deadlines(case))
    assert ("reflection", "done") in kinds(services.case_deadlines(case))


def test_reflection_days_are_the_legal_parameter_in_force_at_first_contact(cast, foreign_case):
    from nicat.legal import services as legal

    legal.set_parameter(actor=cast.admin, data={
        "code": "foreigners.reflection_days", "value": "90", "valid_from": timezone.localdate() - datetime.timedelta(
            days=70), "legal_act": "Amended repatriation rules (test)"})
    case = _recognise(cast, foreign_case, timezone.localdate())
    items = {d.kind: d for d in services.case_deadlines(case)}
    assert items["reflection"].due == timezone.localdate(foreign_case.first_contact_at) + datetime.timedelta(days=90)
    assert items["residence_permit"].state == "due"


def test_stateless_victim_gets_the_reflection_period_citizen_does_not(cast, adult_case):
    stateless = cast.open_case(person={"citizenships": [term("country", "XXA")], "estimated_age": 30},
                               first_contact_at=timezone.now() - datetime.timedelta(days=2))
    case = _recognise(cast, stateless, timezone.localdate())
    assert {"reflection", "residence_permit"} <= {d.kind for d in services.case_deadlines(case)}
    citizen = _recognise(cast, adult_case, timezone.localdate())
    assert not {"reflection", "residence_permit"} & {d.kind for d in services.case_deadlines(citizen)}


def test_child_is_never_to_be_deported_flag(cast):
    born = timezone.localdate() - datetime.timedelta(days=14 * 365)
    foreign_child = cast.open_case(person={"birth_date": born, "citizenships": [term("country", "UZ")]})
    assert {"code": "child_never_deport", "age_unknown": False} in services.case_flags(foreign_child)
    unknown_age = cast.open_case(person={"birth_date": None, "citizenships": [term("country", "UZ")]})
    assert {"code": "child_never_deport", "age_unknown": True} in services.case_flags(unknown_age)
    citizen_child = cast.open_case(person={"birth_date": born, "citizenships": [term("country", "AZ")]})
    assert services.case_flags(citizen_child) == []


def test_dashboard_shows_due_and_overdue_items_overdue_first(cast):
    due = cast.open_case(first_contact_at=timezone.now() - datetime.timedelta(hours=1))
    overdue = cast.open_case(first_contact_at=timezone.now() - datetime.timedelta(hours=40))
    theirs = cast.open_case(actor=cast.worker2, first_contact_at=timezone.now() - datetime.timedelta(hours=40))
    items = selectors.dashboard_items(user=cast.worker)
    refs = [(d.case.reference, d.state) for d in items]
    assert refs[0] == (overdue.reference, "overdue")
    assert (due.reference, "due") in refs and theirs.reference not in [r for r, _ in refs]
    assert selectors.dashboard_items(user=cast.analyst) == []


def test_dashboard_shows_residence_permit_items_to_the_officer(cast, foreign_case):
    case = _recognise(cast, foreign_case, timezone.localdate() - datetime.timedelta(days=20))
    items = selectors.dashboard_items(user=cast.officer)
    assert [(d.case.pk, d.kind, d.state) for d in items] == [(case.pk, "residence_permit", "overdue")]


def test_the_owner_is_reminded_once_of_a_possible_victim_not_referred_in_time(cast):
    """The periodic job `identification.deadlines`: the owner institution's case workers are told once (kind,
    reference, link), with an audit event; not for a case still within the hours, referred, the authority's
    own, or closed."""
    from nicat.audit.models import AuditEvent
    from nicat.core.jobs import periodic_jobs
    from nicat.referrals.models import Notification

    assert periodic_jobs()["identification.deadlines"].resolve() is services.remind_overdue_referrals
    long_ago = timezone.now() - datetime.timedelta(days=3)
    late = cast.open_case(first_contact_at=long_ago)
    cast.open_case()  # an hour ago: within the referral hours
    referred = cast.open_case(first_contact_at=long_ago)
    refer_with_consent(cast.worker, referred)
    cast.open_case(actor=cast.officer, first_contact_at=long_ago)  # the authority's own case
    cast.open_case(first_contact_at=long_ago, status="Closed", closure_reason="Duplicate")

    assert services.remind_overdue_referrals() == 1
    notes = Notification.objects.filter(kind="identification_overdue")
    assert {n.case_reference for n in notes} == {late.reference}
    assert cast.worker.pk in {n.user_id for n in notes}
    assert not {cast.worker2.pk, cast.officer.pk} & {n.user_id for n in notes}  # only the owner institution
    assert AuditEvent.objects.filter(action="identification.referral_overdue", case_uuid=str(late.uuid)).count() == 1
    assert services.remind_overdue_referrals() == 0  # once
    assert notes.count() == len({n.user_id for n in notes})
