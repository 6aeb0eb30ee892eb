"""The individual social rehabilitation plan: one per case, goals in seven areas, actions, the person's
agreement (and declining any part), reviews; closing a case needs the final review."""
import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from nicat.assistance import services
from nicat.assistance.models import ActionStatus, GoalStatus, PlanAction, PlanGoal, PlanStatus
from nicat.audit.models import AuditEvent
from nicat.core.calendar import baku_today
from nicat.core.errors import NotAllowed


@pytest.fixture
def plan_case(world):
    case = world.adult()
    plan = services.create_plan(actor=world.cast.worker, case=case)
    return case, plan


def _goal(world, plan, area="psychological", text="Regain sleep and calm"):
    return services.add_goal(actor=world.cast.worker, plan=plan, area=area, description=text,
                             responsible_institution=world.cast.ngo, due_on=baku_today())


def test_one_plan_per_case(world, plan_case):
    case, plan = plan_case
    with pytest.raises(ValidationError) as excinfo:
        services.create_plan(actor=world.cast.worker, case=case)
    assert "one plan per case" in " ".join(excinfo.value.messages)
    assert AuditEvent.objects.filter(action="plan.create").count() == 1


def test_plan_of_a_case_one_cannot_see_is_refused(world, plan_case):
    case, plan = plan_case
    with pytest.raises(NotAllowed):
        services.add_goal(actor=world.cast.worker2, plan=plan, area="legal", description="Snooping",
                          responsible_institution=world.cast.ngo2)


def test_roles_that_do_not_plan_are_refused(world):
    from nicat.accounts.models import Role
    from tests.support.world import make_user

    doctor = make_user("doctor", world.cast.ngo, Role.MEDICAL_STAFF)
    case = world.adult()
    with pytest.raises(PermissionDenied):
        services.create_plan(actor=doctor, case=case)


def test_goals_need_one_of_the_seven_areas(world, plan_case):
    _case, plan = plan_case
    with pytest.raises(ValidationError) as excinfo:
        services.add_goal(actor=world.cast.worker, plan=plan, area="shopping", description="x",
                          responsible_institution=world.cast.ngo)
    assert "area" in excinfo.value.message_dict
    for area in ("legal", "education", "psychological", "medical", "vocational", "employment", "housing"):
        _goal(world, plan, area=area, text=f"Goal in {area}")
    assert PlanGoal.objects.system().filter(plan=plan).count() == 7


def test_agreement_needs_consent_for_each_accepted_goal(world, plan_case):
    case, plan = plan_case
    psych = _goal(world, plan, "psychological")
    housing = _goal(world, plan, "housing", "A flat of her own")
    with pytest.raises(ValidationError) as excinfo:
        services.record_agreement(actor=world.cast.worker, plan=plan, expected_version=plan.version)
    assert "consent" in excinfo.value.message_dict
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT  # nothing half-written
    world.consent(case, "service", service="psychological")
    # She declines the housing goal: agreement to the rest is enough.
    services.record_agreement(actor=world.cast.worker, plan=plan, declined_goals=[housing],
                              note="Will live with her sister", expected_version=plan.version)
    plan.refresh_from_db()
    housing.refresh_from_db()
    psych.refresh_from_db()
    assert plan.status == PlanStatus.AGREED and housing.status == GoalStatus.DECLINED
    assert psych.status == GoalStatus.PLANNED


def test_nothing_is_planned_or_delivered_under_a_declined_goal(world, plan_case):
    case, plan = plan_case
    goal = _goal(world, plan, "vocational", "Tailoring course")
    action = services.add_action(actor=world.cast.worker, goal=goal, description="Enrol in a course",
                                 responsible_institution=world.cast.ngo)
    services.decline_goal(actor=world.cast.worker, goal=goal, note="Not interested",
                          expected_version=goal.version)
    action.refresh_from_db()
    assert action.status == ActionStatus.CANCELLED
    with pytest.raises(ValidationError) as excinfo:
        services.add_action(actor=world.cast.worker, goal=goal, description="Try again",
                            responsible_institution=world.cast.ngo)
    assert "declined" in " ".join(excinfo.value.messages)
    world.consent(case, "service", service="vocational")
    with pytest.raises(ValidationError) as excinfo:
        services.record_service(actor=world.cast.worker, case=case, kind="vocational", provider=world.cast.ngo,
                                delivered_at=_now(), duration_minutes=60, goal=goal)
    assert "declined" in " ".join(excinfo.value.message_dict["goal"])
    with pytest.raises(ValidationError):
        services.update_goal(actor=world.cast.worker, goal=goal, data={"status": "in_progress"},
                             expected_version=goal.version)
    assert PlanAction.objects.system().filter(goal=goal).count() == 1


def _now():
    from django.utils import timezone

    return timezone.now() - datetime.timedelta(hours=1)


