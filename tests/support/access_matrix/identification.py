"""Access matrix entries of the identification pages and API (format: tests/support/matrix.py).

Screening, referral and the case's identification state are for every case-working role (any first
responder) on cases they may see; another institution's case answers 404. Recording the official
decision is for identification officers of the competent authority only: every other role gets a
clear 403 refusal. Analysts and administrators never see a case (403 on pages, empty lists / 404 in
the API)."""
from nicat.access import sections
from nicat.accounts.models import CASE_ROLES, Role
from tests.support.matrix import CASE_WORKING, EVERYONE, api, page, public

CASE = {"case_uuid": "case"}
OFFICER = {Role.IDENTIFICATION_OFFICER.value}
RETURN_ROLES = {r.value for r in sections.ROLES[sections.RETURN]}

MATRIX = {
    "identification:worklist": page(CASE_WORKING),
    "identification:screening_new": page(CASE_WORKING, kwargs=CASE),
    "identification:screening_preview": page(CASE_WORKING, methods=("post",), kwargs=CASE, expect=(200,)),
    "identification:screening": page(CASE_WORKING, kwargs={"case_uuid": "case", "screening_uuid": "screening"}),
    "identification:refer": page(CASE_WORKING, kwargs=CASE),
    # The officer decides on a case another institution referred, with the referral's note; every other role is
    # walked with its own case, as on the other case pages.
    "identification:decide": page(OFFICER, kwargs={"case_uuid": "referred_case"}),
    "identification:certificate": page(CASE_WORKING, kwargs={"case_uuid": "recognised_case"}, expect=(200,)),
    # Public: anyone holding a printed certificate may check it; the answer is only valid / not valid.
    "identification:verify": public(query={"number": "NCT-2026-000001-ABCDEF12", "code": "AAAA-BBBB-CCCC-DDDD"}),
    # The residence permit is the case's "return" section: a role that never sees it is refused (403).
    "identification:residence_permit": page(RETURN_ROLES, methods=("post",), kwargs=CASE),
    "screening-list": api(EVERYONE),  # scoped: an empty list for roles that never see cases
    "screening-detail": api(CASE_WORKING, kwargs={"uuid": "screening"}, denied=404),
    "identification-detail": api(CASE_WORKING, kwargs={"uuid": "case"}, denied=404),
    "identification-refer": api(CASE_WORKING, methods=("post",), kwargs={"uuid": "case"}, denied=404),
    "identification-decision-list": api(EVERYONE),
    "identification-decision-detail": api(CASE_WORKING, kwargs={"uuid": "decision"}, denied=404),
    "identification-decision-certificate": api(CASE_WORKING, kwargs={"uuid": "decision"}, denied=404,
                                               expect=(200,)),
}


def _case_role(role):
    return Role(role) in CASE_ROLES


def screening_provider(world, role, own):
    """A draft screening on the role's own case, or on the foreign case."""
    from nicat.identification.services import save_screening

    if own and not _case_role(role):
        return None
    case = world.case_of(role) if own else world.foreign_case
    actor = world.user(role) if own else world.foreign_user
    return save_screening(actor=actor, case=case, data_in={"acts_facts": "Matrix screening facts"}).uuid


def _recognised(world, role, own):
    """(case, decision): a new case of the role's institution (or of the foreign one), officially recognised."""
    from nicat.cases.models import Case
    from nicat.identification import services
    from tests.support.matrix import INSTITUTION_OF_ROLE

    key = ("recognised", role if own else "foreign")
    if key in world.cache:
        return world.cache[key]
    officer = world.user(Role.IDENTIFICATION_OFFICER)
    if own:
        case = world.new_case(INSTITUTION_OF_ROLE[Role(role)])
        if not case.owner_institution.is_competent_authority:
            from tests.support.identification import refer_with_consent

            refer_with_consent(world.user(role), case)
        case = Case.objects.system().get(pk=case.pk)
        decision = services.record_decision(actor=officer, case=case, expected_version=case.version, decision={
            "outcome": "recognised", "documents": [{"title": "Inquiry report"}], "reason": "Matrix decision reason",
            "release_from_liability": True, "liability_note": "Matrix liability note"})
    else:
        # A decision on a case nobody in the cast may see (never referred, so no grant reaches it).
        from django.utils import timezone

        from nicat.identification.models import IdentificationDecision

        case = world.new_case("foreign")
        decision = IdentificationDecision.objects.system().create(
            case=case, outcome="recognised", decided_on=timezone.localdate(),
            institution=world.institutions["main"], decided_by=officer, documents=[{"title": "Report"}])
    world.cache[key] = (case, decision)
    return world.cache[key]


def recognised_case_provider(world, role, own):
    if own and not _case_role(role):
        return None
    return _recognised(world, role, own)[0].uuid


def decision_provider(world, role, own):
    if own and not _case_role(role):
        return None
    return _recognised(world, role, own)[1].uuid


def referred_case_provider(world, role, own):
    """For the identification officer: an NGO's case referred to the Main Department for identification, with the
    referrer's note (free text about the person, shown to the deciding officer); for another role its own case;
    the foreign case for another institution's."""
    if not own:
        return world.foreign_case.uuid
    if role != Role.IDENTIFICATION_OFFICER.value:
        case = world.case_of(role)
        return None if case is None else case.uuid
    from tests.support.identification import refer_with_consent

    case = world.new_case("ngo")
    refer_with_consent(world.user(Role.CASE_WORKER), case,
                       note="Matrix referral note: she names the recruiter and the flat in Dubai.")
    return case.uuid


OBJECTS = {"referred_case": referred_case_provider, "screening": screening_provider, "recognised_case": recognised_case_provider,
           "decision": decision_provider}
