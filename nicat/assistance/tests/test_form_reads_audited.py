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


def _goal(world, case):
    """A plan of `case` with one goal, by the NGO's case worker."""
    plan = services.create_plan(actor=world.cast.worker, case=case)
    return services.add_goal(actor=world.cast.worker, plan=plan, area="legal", description="A lawyer",
                             responsible_institution=world.cast.ngo)


def _no_text_in(events, text):
    for event in events:
        assert text not in str(event.details) and text not in str(event.changes)


def _plan_with_a_goal(world, client):
    """A case whose plan has one goal ("A lawyer for the Ganja hearing"), and its worker signed in."""
    case = world.adult()
    plan = services.create_plan(actor=world.cast.worker, case=case)
    services.add_goal(actor=world.cast.worker, plan=plan, area="legal", description="A lawyer for the Ganja hearing",
                      responsible_institution=world.cast.ngo)
    client.force_login(world.cast.worker)
    return case, plan


def test_the_plan_agreement_form_shows_the_goals_and_is_audited(world, client):
    case, plan = _plan_with_a_goal(world, client)
    response = client.get(reverse("assistance:agreement", args=[case.uuid]))
    assert response.status_code == 200 and "A lawyer for the Ganja hearing" in response.content.decode()
    events = AuditEvent.objects.filter(action="plan_goal.list")  # a list names its cases in details (the trail's way)
    assert events.count() == 1 and events.get().details["shown"] == 1
    assert events.get().details["cases"] == [str(case.uuid)]
    _no_text_in(events, "Ganja")


def test_the_residence_permit_and_return_forms_are_audited(world, client):
    case = world.adult()
    permit = ResidencePermit.objects.system().create(case=case, permit_number="TRP-7788", note="Lives with her aunt")
    plan = ReturnPlan.objects.system().create(case=case, direction="voluntary_return", country=term("country", "UZ"),
                                              risk_notes="Her recruiter lives in her village")
    client.force_login(world.cast.worker)
    for route, record, action_code, texts in (
            ("assistance:permit_edit", permit, "permit.view", ("TRP-7788", "aunt")),
            ("assistance:return_edit", plan, "return.view", ("recruiter",))):
        response = client.get(reverse(route, args=[record.uuid]))
        assert response.status_code == 200 and all(t in response.content.decode() for t in texts)
        events = _events(case, action_code)
        assert events.count() == 1 and events.get().object_id == str(record.uuid)
        for text in texts:
            _no_text_in(events, text)


def test_the_goal_and_action_forms_show_their_outcomes_and_are_audited(world, client):
    case = world.adult()
    goal = _goal(world, case)
    goal.outcome = "She met the lawyer at her cousin's flat"
    goal.save()
    action = PlanAction.objects.system().create(goal=goal, case=case, description="Meet the lawyer",
                                                outcome="Met him near her sister's school",
                                                responsible_institution=world.cast.ngo)
    client.force_login(world.cast.worker)
    for route, record, action_code, text in (("assistance:goal_edit", goal, "plan_goal.view", "cousin"),
                                             ("assistance:action_edit", action, "plan_action.view", "sister")):
        response = client.get(reverse(route, args=[record.uuid]))
        assert response.status_code == 200 and text in response.content.decode()
        events = _events(case, action_code)
        assert events.count() == 1 and events.get().object_id == str(record.uuid)
        _no_text_in(events, text)


def test_the_plan_agreement_form_refused_on_its_version_shows_the_goals_again_and_is_audited(world, client):
    """A refused agreement (a stale version) re-draws the form listing the goals again: a read like the first."""
    case, plan = _plan_with_a_goal(world, client)
    response = client.post(reverse("assistance:agreement", args=[case.uuid]), {"version": plan.version + 5})
    assert response.status_code in (400, 409) and "A lawyer for the Ganja hearing" in response.content.decode()
    events = AuditEvent.objects.filter(action="plan_goal.list")
    assert events.count() == 1 and events.get().details["cases"] == [str(case.uuid)]
    _no_text_in(events, "Ganja")


def test_an_empty_post_to_an_edit_form_shows_what_is_stored_again_and_is_audited(world, client):
    """A POST that sends nothing leaves the form unbound (`request.POST or None`): the page drawn again shows the
    stored outcome, number, note or risks as the GET does, and is a read like it. Found by
    tests/test_every_refused_post_audited.py; nothing is changed."""
    case = world.adult()
    goal = _goal(world, case)
    goal.outcome = "She met the lawyer at her cousin's flat"
    goal.save()
    action = PlanAction.objects.system().create(goal=goal, case=case, description="Meet the lawyer",
                                                outcome="Met him near her sister's school",
                                                responsible_institution=world.cast.ngo)
    permit = ResidencePermit.objects.system().create(case=case, permit_number="TRP-7788", note="Lives with her aunt")
    plan = ReturnPlan.objects.system().create(case=case, direction="voluntary_return", country=term("country", "UZ"),
                                              risk_notes="Her recruiter lives in her village")
    client.force_login(world.cast.worker)
    for route, record, action_code, text in (("assistance:goal_edit", goal, "plan_goal.view", "cousin"),
                                             ("assistance:action_edit", action, "plan_action.view", "sister"),
                                             ("assistance:permit_edit", permit, "permit.view", "aunt"),
                                             ("assistance:return_edit", plan, "return.view", "recruiter")):
        version = type(record).objects.system().get(pk=record.pk).version
        response = client.post(reverse(route, args=[record.uuid]), {})
        assert response.status_code == 400 and text in response.content.decode(), route
        events = _events(case, action_code)
        assert events.count() == 1 and events.get().object_id == str(record.uuid), route
        _no_text_in(events, text)
        assert type(record).objects.system().get(pk=record.pk).version == version, route
