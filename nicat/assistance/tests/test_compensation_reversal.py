"""A compensation payment recorded by mistake (a wrong amount, on the wrong claim) stayed forever: payments were not
rows, only an increment of the claim's `paid_amount` and an audit event, so the wrong one could not be undone and
blocked the rest of the award ("the total paid would exceed the award"). Now each payment is a row, and the
supervisor of the institution that recorded it reverses it with the reason, as an allowance payment: the row stays
(status "reversed", who, when, the reason sealed), the case's trail says so, the claim's total paid follows, and the
correct payment can be recorded. Attacked as another institution, as the case worker, through a stale version, without
a reason, twice. The payments recorded before this release are rebuilt from the trail by migration 0005."""
import datetime
import importlib
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from nicat.accounts.models import Role
from nicat.assistance import services
from nicat.assistance.models import CompensationClaim
from nicat.assistance.services.payments import CLAIM_FIELDS
from nicat.audit import services as audit
from nicat.audit.actions import LABELS
from nicat.audit.models import AuditEvent
from nicat.core.errors import NotAllowed
from nicat.core.services import snapshot
from tests.support.world import make_user, verified_login

pytestmark = pytest.mark.django_db
REASON = "Entered 2000 instead of 200: the payment order 44/7 was for 200 AZN"
MIGRATION = "nicat.assistance.migrations.0005_compensation_payments"


def _supervisor(institution, name="ngo.supervisor"):
    return make_user(name, institution, Role.SUPERVISOR)


def _page(user):
    client = verified_login(Client(), user)
    client.cookies["nicat_language"] = "en"
    return client


def _claim(world, awarded="3000"):
    case = world.recognise(world.adult())
    claim = services.open_claim(actor=world.cast.worker, case=case, claimed_amount="5000",
                                claimed_on=datetime.date(2024, 1, 10), proceedings_reference="CC-12/2024")
    return services.record_award(actor=world.cast.worker, claim=claim, awarded_amount=awarded,
                                 awarded_on=datetime.date(2024, 6, 1), expected_version=claim.version)


def _pay(world, claim, amount, on, paid_from="offender"):
    claim = CompensationClaim.objects.system().get(pk=claim.pk)
    return services.record_compensation_payment(actor=world.cast.worker, claim=claim, amount=amount, paid_on=on,
                                                paid_from=paid_from, expected_version=claim.version)


def _payment_model():
    from nicat.assistance.models import CompensationPayment  # imported here: each test fails on its own before it

    return CompensationPayment


def _payments(claim):
    return list(_payment_model().objects.system().filter(claim=claim).order_by("pk"))


def _fresh(obj):
    return type(obj).objects.system().get(pk=obj.pk)


