"""The safety assessment before each court appearance (issue 17, item 4): the safety app's check runs in
the proceedings' `plan_appearance` — no assessment, one due for review before the hearing, or a high level
without a confirmed safety plan each refuse the appearance with a sentence, and nothing is recorded."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from nicat.proceedings import services as proceedings
from nicat.proceedings.models import Appearance
from nicat.safety.demo import assess_for_court
from nicat.safety.services import confirm_safety_plan, record_assessment, write_safety_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def hearing(cast):
    from nicat.proceedings.demo import case_in_court

    case = cast.open_case(actor=cast.officer)
    cc, _p, hearing = case_in_court(officer=cast.officer, case=case, investigating_body=cast.main_department,
                                    before_appearance=assess_for_court)
    cast.case = case
    return proceedings.schedule_hearing(actor=cast.officer, criminal_case=cc, data={
        "starts_at": timezone.now() + datetime.timedelta(days=20), "court": "Bakı Apellyasiya Məhkəməsi",
        "purpose": "trial"})


def plan(cast, hearing):
    return proceedings.plan_appearance(actor=cast.officer, hearing=hearing, data={"mode": "in_person", "person_view": "agrees"})


def test_a_medium_assessment_lets_the_appearance_go_ahead_and_is_named_on_it(cast, hearing):
    appearance = plan(cast, hearing)
    assert any(label.startswith("safety-assessment:") and label.endswith(":medium")
               for label in appearance.safety_checked)


def test_no_assessment_refuses_the_appearance(cast):
    from nicat.proceedings.demo import case_in_court

    case = cast.open_case(actor=cast.officer)
    with pytest.raises(ValidationError, match="Assess the victim's safety"):
        case_in_court(officer=cast.officer, case=case, investigating_body=cast.main_department)
    assert not Appearance.objects.system().filter(hearing__criminal_case__case=case).exists()


def test_a_high_level_waits_for_the_confirmed_plan(cast, hearing):
    high = record_assessment(actor=cast.officer, case=cast.case, data={
        "occasion": "court", "level": "high", "factors": ["traffickers"],
        "reasons": "The recruiter threatened her family after the first hearing.",
        "review_on": timezone.localdate() + datetime.timedelta(days=40)})
    with pytest.raises(ValidationError) as refused:
        plan(cast, hearing)
    assert "safety" in refused.value.message_dict
    assert not Appearance.objects.system().filter(hearing=hearing).exists()
    high = write_safety_plan(actor=cast.officer, assessment=high, plan="Video link from the shelter, escort by "
                             "the Main Department, no name in the court list.", expected_version=high.version)
    from nicat.accounts.models import Role
    from tests.support.world import make_user

    supervisor = make_user("supervisor-md", cast.main_department, Role.SUPERVISOR)
    confirm_safety_plan(actor=supervisor, assessment=high, expected_version=high.version)
    assert plan(cast, hearing).safety_checked


def test_an_assessment_due_for_review_before_the_hearing_refuses(cast, hearing):
    record_assessment(actor=cast.officer, case=cast.case, data={
        "occasion": "review", "level": "low", "factors": [], "reasons": "Nothing new; she lives with her aunt.",
        "review_on": timezone.localdate() + datetime.timedelta(days=3)})
    with pytest.raises(ValidationError, match="due for review"):
        plan(cast, hearing)