def test_work_on_a_goal_starts_only_after_agreement(world, plan_case):
    case, plan = plan_case
    goal = _goal(world, plan)
    with pytest.raises(ValidationError) as excinfo:
        services.update_goal(actor=world.cast.worker, goal=goal, data={"status": "in_progress"},
                             expected_version=goal.version)
    assert "agreed" in " ".join(excinfo.value.messages)
    world.consent(case, "service", service="psychological")
    services.record_agreement(actor=world.cast.worker, plan=plan, expected_version=plan.version)
    services.update_goal(actor=world.cast.worker, goal=goal, data={"status": "in_progress"},
                         expected_version=goal.version)
    assert goal.status == "in_progress"


def test_final_review_needs_every_goal_finished_and_closes_the_plan(world, plan_case):
    case, plan = plan_case
    goal = _goal(world, plan)
    world.consent(case, "service", service="psychological")
    services.record_agreement(actor=world.cast.worker, plan=plan, expected_version=plan.version)
    review = services.add_review(actor=world.cast.worker, plan=plan, summary="Sessions twice a week, going well")
    assert not review.is_final and plan.next_review_on > baku_today()
    with pytest.raises(ValidationError) as excinfo:
        services.add_review(actor=world.cast.worker, plan=plan, summary="Final review of the plan", is_final=True)
    assert "still planned or in progress" in " ".join(excinfo.value.messages)
    services.update_goal(actor=world.cast.worker, goal=goal, data={"status": "achieved", "outcome": "Sleeps well"},
                         expected_version=goal.version)
    services.add_review(actor=world.cast.worker, plan=plan, summary="Final review of the plan", is_final=True)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CLOSED
    with pytest.raises(ValidationError):
        _goal(world, plan, "legal", "Too late")


def test_closing_a_case_needs_the_final_review_and_a_reason(world, plan_case):
    case, plan = plan_case
    with pytest.raises(ValidationError) as excinfo:
        services.close_case(actor=world.cast.worker, case=case, closure_reason="ServicesCompleted",
                            expected_version=case.version)
    assert "final review" in " ".join(excinfo.value.messages)
    with pytest.raises(ValidationError) as excinfo:
        services.close_case(actor=world.cast.worker, case=case, closure_reason="",
                            expected_version=case.version)
    assert "closure_reason" in excinfo.value.message_dict
    goal = _goal(world, plan)
    services.decline_goal(actor=world.cast.worker, goal=goal, expected_version=goal.version)
    services.add_review(actor=world.cast.worker, plan=plan, summary="The person declined further help", is_final=True)
    closed = services.close_case(actor=world.cast.worker, case=case, closure_reason="DeclinedFurtherAssistance",
                                 expected_version=case.version)
    assert closed.status == "Closed" and closed.closure_reason == "DeclinedFurtherAssistance"
    assert AuditEvent.objects.filter(action="case.update", case_reference=case.reference).exists()


def test_a_case_without_plan_closes_only_for_a_reason_that_needs_none(world):
    case = world.adult()
    with pytest.raises(ValidationError):
        services.close_case(actor=world.cast.worker, case=case, closure_reason="ServicesCompleted",
                            expected_version=case.version)
    assert services.close_case(actor=world.cast.worker, case=case, closure_reason="Duplicate",
                               expected_version=case.version).status == "Closed"


def test_a_person_still_in_a_shelter_keeps_the_case_open(world):
    case = world.adult()
    world.refer_to_shelter(case)
    services.admit(actor=world.manager, facility=world.shelter, case=case, group="women")
    with pytest.raises(ValidationError) as excinfo:
        services.close_case(actor=world.cast.worker, case=case, closure_reason="LostContact",
                            expected_version=case.version)
    assert "still staying" in " ".join(excinfo.value.messages)


def test_an_action_marked_done_as_the_goal_is_declined_stays_cancelled(world, plan_case):
    """A colleague marks an action done while the person declines its goal: the update had read the action
    (planned, goal not declined) before the decline cancelled it without a new version, so "done" overwrote
    "cancelled" under a declined goal (found by the ninth review)."""
    from nicat.core.errors import ConcurrentEdit

    _case, plan = plan_case
    goal = _goal(world, plan, "vocational", "Tailoring course")
    action = services.add_action(actor=world.cast.worker, goal=goal, description="Enrol in a course",
                                 responsible_institution=world.cast.ngo)
    as_read = PlanAction.objects.system().select_related("goal__plan").get(pk=action.pk)
    services.decline_goal(actor=world.cast.worker, goal=goal, note="Not interested", expected_version=goal.version)
    with pytest.raises(ConcurrentEdit):
        services.update_action(actor=world.cast.worker, action=as_read, status=ActionStatus.DONE,
                               outcome="Enrolled", expected_version=as_read.version)
    assert PlanAction.objects.system().get(pk=action.pk).status == ActionStatus.CANCELLED
