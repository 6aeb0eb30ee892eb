"""Statutory deadlines, computed by services: every deadline in each of its states."""
import datetime

import pytest
from django.utils import timezone

from nicat.cases.models import Case
from nicat.identification import selectors, services
from nicat.identification.testing import refer_with_consent
from nicat.testing import term

pytestmark = pytest.mark.django_db
DOCS = [{"title": "Inquiry report", "reference": "MD-1"}]


def kinds(deadlines):
    return {(d.kind, d.state) for d in deadlines}


def test_referral_due_within_24_hours_of_first_contact(cast):
    case = cast.open_case(first_contact_at=timezone.now() - datetime.timedelta(hours=2))
    [d] = services.case_deadlines(case)
    assert (d.kind, d.state) == ("referral", "due")
    assert d.due == case.first_contact_at + datetime.timedelta(hours=24)


def test_referral_overdue_after_24_hours(cast):
    case = cast.open_case(first_contact_at=timezone.now() - datetime.timedelta(hours=25))
    assert kinds(services.case_deadlines(case)) == {("referral", "overdue")}


def test_referral_done_on_time_and_late(cast):
    on_time = cast.open_case(first_contact_at=timezone.now() - datetime.timedelta(hours=3))
    late = cast.open_case(first_contact_at=timezone.now() - datetime.timedelta(hours=30))
    for case in (on_time, late):
        refer_with_consent(cast.worker, case)
    [d1] = [d for d in services.case_deadlines(on_time) if d.kind == "referral"]
    [d2] = [d for d in services.case_deadlines(late) if d.kind == "referral"]
    assert (d1.state, d1.late) == ("done", False) and (d2.state, d2.late) == ("done", True)


def test_referral_deadline_is_configurable(cast, settings):
    settings.NICAT_DEADLINE_REFERRAL_HOURS = 48
    case = cast.open_case(first_contact_at=timezone.now() - datetime.timedelta(hours=30))
    assert kinds(services.case_deadlines(case)) == {("referral", "due")}


def test_no_referral_deadline_for_a_closed_case(cast):
    case = cast.open_case(first_contact_at=timezone.now() - datetime.timedelta(hours=30), status="Closed",
                          closure_reason="Duplicate")
    assert services.case_deadlines(case) == []


def _recognise(cast, case, decided_on):
    refer_with_consent(cast.worker, case)
    case = Case.objects.system().get(pk=case.pk)
    services.record_decision(actor=cast.officer, case=case, expected_version=case.version, decision={
        "outcome": "recognised", "decided_on": decided_on, "documents": DOCS})
    return Case.objects.system().get(pk=case.pk)


def test_foreign_victim_no_expulsion_while_pending(cast, foreign_case):
    refer_with_consent(cast.worker, foreign_case)
    assert ("no_expulsion", "info") in kinds(services.case_deadlines(foreign_case))


def test_reflection_period_of_30_days_from_recognition_then_residence_permit(cast, foreign_case):
    decided = timezone.localdate() - datetime.timedelta(days=10)
    case = _recognise(cast, foreign_case, decided)
    items = {d.kind: d for d in services.case_deadlines(case)}
    assert items["reflection"].state == "info" and items["reflection"].due == decided + datetime.timedelta(days=30)
    assert items["residence_permit"].state == "due"


def test_residence_permit_overdue_after_the_reflection_period_and_done_when_discussed(cast, foreign_case):
    case = _recognise(cast, foreign_case, timezone.localdate() - datetime.timedelta(days=31))
    assert ("residence_permit", "overdue") in kinds(services.case_deadlines(case))
    services.mark_residence_permit_discussed(actor=cast.worker, case=case)
    assert ("residence_permit", "done") in kinds(services.case_deadlines(case))
    assert ("reflection", "done") in kinds(services.case_deadlines(case))


def test_reflection_days_configurable(cast, foreign_case, settings):
    settings.NICAT_REFLECTION_DAYS = 60
    case = _recognise(cast, foreign_case, timezone.localdate() - datetime.timedelta(days=31))
    assert ("residence_permit", "due") in kinds(services.case_deadlines(case))


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
    unknown_age = cast.open_case(person={"citizenships": [term("country", "UZ")]})
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
    case = _recognise(cast, foreign_case, timezone.localdate() - datetime.timedelta(days=40))
    items = selectors.dashboard_items(user=cast.officer)
    assert [(d.case.pk, d.kind, d.state) for d in items] == [(case.pk, "residence_permit", "overdue")]
