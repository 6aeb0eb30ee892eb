"""A goal or an action is appended to the plan without the plan's version (appending overwrites nothing), so what it
depends on is re-checked on the locked row of its parent, as the database holds it — not on the plan or goal as the
request read it: a final review closing the plan, or a colleague finishing the goal, a moment before is seen and
the append refused (before, the goal was added to the closed plan, the action under the finished goal)."""
import pytest
from django.core.exceptions import ValidationError

from nicat.assistance import services
from nicat.assistance.models import PlanAction, PlanGoal, PlanStatus, RehabilitationPlan
from nicat.core.calendar import baku_today

pytestmark = pytest.mark.django_db


def test_a_goal_is_not_added_to_a_plan_closed_since_it_was_read(world):
    case = world.adult()
    plan = services.create_plan(actor=world.cast.worker, case=case)
    as_read = RehabilitationPlan.objects.system().get(pk=plan.pk)
    services.add_review(actor=world.cast.worker, plan=plan, summary="All done, the plan is closed.", is_final=True)
    assert RehabilitationPlan.objects.system().get(pk=plan.pk).status == PlanStatus.CLOSED
    with pytest.raises(ValidationError) as refused:
        services.add_goal(actor=world.cast.worker, plan=as_read, area="legal", description="Legal advice",
                          responsible_institution=world.cast.ngo)
    assert "closed" in " ".join(refused.value.messages)
    assert not PlanGoal.objects.system().filter(plan=plan).exists()


def test_an_action_is_not_added_under_a_goal_finished_since_it_was_read(world):
    case = world.adult()
    plan = services.create_plan(actor=world.cast.worker, case=case)
    goal = services.add_goal(actor=world.cast.worker, plan=plan, area="legal", description="Legal advice",
                             responsible_institution=world.cast.ngo, due_on=baku_today())
    world.consent(case, "service", service="legal")
    services.record_agreement(actor=world.cast.worker, plan=plan, expected_version=plan.version)
    as_read = PlanGoal.objects.system().get(pk=goal.pk)
    services.update_goal(actor=world.cast.worker, goal=goal, data={"status": "not_achieved"},
                         expected_version=goal.version)
    with pytest.raises(ValidationError) as refused:
        services.add_action(actor=world.cast.worker, goal=as_read, description="See a lawyer",
                            responsible_institution=world.cast.ngo)
    assert "finished" in " ".join(refused.value.messages)
    assert not PlanAction.objects.system().filter(goal=goal).exists()