def test_a_wrong_payment_is_reversed_on_the_page_and_the_rest_of_the_award_can_then_be_paid(world, api):
    claim = _claim(world)
    _pay(world, claim, "1000", datetime.date(2024, 7, 1))
    _pay(world, claim, "2000", datetime.date(2024, 8, 1), paid_from="aid_fund")  # meant 200
    first, wrong = _payments(claim)
    assert (first.amount, wrong.amount, wrong.institution, wrong.recorded_by) == (
        Decimal("1000.00"), Decimal("2000.00"), world.cast.ngo, world.cast.worker)
    assert _fresh(claim).stage == "paid"
    with pytest.raises(ValidationError) as blocked:  # the wrong payment used up the award
        _pay(world, claim, "200", datetime.date(2024, 8, 1))
    assert "exceed the award" in " ".join(blocked.value.messages)

    supervisor = _supervisor(world.cast.ngo)
    case_url = reverse("assistance:case", args=[claim.case.uuid])
    page = _page(supervisor).get(case_url).content.decode()
    assert page.count('data-testid="compensation-reverse"') == 2
    worker_page = _page(world.cast.worker).get(case_url).content.decode()
    assert 'data-testid="compensation-payment"' in worker_page
    assert 'data-testid="compensation-reverse"' not in worker_page  # a supervisor's act
    url = reverse("assistance:compensation_reverse", args=[wrong.uuid])
    form = _page(supervisor).get(url)
    assert form.status_code == 200 and "reverse this payment, then record the correct one" in form.content.decode()
    response = _page(supervisor).post(url, {"reason": REASON, "version": wrong.version})
    assert response.status_code == 302, response.content.decode()[:2000]

    row = _fresh(wrong)
    assert row.status == "reversed" and row.reversed_by == supervisor and row.reversed_at is not None
    assert row.reversal_reason == REASON and row.amount == Decimal("2000.00")
    with connection.cursor() as cursor:  # sealed at rest: the reason may name the person
        cursor.execute("SELECT reversal_reason FROM assistance_compensationpayment WHERE id = %s", [row.pk])
        assert "payment order" not in cursor.fetchone()[0]
    after = _fresh(claim)
    assert after.paid_amount == Decimal("1000.00") and after.stage == "partly_paid"
    assert after.last_paid_on == datetime.date(2024, 7, 1) and after.paid_from == "offender"
    event = AuditEvent.objects.get(action="compensation.reverse")
    assert event.case_uuid == str(claim.case.uuid) and event.object_id == str(wrong.uuid)
    assert event.details["claim"] == str(claim.uuid) and "payment order" not in str(event.changes)
    assert "compensation.reverse" in LABELS
    page = _page(world.cast.worker).get(case_url).content.decode()
    assert 'data-testid="compensation-payment-reversed"' in page and "not counted in the total paid" in page

    # the correct payment, then the rest of the award up to the last qəpik
    _pay(world, claim, "200", datetime.date(2024, 8, 1), paid_from="aid_fund")
    _pay(world, claim, "1800", datetime.date(2024, 9, 1))
    paid = _fresh(claim)
    assert paid.paid_amount == Decimal("3000.00") and paid.stage == "paid"
    assert paid.last_paid_on == datetime.date(2024, 9, 1)
    listed = api(world.cast.worker).get(f"/api/v1/compensation-payments/?claim={claim.uuid}")
    assert listed.status_code == 200, listed.content
    rows = listed.json()["results"] if isinstance(listed.json(), dict) else listed.json()
    assert sorted((r["amount"], r["status"]) for r in rows) == [
        ("1000.00", "paid"), ("1800.00", "paid"), ("200.00", "paid"), ("2000.00", "reversed")]
    assert AuditEvent.objects.filter(action="compensation_payment.list").exists()


