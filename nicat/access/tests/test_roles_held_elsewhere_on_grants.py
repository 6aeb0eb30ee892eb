"""A role counts on a case only where it is held at an institution through which the user sees the case
(docs/security.md, "A role is still pooled across a user's institutions outside the owner"). A clinic's doctor
to whom an NGO referred a case sharing what happened and the contacts sees of it what a doctor sees: a second
membership as a case worker at an unrelated NGO opened the summary and the phone to her, and let her draw up an
assistance plan for that NGO on a case the NGO does not see (failed before: the grant's sections were intersected
with every role she held anywhere, and the plan's role was accepted from any of her institutions)."""
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from nicat.access import policy, predicates
from nicat.access import sections as S
from nicat.access import services as access
from nicat.accounts.models import Membership, Role, User
from nicat.assistance.models import RehabilitationPlan as Plan
from nicat.assistance.services import plans
from nicat.cases.models import Case
from nicat.persons.models import Person
from tests.support.referrals import accepted_referral
from tests.support.world import make_institution, make_user, verified_login

pytestmark = pytest.mark.django_db

SUMMARY = "Recruited through a job advert in Sumqayıt; held in a flat in Dubai for eight months."
PHONE = "+994501234567"


def _doctor_with_a_second_role(cast, case, shared):
    clinic = make_institution("clinic", "medical", name_az="Klinika", is_nonprofit=True)
    doctor = make_user("doctor", clinic, Role.MEDICAL_STAFF)
    accepted_referral(cast.worker, case, clinic, doctor, shared_sections=shared)
    Membership.objects.create(user=doctor, institution=cast.ngo2, role=Role.CASE_WORKER)
    return clinic, User.objects.get(pk=doctor.pk)


def test_a_referral_opens_what_the_receiving_institutions_roles_see_not_a_role_held_elsewhere(cast, client, api):
    case = cast.open_case(summary=SUMMARY, person={"phone": PHONE})
    clinic, doctor = _doctor_with_a_second_role(cast, case, (S.IDENTITY, S.MEDICAL, S.NARRATIVE, S.CONTACTS))

    assert policy.visible_sections(doctor, case) == {S.IDENTITY, S.MEDICAL}
    assert policy.institutions_seeing(doctor, case) == {clinic.pk}

    body = api(doctor).get(f"/api/v1/cases/{case.uuid}/")
    assert body.status_code == 200
    assert "summary" not in body.json() and SUMMARY not in body.content.decode()
    person = api(doctor).get(f"/api/v1/persons/{case.person.uuid}/")
    assert person.status_code == 200 and PHONE not in person.content.decode()

    verified_login(client, doctor)
    page = client.get(reverse("cases:detail", args=[case.uuid]))
    assert page.status_code == 200
    assert SUMMARY not in page.content.decode() and PHONE not in page.content.decode()

    # A colleague of hers at the clinic who is a case worker there sees what the referral shares: the roles held
    # at the receiving institution are the ones that count, not fewer.
    colleague = make_user("clinic-worker", clinic, Role.CASE_WORKER)
    assert policy.visible_sections(colleague, case) == {S.IDENTITY, S.MEDICAL, S.NARRATIVE, S.CONTACTS}


def test_a_case_working_role_elsewhere_draws_up_no_plan_on_a_case_seen_through_a_referral(cast, api):
    case = cast.open_case()
    clinic, doctor = _doctor_with_a_second_role(cast, case, (S.IDENTITY, S.MEDICAL))

    assert "plan" not in predicates.case_actions(doctor, case)
    with pytest.raises(PermissionDenied):
        plans.create_plan(actor=doctor, case=case)
    answer = api(doctor).post("/api/v1/rehabilitation-plans/", {"case": str(case.uuid)}, format="json")
    assert answer.status_code == 403
    assert not Plan.objects.system().filter(case=case).exists()

    # The same doctor plans on the second NGO's own cases, and the owner's case worker on this one.
    theirs = cast.open_case(actor=cast.worker2)
    assert plans.create_plan(actor=doctor, case=theirs).institution == cast.ngo2
    assert plans.create_plan(actor=cast.worker, case=case).institution == cast.ngo


def test_an_order_that_keeps_a_case_from_case_workers_is_not_lifted_by_a_role_held_elsewhere(cast, client, api):
    """A prosecutor's order keeps an NGO's case from everyone but supervisors. The NGO's case worker who is a
    supervisor at another NGO kept reading it — the order asked which roles she held anywhere (failed before)."""
    case = cast.open_case(summary=SUMMARY)
    Membership.objects.create(user=cast.worker, institution=cast.ngo2, role=Role.SUPERVISOR)
    ngo_supervisor = make_user("ngo.supervisor", cast.ngo, Role.SUPERVISOR)
    access.record_restriction_order(actor=cast.officer, case_reference=case.reference, issued_by="prosecutor",
                                    issuing_body="Prosecutor General's Office", decision_reference="PGO-78/2026",
                                    decided_on=timezone.localdate(), allowed_roles=[Role.SUPERVISOR])
    worker = User.objects.get(pk=cast.worker.pk)

    assert not Case.objects.visible_to(worker).filter(pk=case.pk).exists()
    assert not Person.objects.visible_to(worker).filter(pk=case.person_id).exists()
    assert policy.visible_sections(worker, case) == set()
    assert api(worker).get(f"/api/v1/cases/{case.uuid}/").status_code == 404
    verified_login(client, worker)
    assert client.get(reverse("cases:detail", args=[case.uuid])).status_code == 404

    # The NGO's supervisor keeps it, and so does she for the second NGO's own cases, which no order names.
    assert Case.objects.visible_to(ngo_supervisor).filter(pk=case.pk).exists()
    theirs = cast.open_case(actor=cast.worker2)
    assert Case.objects.visible_to(worker).filter(pk=theirs.pk).exists()
    assert policy.count_visible_cases(worker) == Case.objects.visible_to(worker).count() == 1


def test_a_break_glass_opening_counts_while_its_supervisor_supervises_where_it_was_opened(cast):
    """An opening is on behalf of the institution it names. A supervisor whose role there ended, and who
    supervises at another NGO, no longer reads the case through it (before, any supervisor role kept it open)."""
    case = cast.open_case()
    supervisor = make_user("sup", cast.main_department, Role.SUPERVISOR)
    reason = "Person found injured at the border post; need the emergency contact recorded by the NGO."
    access.open_break_glass(actor=supervisor, case_reference=case.reference, reason=reason)
    assert Case.objects.visible_to(User.objects.get(pk=supervisor.pk)).filter(pk=case.pk).exists()

    Membership.objects.create(user=supervisor, institution=cast.ngo2, role=Role.SUPERVISOR)
    Membership.objects.filter(user=supervisor, institution=cast.main_department).update(active=False,
                                                                                         ended_at=timezone.now())
    moved = User.objects.get(pk=supervisor.pk)
    assert not Case.objects.visible_to(moved).filter(pk=case.pk).exists()
    assert policy.visible_sections(moved, case) == set()
