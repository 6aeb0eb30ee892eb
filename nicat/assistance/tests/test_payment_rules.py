"""Who records the allowance and compensation, and when a payment can have been made (found by the third
adversarial review): any institution the case had been referred to — another NGO — recorded the owner's
allowance, claim and award, and an allowance could be dated before the person was recognised. The owner
records them, and so does a state shelter or assistance centre working on the case (the state pays through
them: tests/test_centre_journey.py)."""
import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from nicat.accounts.models import Role
from nicat.assistance import services
from nicat.assistance.models import AllowancePayment, CompensationClaim
from nicat.audit.models import AuditEvent
from nicat.cases.models import Case
from nicat.legal import services as legal
from nicat.referrals.services import accept_referral, create_referral
from tests.support.referrals import consent, referral_data
from tests.support.world import build_world, make_user, verified_login

pytestmark = pytest.mark.django_db
RECOGNISED = datetime.date(2024, 2, 10)


@pytest.fixture
def world(cast):
    return build_world(cast)


def recognised(world):
    case = world.open_case(summary="Promised a job abroad.")
    Case.objects.system().filter(pk=case.pk).update(trafficking_status="ActualVictimOfTrafficking",
                                                    status_decided_by=world.main_department,
                                                    status_decided_on=RECOGNISED)
    return Case.objects.system().select_related("person", "owner_institution").get(pk=case.pk)


def shared_with(world, institution):
    """A recognised victim's case of the NGO, referred to `institution` (identity and narrative), accepted."""
    case = recognised(world)
    consent(world.worker, case, institution=institution)
    referral = create_referral(actor=world.worker, case=case,
                               data=referral_data(institution, shared_sections=["identity", "narrative"]))
    receiver = world.worker2 if institution == world.ngo2 else world.centre_worker
    accept_referral(actor=receiver, referral=referral, expected_version=referral.version)
    return Case.objects.system().select_related("person", "owner_institution").get(pk=case.pk)


@pytest.fixture
def shared(world):
    """Shared with the second NGO: an institution on the case that does not pay the state's allowance."""
    return shared_with(world, world.ngo2)


def test_a_receiving_institution_does_not_record_the_owners_payments(world, shared, api, client):
    with pytest.raises(PermissionDenied) as excinfo:
        services.pay_allowance(actor=world.worker2, case=shared, kind="one_time",
                               paid_on=datetime.date(2024, 3, 1), source="state_budget")
    assert world.ngo.name in str(excinfo.value)
    response = api(world.worker2).post("/api/v1/allowance-payments/", {
        "case": str(shared.uuid), "kind": "one_time", "paid_on": "2024-03-01", "source": "state_budget"},
        format="json")
    assert response.status_code == 403, response.content
    response = api(world.worker2).post("/api/v1/compensation-claims/", {
        "case": str(shared.uuid), "claimed_amount": "5000", "claimed_on": "2024-03-01"}, format="json")
    assert response.status_code == 403, response.content
    claim = services.open_claim(actor=world.worker, case=shared, claimed_amount="5000",
                                claimed_on=datetime.date(2024, 3, 1))
    response = api(world.worker2).post(f"/api/v1/compensation-claims/{claim.uuid}/award/", {
        "awarded_amount": "100", "awarded_on": "2024-06-01", "version": claim.version}, format="json")
    assert response.status_code == 403, response.content
    assert not AllowancePayment.objects.system().exists()
    assert CompensationClaim.objects.system().get().awarded_amount is None
    assert not AuditEvent.objects.filter(actor=world.worker2, action__startswith="allowance").exists()
    # The second NGO's assistance page of the case offers no payment.
    verified_login(client, world.worker2)
    page = client.get(reverse("assistance:case", args=[shared.uuid]))
    assert page.status_code == 200
    assert reverse("assistance:allowance_add", args=[shared.uuid]) not in page.content.decode()
    assert client.get(reverse("assistance:allowance_add", args=[shared.uuid])).status_code == 403


