"""Races, with real threads and real transactions (SQLite and PostgreSQL alike):
admissions at the same moment never exceed capacity; the allowance is never paid twice."""
import time

import pytest

from nicat.accounts.models import User
from nicat.assistance import services
from nicat.assistance.models import AllowancePayment, Facility, Group, Stay
from nicat.assistance.services import shelters
from nicat.cases.models import Case
from nicat.core.calendar import baku_today
from nicat.core.errors import ConcurrentEdit
from tests.support.threads import race

pytestmark = pytest.mark.django_db(transaction=True)



def test_simultaneous_admissions_never_exceed_capacity(world, monkeypatch):
    services.set_capacity(actor=world.manager, facility=world.shelter, group=Group.WOMEN,
                          beds=2, expected_version=1)
    cases = [world.adult() for _ in range(5)]
    for case in cases:
        world.refer_to_shelter(case)
    # Widen the window between counting the people staying and inserting the new stay: without the
    # lock on the capacity row, every thread would count 0 and all five would be admitted.
    monkeypatch.setattr(shelters, "_pause_between_count_and_insert", lambda: time.sleep(0.2))

    def admit(case_pk):
        def job():
            manager = User.objects.get(pk=world.manager.pk)
            facility = Facility.objects.get(pk=world.shelter.pk)
            case = Case.objects.system().select_related("person").get(pk=case_pk)
            services.admit(actor=manager, facility=facility, case=case, group=Group.WOMEN)
        return job

    outcomes = race([admit(c.pk) for c in cases])
    assert outcomes.count("ok") == 2, outcomes
    assert all(o == "ok" or (o.startswith("refused") and "no free place" in o) for o in outcomes), outcomes
    assert Stay.objects.system().filter(facility=world.shelter, group="women", ended_at__isnull=True).count() == 2


def test_simultaneous_allowance_payments_pay_once(world):
    case = world.recognise(world.adult())
    today = baku_today()

    def pay():
        worker = User.objects.get(pk=world.cast.worker.pk)
        fresh = Case.objects.system().select_related("person").get(pk=case.pk)
        services.pay_allowance(actor=worker, case=fresh, kind="one_time", paid_on=today, source="state_budget")

    outcomes = race([pay, pay, pay])
    assert outcomes.count("ok") == 1, outcomes
    assert all(o == "ok" or "already paid" in o for o in outcomes), outcomes
    assert AllowancePayment.objects.system().filter(person=case.person).count() == 1


def test_a_withdrawal_read_before_an_admission_does_not_undo_it(world):
    """The waiting-list withdrawal read the entry (waiting, version 1); a colleague admitted the person before
    it wrote. The admission moved the entry without a new version, so the withdrawal turned "admitted" into
    "withdrawn" while the person stayed in the shelter (found by the ninth review)."""
    from nicat.assistance.models import WaitingListEntry, WaitingStatus
    from nicat.core.errors import ConcurrentEdit

    case = world.adult()
    world.refer_to_shelter(case)
    entry = services.add_to_waiting_list(actor=world.manager, facility=world.shelter, case=case, group=Group.WOMEN)
    as_read = WaitingListEntry.objects.system().get(pk=entry.pk)
    services.admit(actor=world.manager, facility=world.shelter, case=case, group=Group.WOMEN)
    with pytest.raises(ConcurrentEdit):
        services.withdraw_from_waiting_list(actor=world.manager, entry=as_read, expected_version=as_read.version)
    assert WaitingListEntry.objects.system().get(pk=entry.pk).status == WaitingStatus.ADMITTED


