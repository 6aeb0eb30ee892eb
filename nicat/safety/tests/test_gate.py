"""A high level of risk blocks contact with the family and return until a supervisor of the owning
institution — a second person — confirms the safety plan."""
import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from nicat.accounts.models import Role
from nicat.assistance import services as assistance
from nicat.audit.models import AuditEvent
from nicat.safety import selectors, services
from nicat.safety.models import FamilyContact
from nicat.safety.tests.helpers import assess
from tests.support.world import ShelterWorld as World
from tests.support.world import make_institution, make_user, term

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast):
    w = World(cast)
    w.supervisor = make_user("ngo.supervisor", cast.ngo, Role.SUPERVISOR)
    w.supervisor2 = make_user("ngo.supervisor2", cast.ngo, Role.SUPERVISOR)
    return w


def _contact(actor, case):
    return services.record_family_contact(actor=actor, case=case, contacted_on=timezone.localdate(),
                                          note="Told the mother she is safe.")


def test_high_level_blocks_family_contact_until_a_supervisor_confirms_the_plan(world):
    cast = world.cast
    case = world.adult()
    world.consent(case, "family_contact")
    with pytest.raises(ValidationError) as excinfo:  # no assessment at all: assess first
        _contact(cast.worker, case)
    assert "Assess the risks first" in " ".join(excinfo.value.message_dict["safety"])

    assessment = assess(cast.worker, case, level="high")
    assert selectors.current_level(case) == "high"
    with pytest.raises(services.SafetyPlanRequired) as excinfo:
        _contact(cast.worker, case)
    message = " ".join(excinfo.value.message_dict["safety"])
    assert "high" in message and cast.ngo.name in message and f"/safety/case/{case.uuid}/" in message
    assert excinfo.value.url == f"/safety/case/{case.uuid}/#safety-plan"

    services.write_safety_plan(actor=cast.worker, assessment=assessment, expected_version=assessment.version,
                               plan="Meet the mother only at the shelter, with the police escort; no phone calls.")
    with pytest.raises(services.SafetyPlanRequired):  # written is not confirmed
        _contact(cast.worker, case)
    with pytest.raises(PermissionDenied):  # a case worker does not confirm
        services.confirm_safety_plan(actor=cast.worker, assessment=assessment, expected_version=assessment.version)
    services.confirm_safety_plan(actor=world.supervisor, assessment=assessment, expected_version=assessment.version)
    contact = _contact(cast.worker, case)
    assert FamilyContact.objects.system().get(pk=contact.pk).assessment_id == assessment.pk
    event = AuditEvent.objects.filter(action="safety.plan_confirm").get()
    assert event.actor_id == world.supervisor.pk and event.case_uuid == str(case.uuid)


def test_the_author_of_a_plan_cannot_confirm_it_and_a_new_text_needs_a_new_confirmation(world):
    cast = world.cast
    case = world.adult()
    assessment = assess(world.supervisor, case)
    services.write_safety_plan(actor=world.supervisor, assessment=assessment, expected_version=assessment.version,
                               plan="Relocate to the state shelter in another region before any contact.")
    with pytest.raises(ValidationError) as excinfo:
        services.confirm_safety_plan(actor=world.supervisor, assessment=assessment,
                                     expected_version=assessment.version)
    assert "cannot confirm it" in " ".join(excinfo.value.message_dict["safety_plan"])
    assert not AuditEvent.objects.filter(action="safety.plan_confirm").exists()
    services.confirm_safety_plan(actor=world.supervisor2, assessment=assessment, expected_version=assessment.version)
    assert selectors.current_assessment(case).plan_confirmed
    # Changing the plan withdraws the confirmation: the supervisor confirms what is written.
    services.write_safety_plan(actor=cast.worker, assessment=assessment, expected_version=assessment.version,
                               plan="Relocate, and no contact with the uncle at all.")
    assert selectors.current_assessment(case).blocks_risky_steps


def test_a_supervisor_of_another_institution_cannot_confirm(world):
    cast = world.cast
    case = world.adult()
    assessment = assess(cast.worker, case)
    services.write_safety_plan(actor=cast.worker, assessment=assessment, expected_version=assessment.version,
                               plan="Relocate to the state shelter in another region before any contact.")
    outsider = make_user("main.supervisor", cast.main_department, Role.SUPERVISOR)
    with pytest.raises(Exception) as excinfo:  # the case is not even visible to them: NotAllowed
        services.confirm_safety_plan(actor=outsider, assessment=assessment, expected_version=assessment.version)
    assert excinfo.type.__name__ in ("NotAllowed", "Refused")
    assert selectors.current_assessment(case).blocks_risky_steps