def test_a_worker_of_the_owner_who_also_works_elsewhere_records_for_the_owner(world):
    case = recognised(world)
    both = make_user("two.hats", world.centre, Role.CASE_WORKER)
    both.memberships.create(institution=world.ngo, role=Role.CASE_WORKER)
    payment = services.pay_allowance(actor=both, case=case, kind="one_time", paid_on=datetime.date(2024, 3, 1),
                                     source="state_budget")
    assert payment.institution_id == world.ngo.pk


def test_an_allowance_is_not_paid_before_the_right_arose(world):
    case = recognised(world)
    with pytest.raises(ValidationError) as excinfo:
        services.pay_allowance(actor=world.worker, case=case, kind="one_time", paid_on=datetime.date(2024, 2, 9),
                               source="state_budget")
    assert "10.02.2024" in " ".join(excinfo.value.message_dict["paid_on"]) or "2024-02-10" in " ".join(
        excinfo.value.message_dict["paid_on"])
    for code, value in (("allowance.monthly", "150.50"), ("allowance.monthly_max_months", "12")):
        legal.set_parameter(actor=world.admin, data={"code": code, "value": value,
                                                     "valid_from": datetime.date(2024, 1, 1),
                                                     "legal_act": "Decision on the monthly allowance (test)"})
    with pytest.raises(ValidationError) as excinfo:  # January: before the month of the recognition
        services.pay_allowance(actor=world.worker, case=case, kind="monthly", period="2024-01",
                               paid_on=datetime.date(2024, 3, 1), source="state_budget")
    assert "period" in excinfo.value.message_dict
    assert not AllowancePayment.objects.system().exists()
    services.pay_allowance(actor=world.worker, case=case, kind="monthly", period="2024-02",
                           paid_on=datetime.date(2024, 2, 10), source="state_budget")
    services.pay_allowance(actor=world.worker, case=case, kind="one_time", paid_on=RECOGNISED, source="aid_fund")
    assert AllowancePayment.objects.system().count() == 2


def test_a_state_assistance_centre_working_on_the_case_records_the_allowance(world, client):
    case = shared_with(world, world.centre)
    verified_login(client, world.centre_worker)
    page = client.get(reverse("assistance:case", args=[case.uuid]))
    assert reverse("assistance:allowance_add", args=[case.uuid]) in page.content.decode()
    payment = services.pay_allowance(actor=world.centre_worker, case=case, kind="one_time",
                                     paid_on=datetime.date(2024, 3, 1), source="state_budget")
    assert payment.institution_id == world.centre.pk


def test_a_state_shelter_records_payments_only_when_it_works_on_the_case(world, api):
    """Found by the sixth review: any special institution of the user counted. A receiver (the second NGO)
    whose worker also holds a role at a state shelter unrelated to the case recorded the owner's allowance
    "for the shelter", and a shelter's supervisor who had opened the case by break-glass did too. The shelter
    must itself work on the case (an active referral to it, the person's stay there)."""
    from nicat.access.services import open_break_glass

    case = shared_with(world, world.ngo2)
    world.worker2.memberships.create(institution=world.shelter, role=Role.CASE_WORKER)
    response = api(world.worker2).post("/api/v1/allowance-payments/", {
        "case": str(case.uuid), "kind": "one_time", "paid_on": "2024-03-01", "source": "state_budget"},
        format="json")
    assert response.status_code == 403, response.content
    supervisor = make_user("shelter.sup", world.shelter, Role.SUPERVISOR)
    open_break_glass(actor=supervisor, case_reference=case.reference,
                     reason="The person arrived at our door at night and says she is in danger.")
    with pytest.raises(PermissionDenied):
        services.pay_allowance(actor=supervisor, case=case, kind="one_time", paid_on=datetime.date(2024, 3, 1),
                               source="state_budget")
    assert not AllowancePayment.objects.system().exists()
