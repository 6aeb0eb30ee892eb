"""A role counts at the institution where it is held. A case worker of the owning NGO who is also a supervisor at
another NGO saw the owner's security measures (the supervisor's section) — the sections of all the user's
memberships were pooled and then applied to the owner's case (found by an adversarial review; fails before)."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from nicat.access import policy
from nicat.accounts.models import Membership, Role, User
from nicat.safety import services as safety
from tests.support.world import make_user, verified_login

pytestmark = pytest.mark.django_db

ADDRESS = "Gizli ünvan 9, Gəncə"


def test_a_role_held_at_another_institution_opens_nothing_at_the_owner(cast, client):
    supervisor = make_user("ngo.supervisor", cast.ngo, Role.SUPERVISOR)
    case = cast.open_case()
    safety.add_security_measure(actor=supervisor, case=case, data={
        "kind": "confidential_address", "address": ADDRESS, "responsible_body": "Baş İdarə", "person_view": "agrees",
        "starts_on": timezone.localdate(), "review_on": timezone.localdate() + datetime.timedelta(days=60)})
    assert not policy.can_see_section(cast.worker, case, "security")
    Membership.objects.create(user=cast.worker, institution=cast.ngo2, role=Role.SUPERVISOR)
    worker = User.objects.get(pk=cast.worker.pk)
    assert not policy.can_see_section(worker, case, "security")
    assert "security" in policy.visible_sections(worker)  # the role does see it — at the other NGO
    verified_login(client, worker)
    page = client.post(reverse("safety:measures", args=[case.uuid]), {"reason": "Curious about the address"})
    assert ADDRESS not in page.content.decode()
    # At the other NGO, its own case: the supervisor's section is open to the same user.
    theirs = cast.open_case(actor=cast.worker2)
    assert policy.can_see_section(worker, theirs, "security")
    # And the owner's supervisor still sees the owner's measures.
    assert policy.can_see_section(User.objects.get(pk=supervisor.pk), case, "security")


def test_a_measure_is_recorded_for_the_institution_through_which_the_section_is_seen(cast):
    """An identification officer of the Main Department, to which an NGO referred a case for identification, who
    is also (since earlier) a case worker at another NGO, adds a security measure: the measure and its trail name
    the Main Department, not the other NGO, which does not see the case (failed before: the first institution of
    her memberships was named)."""
    from nicat.audit.models import AuditEvent
    from tests.support.identification import refer_with_consent

    case = cast.open_case()
    officer = make_user("md.officer", cast.ngo2, Role.CASE_WORKER)
    Membership.objects.create(user=officer, institution=cast.main_department, role=Role.IDENTIFICATION_OFFICER)
    refer_with_consent(cast.worker, case, note="Seen at the airport.")
    officer = User.objects.get(pk=officer.pk)
    assert policy.can_see_section(officer, case, "security")
    measure = safety.add_security_measure(actor=officer, case=case, data={
        "kind": "confidential_address", "address": ADDRESS, "responsible_body": "Baş İdarə", "person_view": "agrees",
        "starts_on": timezone.localdate(), "review_on": timezone.localdate() + datetime.timedelta(days=60)})
    assert measure.institution == cast.main_department
    assert AuditEvent.objects.get(action="security.add").institution_id == cast.main_department.pk


def test_what_is_recorded_on_a_case_seen_through_a_referral_names_that_institution(cast):
    """The same officer records a suspect, and the person's wish told to her (a consent): both name the Main
    Department, through which she sees the case, not the NGO she also works for (failed before: both named it)."""
    from nicat.consent.models import Method, Purpose
    from nicat.consent.services import record_consent
    from nicat.proceedings import services as proceedings
    from tests.support.identification import refer_with_consent

    case = cast.open_case()
    officer = make_user("md.officer", cast.ngo2, Role.CASE_WORKER)
    Membership.objects.create(user=officer, institution=cast.main_department, role=Role.IDENTIFICATION_OFFICER)
    refer_with_consent(cast.worker, case, note="Seen at the airport.")
    officer = User.objects.get(pk=officer.pk)

    from nicat.vocab.models import Term

    suspect = proceedings.add_perpetrator(actor=officer, case=case, data={
        "given_name": "Rauf", "roles": [Term.objects.filter(vocabulary="perpetrator_role").first()]})
    assert suspect.institution == cast.main_department
    wish = record_consent(actor=officer, case=case, data={
        "purpose": Purpose.FAMILY_CONTACT, "decision": "given", "method": Method.ORAL,
        "given_at": timezone.now() - datetime.timedelta(minutes=5)})
    assert wish.recorded_by_institution == cast.main_department and wish.confirmed_at is None


def test_a_note_and_its_trail_name_the_case_owner_when_its_author_also_works_elsewhere(cast):
    """A case worker of the second NGO who also works at the first writes a note on the first NGO's case: the note
    and its event name the first NGO, which owns the case (failed before: the older membership was named)."""
    from nicat.audit.models import AuditEvent
    from nicat.cases.services import add_note

    case = cast.open_case()
    Membership.objects.create(user=cast.worker2, institution=cast.ngo, role=Role.CASE_WORKER)
    writer = User.objects.get(pk=cast.worker2.pk)
    note = add_note(actor=writer, case=case, text="She asked for a female interpreter.")
    assert note.author_institution == cast.ngo
    assert AuditEvent.objects.get(action="note.create").institution_id == cast.ngo.pk


def test_the_power_to_decide_counts_only_on_a_case_the_competent_authority_sees(cast):
    """An identification officer of the Main Department who is also a case worker at an NGO does not record the
    official decision on the NGO's case, which was never referred to the Main Department (failed before: the
    decision was recorded, and "decide" was offered on the case)."""
    from django.core.exceptions import PermissionDenied

    from nicat.access import predicates
    from nicat.cases.models import Case
    from nicat.identification import services as identification
    from tests.support.identification import refer_with_consent

    officer = make_user("dual.officer", cast.ngo2, Role.CASE_WORKER)
    Membership.objects.create(user=officer, institution=cast.main_department, role=Role.IDENTIFICATION_OFFICER)
    officer = User.objects.get(pk=officer.pk)
    case = cast.open_case(actor=cast.worker2)
    decision = {"outcome": "recognised", "decided_on": timezone.localdate(), "reason": "Inquiry confirmed.",
                "documents": [{"title": "Inquiry report", "date": "2026-01-10", "reference": "MD-17/2026"}],
                "certificate_language": "az"}
    assert "decide" not in predicates.case_actions(officer, case)
    with pytest.raises(PermissionDenied, match="Only an identification officer"):
        identification.record_decision(actor=officer, case=case, decision=decision, expected_version=case.version)
    assert Case.objects.system().get(pk=case.pk).trafficking_status == "PossibleVictimOfTrafficking"

    # Referred to the Main Department, the case is hers to decide there.
    refer_with_consent(cast.worker2, case, note="Seen at the airport.")
    officer = User.objects.get(pk=officer.pk)
    case = Case.objects.system().get(pk=case.pk)
    assert "decide" in predicates.case_actions(officer, case)
    identification.record_decision(actor=officer, case=case, decision=decision, expected_version=case.version)
    assert Case.objects.system().get(pk=case.pk).status_decided_by == cast.main_department


def test_a_user_who_sees_a_case_through_two_partners_records_for_one_of_them_everywhere(cast):
    """A case worker of two partner institutions, to both of which the NGO referred a case, draws up a plan and
    writes a note on it: both name the same institution. Before, the plan named the institution of her older
    membership (`predicates.acting_on`) and the note the one with the lower id (`policy.institution_on`): one
    piece of work credited to two institutions."""
    from nicat.assistance.services import plans
    from nicat.cases import services as cases
    from tests.support.referrals import accepted_referral, build_world

    build_world(cast)
    case = cast.open_case()
    assert cast.shelter.pk < cast.centre.pk
    dual = make_user("dual.worker", cast.centre, Role.CASE_WORKER)  # the older membership: the centre
    Membership.objects.create(user=dual, institution=cast.shelter, role=Role.CASE_WORKER)
    sections = ("identity", "narrative", "contacts", "medical")
    accepted_referral(cast.worker, case, cast.centre, cast.centre_worker, shared_sections=sections)
    accepted_referral(cast.worker, case, cast.shelter, cast.shelter_staff, shared_sections=sections)
    dual = User.objects.get(pk=dual.pk)
    assert policy.institutions_seeing(dual, case) == {cast.shelter.pk, cast.centre.pk}

    plan = plans.create_plan(actor=dual, case=case)
    note = cases.add_note(actor=dual, case=case, text="Met at the centre; the shelter keeps her room.")
    assert plan.institution == note.author_institution == policy.institution_on(dual, case)
