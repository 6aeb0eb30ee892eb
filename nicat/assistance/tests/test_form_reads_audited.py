"""Law 3 on the assistance forms that show what is recorded of the person: opening one (GET) is a read of the case,
audited as the record's view (or the list of goals) naming the case — never with the text it showed. Found by
tests/test_every_read_audited.py once the matrix's records carried their texts."""
from django.urls import reverse

from nicat.assistance import services
from nicat.assistance.models import PlanAction, ResidencePermit, ReturnPlan
from nicat.audit.models import AuditEvent
from tests.support.world import term


def _events(case, action):
    return AuditEvent.objects.filter(action=action, case_uuid=str(case.uuid))


def _no_text_in(events, text):
    for event in events:
        assert text not in str(event.details) and text not in str(event.changes)


def test_the_plan_agreement_form_shows_the_goals_and_is_audited(world, client):
    case = world.adult()
    plan = services.create_plan(actor=world.cast.worker, case=case)
    services.add_goal(actor=world.cast.worker, plan=plan, area="legal", description="A lawyer for the Ganja hearing",
                      responsible_institution=world.cast.ngo)
    client.force_login(world.cast.worker)
    response = client.get(reverse("assistance:agreement", args=[case.uuid]))
    assert response.status_code == 200 and "A lawyer for the Ganja hearing" in response.content.decode()
    events = AuditEvent.objects.filter(action="plan_goal.list")  # a list names its cases in details (the trail's way)
    assert events.count() == 1 and events.get().details["shown"] == 1
    assert events.get().details["cases"] == [str(case.uuid)]
    _no_text_in(events, "Ganja")


def test_the_residence_permit_form_is_audited(world, client):
    case = world.adult()
    permit = ResidencePermit.objects.system().create(case=case, permit_number="TRP-7788", note="Lives with her aunt")
    client.force_login(world.cast.worker)
    response = client.get(reverse("assistance:permit_edit", args=[permit.uuid]))
    assert response.status_code == 200 and "TRP-7788" in response.content.decode()
    events = _events(case, "permit.view")
    assert events.count() == 1 and events.get().object_id == str(permit.uuid)
    _no_text_in(events, "TRP-7788")
    _no_text_in(events, "aunt")


def test_the_return_form_is_audited(world, client):
    case = world.adult()
    plan = ReturnPlan.objects.system().create(case=case, direction="voluntary_return", country=term("country", "UZ"),
                                              risk_notes="Her recruiter lives in her village")
    client.force_login(world.cast.worker)
    response = client.get(reverse("assistance:return_edit", args=[plan.uuid]))
    assert response.status_code == 200 and "Her recruiter lives in her village" in response.content.decode()
    events = _events(case, "return.view")
    assert events.count() == 1 and events.get().object_id == str(plan.uuid)
    _no_text_in(events, "recruiter")


def test_the_goal_form_shows_its_outcome_and_is_audited(world, client):
    case = world.adult()
    plan = services.create_plan(actor=world.cast.worker, case=case)
    goal = services.add_goal(actor=world.cast.worker, plan=plan, area="legal", description="A lawyer",
                             responsible_institution=world.cast.ngo)
    goal.outcome = "She met the lawyer at her cousin's flat"
    goal.save()
    client.force_login(world.cast.worker)
    response = client.get(reverse("assistance:goal_edit", args=[goal.uuid]))
    assert response.status_code == 200 and "cousin" in response.content.decode()
    events = _events(case, "plan_goal.view")
    assert events.count() == 1 and events.get().object_id == str(goal.uuid)
    _no_text_in(events, "cousin")


def test_the_action_form_shows_its_outcome_and_is_audited(world, client):
    case = world.adult()
    plan = services.create_plan(actor=world.cast.worker, case=case)
    goal = services.add_goal(actor=world.cast.worker, plan=plan, area="legal", description="A lawyer",
                             responsible_institution=world.cast.ngo)
    action = PlanAction.objects.system().create(goal=goal, case=case, description="Meet the lawyer",
                                                outcome="Met him near her sister's school",
                                                responsible_institution=world.cast.ngo)
    client.force_login(world.cast.worker)
    response = client.get(reverse("assistance:action_edit", args=[action.uuid]))
    assert response.status_code == 200 and "sister" in response.content.decode()
    events = _events(case, "plan_action.view")
    assert events.count() == 1 and events.get().object_id == str(action.uuid)
    _no_text_in(events, "sister")