def test_a_stale_version_is_refused(world):
    case = world.adult()
    assessment = assess(world.cast.worker, case)
    services.write_safety_plan(actor=world.cast.worker, assessment=assessment, expected_version=assessment.version,
                               plan="Relocate to the state shelter in another region before any contact.")
    from nicat.core.errors import ConcurrentEdit

    with pytest.raises(ConcurrentEdit):
        services.confirm_safety_plan(actor=world.supervisor, assessment=assessment, expected_version=1)


def test_high_level_blocks_return_and_reunification_in_assistance(world):
    cast = world.cast
    case = world.adult()
    receiving = make_institution("iom-tashkent", "international_org", name_az="IOM Daşkənd", is_nonprofit=True)
    plan = assistance.plan_return(actor=cast.worker, case=case, direction="voluntary_return",
                                  country=term("country", "UZ"), receiving_organisation=receiving)
    assistance.update_return(actor=cast.worker, plan=plan, expected_version=plan.version, data={
        "risk_level": "low", "risk_notes": "Recruiter convicted", "documents_status": "ready",
        "travel_date": timezone.localdate()})
    world.consent(case, "return")
    world.consent(case, "family_contact")
    assessment = assess(cast.worker, case, occasion="return")
    with pytest.raises(services.SafetyPlanRequired):
        assistance.complete_return(actor=cast.worker, plan=plan, completed_on=timezone.localdate(),
                                   expected_version=plan.version)
    with pytest.raises(services.SafetyPlanRequired):
        assistance.start_reunification(actor=cast.worker, case=case, family_member="Mother, Samarkand")
    plan.refresh_from_db()
    assert plan.status == "planned"
    services.write_safety_plan(actor=cast.worker, assessment=assessment, expected_version=assessment.version,
                               plan="IOM meets her at the airport; the recruiter's village is avoided.")
    services.confirm_safety_plan(actor=world.supervisor, assessment=assessment, expected_version=assessment.version)
    assistance.complete_return(actor=cast.worker, plan=plan, completed_on=timezone.localdate(),
                               expected_version=plan.version)
    assert plan.status == "completed"
    assistance.start_reunification(actor=cast.worker, case=case, family_member="Mother, Samarkand")


def test_a_lower_level_after_review_lifts_the_block(world):
    cast = world.cast
    case = world.adult()
    world.consent(case, "family_contact")
    assess(cast.worker, case, level="high")
    with pytest.raises(services.SafetyPlanRequired):
        _contact(cast.worker, case)
    assess(cast.worker, case, level="medium", occasion="review")
    assert selectors.current_level(case) == "medium"
    _contact(cast.worker, case)


def test_family_contact_still_needs_consent(world):
    case = world.adult()
    assess(world.cast.worker, case, level="low")
    with pytest.raises(ValidationError) as excinfo:
        _contact(world.cast.worker, case)
    assert "consent" in excinfo.value.message_dict


def test_child_specific_risks_only_for_a_child(world):
    cast = world.cast
    adult = world.adult()
    with pytest.raises(ValidationError) as excinfo:
        assess(cast.worker, adult, factors=("child",))
    assert "child" in " ".join(excinfo.value.message_dict["factors"])
    child = world.child()
    assert assess(cast.worker, child, factors=("child", "retrafficking")).factors == ["retrafficking", "child"]


def test_bad_assessment_input_says_what_to_fix(world):
    case = world.adult()
    with pytest.raises(ValidationError) as excinfo:
        services.record_assessment(actor=world.cast.worker, case=case, data={
            "occasion": "picnic", "level": "extreme", "factors": ["ghosts"], "reasons": "",
            "review_on": timezone.localdate() - datetime.timedelta(days=1)})
    assert set(excinfo.value.message_dict) == {"occasion", "level", "factors", "reasons", "review_on"}
    assert not selectors.current_level(case)


def test_annotate_level_for_work_lists(world):
    from nicat.cases.models import Case

    high, none = world.adult(), world.adult()
    assess(world.cast.worker, high, level="low")
    assess(world.cast.worker, high, level="high")
    levels = {c.pk: c.safety_level for c in selectors.annotate_level(Case.objects.visible_to(world.cast.worker))}
    assert levels == {high.pk: "high", none.pk: None}
