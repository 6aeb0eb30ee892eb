"""Access matrix entries of safety (format: tests/support/matrix.py).

The safety page and the assessments are for every case-working role that sees the case (the level is
shown with the case); recording an assessment or a safety plan is for the roles that assess, confirming
a plan for a supervisor of the owning institution. The security measures are the "security" section:
in the matrix's world the supervisor and the identification officer of the Main Department (a
law-enforcement body and the competent authority); every other role is refused (403), also in the API.
Relatives are the "relatives" section: case workers, supervisors and identification officers."""
import datetime

from django.utils import timezone

from tests.support.matrix import CASE_WORKING, EVERYONE, api, page

ASSESSING = frozenset({"case_worker", "supervisor", "identification_officer", "shelter_staff"})
CONTACTING = frozenset({"case_worker", "supervisor", "identification_officer"})
SECURITY = frozenset({"supervisor", "identification_officer"})
RELATIVES = frozenset({"case_worker", "supervisor", "identification_officer"})
CONFIRMING = frozenset({"supervisor"})
REASON = {"reason": "Matrix: preparing the court escort."}


def _case(world, role, own):
    return world.case_of(role) if own else world.foreign_case


def _author(case):
    from nicat.accounts.models import Membership

    return Membership.objects.filter(institution_id=case.owner_institution_id).select_related("user").first().user


def _assessment(world, role, own):
    from nicat.safety.models import Assessment

    case = _case(world, role, own)
    if case is None:
        return None
    author = _author(case)
    return Assessment.objects.system().create(
        case=case, occasion="intake", level="high", reasons="Matrix: threats by the recruiter.",
        review_on=timezone.localdate() + datetime.timedelta(days=30), assessed_by=author,
        institution=case.owner_institution, safety_plan="Matrix: shelter, escort, no contact.",
        plan_written_by=author, plan_written_at=timezone.now()).uuid


def _measure(world, role, own):
    from nicat.safety.models import SecurityMeasure

    case = _case(world, role, own)
    if case is None:
        return None
    return SecurityMeasure.objects.system().create(
        case=case, kind="escort", responsible_body="Matrix police", description="Matrix measure text",
        address="Matrix safe address", person_wishes="Matrix measure wishes", starts_on=timezone.localdate(),
        review_on=timezone.localdate() + datetime.timedelta(days=30), created_by=_author(case),
        institution=case.owner_institution).uuid


def _relative(world, role, own):
    from nicat.safety.models import Relative

    case = _case(world, role, own)
    if case is None:
        return None
    return Relative.objects.system().create(
        case=case, relation="sibling", given_name="Matrix", family_name="Sibling", risk="medium",
        phone="+994 55 700 55 66", contact="Matrix relative contact", risk_notes="Matrix relative risk",
        created_by=_author(case), institution=case.owner_institution).uuid


OBJECTS = {"safety_assessment": _assessment, "security_measure": _measure, "relative_at_risk": _relative}

CASE = {"case_uuid": "case"}
ASSESSMENT = {"uuid": "safety_assessment"}

MATRIX = {
    "safety:case": page(CASE_WORKING, kwargs=CASE),
    # An empty form answers 400 with the errors on the page (allowed); other roles 403.
    "safety:assess": page(ASSESSING, methods=("post",), kwargs=CASE),
    "safety:family_contact": page(CONTACTING, methods=("post",), kwargs=CASE),
    "safety:plan": page(ASSESSING, methods=("post",), kwargs=ASSESSMENT),
    # The matrix's assessment has a plan written by another member of the owner institution; without a
    # version the supervisor is told what to fix (a redirect with the message).
    "safety:confirm": page(CONFIRMING, methods=("post",), kwargs=ASSESSMENT),
    "safety:measures": page(SECURITY, kwargs=CASE),
    "safety:measure_add": page(SECURITY, methods=("post",), kwargs=CASE),
    "safety:relative_add": page(RELATIVES, methods=("post",), kwargs=CASE),
    "safety:relative_edit": page(RELATIVES, kwargs={"uuid": "relative_at_risk"}),
    # The search is POSTed; a GET carrying a term answers 400 (not a refusal) and searches nothing.
    "safety:relative_search": page(RELATIVES, methods=("get", "post"), query={"phone": "+994 50 000 00 00"}),
    "safety-assessment-list": api(EVERYONE),  # scoped: empty for roles that never see cases
    "safety-assessment-detail": api(CASE_WORKING, kwargs=ASSESSMENT, denied=404),
    "safety-assessment-plan": api(ASSESSING, methods=("post",), kwargs=ASSESSMENT,
                                  denied=(403, 404)),
    "safety-assessment-confirm-plan": api(CONFIRMING, methods=("post",), kwargs=ASSESSMENT, denied=(403, 404)),
    "security-measure-list": api(SECURITY, query=REASON),
    "security-measure-detail": api(SECURITY, kwargs={"uuid": "security_measure"}, query=REASON),
    "relative-at-risk-list": api(RELATIVES),
    "relative-at-risk-search": api(RELATIVES, methods=("post",), query={"name": "Matrix Sibling"}),
    "relative-at-risk-detail": api(RELATIVES, kwargs={"uuid": "relative_at_risk"}),
    "family-contact-list": api(EVERYONE),  # scoped: empty for roles that never see cases
}