def test_the_api_reverses_with_version_and_reason_once(world, api):
    claim = _claim(world)
    _pay(world, claim, "1000", datetime.date(2024, 7, 1))
    (payment,) = _payments(claim)
    supervisor = _supervisor(world.cast.ngo)
    url = f"/api/v1/compensation-payments/{payment.uuid}/reverse/"
    no_version = api(supervisor).post(url, {"reason": REASON}, format="json")
    assert no_version.status_code == 400 and "version" in no_version.json()
    no_reason = api(supervisor).post(url, {"version": payment.version}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    short = api(supervisor).post(url, {"version": payment.version, "reason": "oops"}, format="json")
    assert short.status_code == 400 and "Say why the payment is reversed" in short.content.decode()
    stale = api(supervisor).post(url, {"version": payment.version + 5, "reason": REASON}, format="json")
    assert stale.status_code == 409
    assert _fresh(payment).status == "paid" and _fresh(claim).paid_amount == Decimal("1000.00")
    done = api(supervisor).post(url, {"version": payment.version, "reason": REASON}, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "reversed" and done.json()["version"] == payment.version + 1
    assert _fresh(claim).paid_amount == 0 and _fresh(claim).stage == "awarded"
    assert _fresh(claim).last_paid_on is None
    again = api(supervisor).post(url, {"version": payment.version + 1, "reason": REASON}, format="json")
    assert again.status_code == 403 and "already been reversed" in again.content.decode()
    with pytest.raises((ValidationError, PermissionDenied)):
        services.reverse_compensation_payment(actor=supervisor, payment=_fresh(payment), reason=REASON,
                                              expected_version=payment.version + 1)
    assert AuditEvent.objects.filter(action="compensation.reverse").count() == 1
    assert _fresh(claim).paid_amount == 0


def test_a_case_worker_and_another_institution_reverse_nothing(world, api):
    claim = _claim(world)
    _pay(world, claim, "1000", datetime.date(2024, 7, 1))
    (payment,) = _payments(claim)
    url = f"/api/v1/compensation-payments/{payment.uuid}/reverse/"
    page_url = reverse("assistance:compensation_reverse", args=[payment.uuid])
    body = {"version": payment.version, "reason": REASON}
    # the case worker who recorded it: a supervisor's act, through the API and the page
    refused = api(world.cast.worker).post(url, body, format="json")
    assert refused.status_code == 403 and "supervisor" in refused.content.decode()
    assert _page(world.cast.worker).post(page_url, {"reason": REASON, "version": payment.version}).status_code == 403
    # another institution's supervisor does not see the case: 404, and does not learn the payment exists
    other = _supervisor(world.cast.ngo2, "ngo2.supervisor")
    assert api(other).post(url, body, format="json").status_code == 404
    assert api(other).get(f"/api/v1/compensation-payments/{payment.uuid}/").status_code == 404
    listed = api(other).get(f"/api/v1/compensation-payments/?claim={claim.uuid}").json()
    assert (listed["results"] if isinstance(listed, dict) else listed) == []
    assert _page(other).get(page_url).status_code == 404
    assert _page(other).post(page_url, {"reason": REASON, "version": payment.version}).status_code == 404
    with pytest.raises((PermissionDenied, NotAllowed)):
        services.reverse_compensation_payment(actor=other, payment=payment, reason=REASON,
                                              expected_version=payment.version)
    assert _fresh(payment).status == "paid" and _fresh(payment).version == payment.version
    assert _fresh(claim).paid_amount == Decimal("1000.00")
    assert not AuditEvent.objects.filter(action="compensation.reverse").exists()


def test_a_payment_form_read_before_a_reversal_is_stale(world):
    """The claim's total changed under the officer's payment form: her payment is refused (409), not added to a
    total she did not see."""
    from nicat.core.errors import ConcurrentEdit

    claim = _claim(world)
    _pay(world, claim, "1000", datetime.date(2024, 7, 1))
    (payment,) = _payments(claim)
    read = _fresh(claim)
    services.reverse_compensation_payment(actor=_supervisor(world.cast.ngo), payment=payment, reason=REASON,
                                          expected_version=payment.version)
    with pytest.raises(ConcurrentEdit):
        services.record_compensation_payment(actor=world.cast.worker, claim=read, amount="100",
                                             paid_on=datetime.date(2024, 7, 2), paid_from="offender",
                                             expected_version=read.version)


# --- the payments recorded before this release (migration 0005) -------------------------------------------------


def _old_payment(world, claim, amount, paid_on, paid_from):
    """A payment as recorded before this release: the claim's total, and a `compensation.pay` event; no row."""
    claim = CompensationClaim.objects.system().get(pk=claim.pk)
    before = snapshot(claim, CLAIM_FIELDS)
    amount = Decimal(amount).quantize(Decimal("0.01"))
    claim.paid_amount += amount
    claim.last_paid_on, claim.paid_from = paid_on, paid_from
    claim.version += 1
    claim.save()
    audit.record(actor=world.cast.worker, action="compensation.pay", obj=claim, case=claim.case,
                 institution=world.cast.ngo, changes=audit.diff(CompensationClaim, before, snapshot(claim, CLAIM_FIELDS)),
                 details={"amount": str(amount), "paid_from": paid_from})
    return claim


def _rebuild():
    migration = importlib.import_module(MIGRATION)
    events = AuditEvent.objects.count()
    migration.rebuild_payments(django_apps, None)
    assert AuditEvent.objects.count() == events  # the trail is only read
    return migration


def test_the_migration_rebuilds_each_payment_from_the_trail_when_it_adds_up(world):
    claim = _claim(world)
    _old_payment(world, claim, "1000", datetime.date(2024, 7, 1), "offender")
    _old_payment(world, claim, "500.50", datetime.date(2024, 7, 1), "aid_fund")  # same day: no last_paid_on change
    _old_payment(world, claim, "200", datetime.date(2024, 8, 3), "state_budget")
    untouched = _claim(world)  # awarded, nothing paid: no row
    migration = _rebuild()
    rows = _payments(claim)
    assert [(r.amount, r.paid_on, r.paid_from, r.status, r.carried_over) for r in rows] == [
        (Decimal("1000.00"), datetime.date(2024, 7, 1), "offender", "paid", False),
        (Decimal("500.50"), datetime.date(2024, 7, 1), "aid_fund", "paid", False),
        (Decimal("200.00"), datetime.date(2024, 8, 3), "state_budget", "paid", False)]
    assert all(r.recorded_by == world.cast.worker and r.institution == world.cast.ngo and r.case_id == claim.case_id
               for r in rows)
    assert not _payments(untouched)
    migration.rebuild_payments(django_apps, None)  # run again: nothing twice
    assert len(_payments(claim)) == 3
    # a rebuilt payment is reversed like a new one, and the claim's total follows
    services.reverse_compensation_payment(actor=_supervisor(world.cast.ngo), payment=rows[1], reason=REASON,
                                          expected_version=rows[1].version)
    after = _fresh(claim)
    assert after.paid_amount == Decimal("1200.00") and after.last_paid_on == datetime.date(2024, 8, 3)
    migration.delete_payments(django_apps, None)  # the reverse: the rows go, the claims stay
    assert not _payment_model().objects.system().exists() and _fresh(claim).paid_amount == Decimal("1200.00")


def test_the_migration_carries_a_total_the_trail_does_not_explain_over_as_one_marked_row(world):
    claim = _claim(world)
    _old_payment(world, claim, "1000", datetime.date(2024, 7, 1), "offender")
    _old_payment(world, claim, "400", datetime.date(2024, 9, 2), "aid_fund")
    CompensationClaim.objects.system().filter(pk=claim.pk).update(paid_amount=Decimal("1500.00"))  # 100 unexplained
    silent = _claim(world)  # a total without any event
    CompensationClaim.objects.system().filter(pk=silent.pk).update(paid_amount=Decimal("250.00"), paid_from="offender",
                                                                   last_paid_on=datetime.date(2024, 10, 5))
    _rebuild()
    (row,) = _payments(claim)
    assert (row.amount, row.paid_on, row.paid_from, row.carried_over, row.status) == (
        Decimal("1500.00"), datetime.date(2024, 9, 2), "aid_fund", True, "paid")
    assert row.recorded_by is None and row.case_id == claim.case_id
    (other,) = _payments(silent)
    assert (other.amount, other.paid_on, other.paid_from, other.carried_over) == (
        Decimal("250.00"), datetime.date(2024, 10, 5), "offender", True)


def test_the_case_page_marks_the_total_carried_over(world):
    claim = _claim(world)
    _old_payment(world, claim, "1000", datetime.date(2024, 7, 1), "offender")
    CompensationClaim.objects.system().filter(pk=claim.pk).update(paid_amount=Decimal("1100.00"))
    _rebuild()
    page = _page(world.cast.worker).get(reverse("assistance:case", args=[claim.case.uuid])).content.decode()
    assert 'data-testid="compensation-carried-over"' in page
    assert "payments recorded before this release, as one total" in page
