"""The rehabilitation plan keeps the rules of a service at every step, not only at the agreement: a psychological
or medical goal is changed and planned under only by who sees the health section; the institution responsible
for a goal or an action is an authorised provider; a new provider, the work starting and every new action need
the person's consent to that service, in force — a consent withdrawn after the agreement stops them. Found by an
adversarial review (each test failed before the change)."""

import pytest
from django.core.exceptions import ValidationError

from nicat.assistance import services as assistance
from nicat.assistance.models import PlanAction
from nicat.consent.models import Purpose
from nicat.core.calendar import baku_today
from nicat.referrals import services as referral_services
from tests.support.referrals import consent, referral_data
from tests.support.world import make_institution

pytestmark = pytest.mark.django_db


def _fresh(user):
    for attr in ("_nicat_memberships", "_nicat_policy_memo"):
        if hasattr(user, attr):
            delattr(user, attr)
    return user


def _share_with_ngo2(cast, case, sections=("identity",)):
    """The owner (NGO one) refers the case to NGO two with consent; NGO two accepts."""
    consent(cast.worker, case, Purpose.REFERRAL, cast.ngo2)
    referral = referral_services.create_referral(actor=cast.worker, case=case, data=referral_data(
        cast.ngo2, shared_sections=list(sections)))
    referral_services.accept_referral(actor=cast.worker2, referral=referral, expected_version=referral.version)
    _fresh(cast.worker2)
    return referral


def _plan_with_goal(cast, area="psychological"):
    case = cast.open_case()
    plan = assistance.create_plan(actor=cast.worker, case=case)
    goal = assistance.add_goal(actor=cast.worker, plan=plan, area=area, description="Regain sleep and calm",
                               responsible_institution=cast.ngo, due_on=baku_today())
    return case, plan, goal



def test_receiving_institution_without_medical_section_cannot_rewrite_a_psychological_goal(cast, api):
    case, plan, goal = _plan_with_goal(cast)
    _share_with_ngo2(cast, case, ["identity"])
    ngo2 = api(cast.worker2)
    seen = ngo2.get(f"/api/v1/plan-goals/{goal.uuid}/")
    assert seen.status_code == 200 and seen.json()["description"] is None  # the read hides it
    answer = ngo2.patch(f"/api/v1/plan-goals/{goal.uuid}/",
                        {"description": "Overwritten by NGO two", "outcome": "x", "version": goal.version},
                        format="json")
    goal.refresh_from_db()
    assert answer.status_code == 403, answer.content
    assert goal.description == "Regain sleep and calm"


def test_receiving_institution_without_medical_section_cannot_add_actions_to_a_psychological_goal(cast, api):
    case, plan, goal = _plan_with_goal(cast)
    _share_with_ngo2(cast, case, ["identity"])
    answer = api(cast.worker2).post(f"/api/v1/plan-goals/{goal.uuid}/actions/",
                                    {"description": "Therapy sessions twice a week",
                                     "responsible_institution": str(cast.ngo2.uuid)}, format="json")
    assert answer.status_code == 403, answer.content
    assert not PlanAction.objects.system().filter(goal=goal).exists()


def test_changing_the_responsible_institution_of_an_agreed_goal_needs_consent_for_the_new_provider(cast):
    case, plan, goal = _plan_with_goal(cast)
    # The person agrees to psychological help from NGO one only.
    consent(cast.worker, case, Purpose.SERVICE, cast.ngo, service="psychological")
    assistance.record_agreement(actor=cast.worker, plan=plan, expected_version=plan.version)
    # NGO two: no consent of the person for psychological help from it.
    with pytest.raises(ValidationError) as refused:
        assistance.update_goal(actor=cast.worker, goal=goal, data={"responsible_institution": cast.ngo2},
                               expected_version=goal.version)
    assert "consent" in " ".join(refused.value.messages).lower()
    goal.refresh_from_db()
    assert goal.responsible_institution == cast.ngo
    # With her consent to it, the goal moves to NGO two.
    consent(cast.worker, case, Purpose.SERVICE, cast.ngo2, service="psychological")
    moved = assistance.update_goal(actor=cast.worker, goal=goal, data={"responsible_institution": cast.ngo2},
                                   expected_version=goal.version)
    assert moved.responsible_institution == cast.ngo2


def test_a_private_business_is_never_responsible_for_a_medical_goal(cast):
    business = make_institution("clinic-llc", "medical", name_az="Özəl klinika MMC")
    case, plan, goal = _plan_with_goal(cast, area="medical")
    with pytest.raises(ValidationError) as refused:
        assistance.add_goal(actor=cast.worker, plan=plan, area="medical", description="Dental treatment",
                            responsible_institution=business)
    assert "private businesses" in " ".join(refused.value.message_dict["responsible_institution"])
    with pytest.raises(ValidationError):
        assistance.update_goal(actor=cast.worker, goal=goal, data={"responsible_institution": business},
                               expected_version=goal.version)
    with pytest.raises(ValidationError):
        assistance.add_action(actor=cast.worker, goal=goal, description="Crowns", responsible_institution=business)


def test_no_action_is_planned_under_a_goal_whose_service_consent_was_withdrawn(cast):
    from nicat.consent.services import withdraw_consent

    case, plan, goal = _plan_with_goal(cast)
    given = consent(cast.worker, case, Purpose.SERVICE, cast.ngo, service="psychological")
    assistance.record_agreement(actor=cast.worker, plan=plan, expected_version=plan.version)
    assistance.add_action(actor=cast.worker, goal=goal, description="First session", responsible_institution=cast.ngo)
    withdraw_consent(actor=cast.worker, consent=given, note="She no longer wants sessions")
    goal.refresh_from_db()
    with pytest.raises(ValidationError):
        assistance.add_action(actor=cast.worker, goal=goal, description="Weekly therapy sessions",
                              responsible_institution=cast.ngo)
    with pytest.raises(ValidationError):
        assistance.update_goal(actor=cast.worker, goal=goal, data={"status": "in_progress"},
                               expected_version=goal.version)
    assert [a.description for a in PlanAction.objects.system().filter(goal=goal)] == ["First session"]