def test_two_supervisors_reversing_and_repaying_at_once_leave_one_payment(world):
    """A payment recorded with the wrong amount; two supervisors of the institution that recorded it each reverse
    it and record the correct one at the same moment. The version the form carried lets one reversal through; the
    other is refused before it pays, so the person has exactly one payment that counts (not two), and one reversed."""
    from nicat.accounts.models import Role
    from nicat.assistance.models import PaymentStatus
    from tests.support.world import make_user

    case = world.recognise(world.adult())
    today = baku_today()
    wrong = services.pay_allowance(actor=world.cast.worker, case=case, kind="one_time", paid_on=today,
                                   source="state_budget")
    supervisors = [make_user(f"race.sup{i}", world.cast.ngo, Role.SUPERVISOR).pk for i in range(2)]

    def correct(supervisor_pk):
        def job():
            actor = User.objects.get(pk=supervisor_pk)
            payment = AllowancePayment.objects.system().select_related("case").get(pk=wrong.pk)
            try:
                services.reverse_allowance(actor=actor, payment=payment, reason="Wrong amount entered",
                                           expected_version=wrong.version)
            except ConcurrentEdit:
                return "stale"
            fresh = Case.objects.system().select_related("person").get(pk=case.pk)
            services.pay_allowance(actor=actor, case=fresh, kind="one_time", paid_on=today, source="state_budget")
        return job

    outcomes = race([correct(pk) for pk in supervisors])
    assert outcomes.count("ok") == 1, outcomes
    assert all(o == "ok" or o == "stale" or "already been reversed" in o for o in outcomes), outcomes
    rows = AllowancePayment.objects.system().filter(person=case.person)
    assert rows.filter(status=PaymentStatus.PAID).count() == 1
    assert rows.filter(status=PaymentStatus.REVERSED).count() == 1


def test_two_reversals_of_one_claims_payments_at_once_leave_its_total_right(world, monkeypatch):
    """Two compensation payments of one claim recorded by mistake; two supervisors reverse one each at the same moment.
    Each reversal recomputes the claim's total paid from the payments not reversed: without the claim's lock, each
    would count the other's payment as still paid and the last to write would leave it in the total (PostgreSQL). The
    second waits for the first: the total is 0, and the rest of the award can be paid."""
    import datetime
    from decimal import Decimal

    from nicat.accounts.models import Role
    from nicat.assistance.models import CompensationClaim, CompensationPayment
    from nicat.assistance.services import payments
    from tests.support.world import make_user

    case = world.recognise(world.adult())
    claim = services.open_claim(actor=world.cast.worker, case=case, claimed_amount="5000",
                                claimed_on=datetime.date(2024, 1, 10))
    claim = services.record_award(actor=world.cast.worker, claim=claim, awarded_amount="3000",
                                  awarded_on=datetime.date(2024, 6, 1), expected_version=claim.version)
    for amount, day in (("1000", datetime.date(2024, 7, 1)), ("500", datetime.date(2024, 7, 2))):
        claim = CompensationClaim.objects.system().get(pk=claim.pk)
        services.record_compensation_payment(actor=world.cast.worker, claim=claim, amount=amount, paid_on=day,
                                             paid_from="offender", expected_version=claim.version)
    rows = list(CompensationPayment.objects.system().filter(claim=claim).order_by("pk"))
    supervisors = [make_user(f"race.comp{i}", world.cast.ngo, Role.SUPERVISOR).pk for i in range(2)]
    sync = payments._sync_paid

    def slow_sync(claim):  # widen the window between reading the payments and writing the total
        time.sleep(0.2)
        sync(claim)

    monkeypatch.setattr(payments, "_sync_paid", slow_sync)

    def reverse(supervisor_pk, row):
        def job():
            actor = User.objects.get(pk=supervisor_pk)
            payment = CompensationPayment.objects.system().select_related("case", "claim").get(pk=row.pk)
            services.reverse_compensation_payment(actor=actor, payment=payment, reason="Recorded on the wrong claim",
                                                  expected_version=row.version)
        return job

    outcomes = race([reverse(pk, row) for pk, row in zip(supervisors, rows, strict=True)])
    assert outcomes == ["ok", "ok"], outcomes
    after = CompensationClaim.objects.system().get(pk=claim.pk)
    assert after.paid_amount == Decimal("0.00") and after.last_paid_on is None and after.stage == "awarded"
