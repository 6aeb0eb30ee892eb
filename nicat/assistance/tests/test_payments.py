"""The allowance (recognised victims only, the amount in force on the day of recognition, never twice) and
compensation claims (claimed, awarded, paid)."""
import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from nicat.assistance import conf, services
from nicat.assistance.models import AllowancePayment
from nicat.audit.models import AuditEvent


@pytest.mark.django_db
def test_the_seeded_amounts_by_the_day_the_right_arose():
    assert conf.allowance_rule_for(datetime.date(2016, 6, 1))["one_time"] == Decimal("400.00")
    assert conf.allowance_rule_for(datetime.date(2023, 12, 31))["one_time"] == Decimal("400.00")
    assert conf.allowance_rule_for(datetime.date(2024, 1, 1))["one_time"] == Decimal("700.00")
    assert conf.allowance_rule_for(datetime.date(2015, 12, 31)) is None


def test_a_victim_recognised_in_2019_receives_the_2019_amount_whenever_paid(world):
    """The right arises with the recognition: a payment made in 2024 to a victim recognised in 2019 is the
    2019 amount (400), not the amount in force on the day of payment (700)."""
    case = world.recognise(world.adult(), on=datetime.date(2019, 5, 20))
    payment = services.pay_allowance(actor=world.cast.worker, case=case, kind="one_time",
                                     paid_on=datetime.date(2024, 3, 1), source="state_budget")
    assert (payment.amount, payment.rule_year) == (Decimal("400.00"), 2016)
    later = world.recognise(world.adult(given_name="Nigar"), on=datetime.date(2024, 2, 1))
    payment = services.pay_allowance(actor=world.cast.worker, case=later, kind="one_time",
                                     paid_on=datetime.date(2024, 3, 1), source="state_budget")
    assert (payment.amount, payment.rule_year) == (Decimal("700.00"), 2024)


def test_a_recognised_victim_is_paid_once(world):
    case = world.recognise(world.adult())
    payment = services.pay_allowance(actor=world.cast.worker, case=case, kind="one_time",
                                     paid_on=datetime.date(2024, 3, 1), source="state_budget",
                                     payment_reference="PO-1")
    assert payment.amount == Decimal("700.00") and payment.currency == "AZN" and payment.rule_year == 2024
    assert isinstance(payment.amount, Decimal)
    with pytest.raises(ValidationError) as excinfo:
        services.pay_allowance(actor=world.cast.worker, case=case, kind="one_time",
                               paid_on=datetime.date(2024, 4, 1), source="aid_fund")
    assert "already paid" in " ".join(excinfo.value.messages)
    assert AuditEvent.objects.filter(action="allowance.pay").count() == 1


def test_the_same_person_in_a_second_case_is_not_paid_again(world):
    case = world.recognise(world.adult())
    services.pay_allowance(actor=world.cast.worker, case=case, kind="one_time", paid_on=datetime.date(2024, 3, 1),
                           source="state_budget")
    from nicat.cases.services import open_case

    second = open_case(actor=world.cast.worker, person=case.person, case_data={})
    world.recognise(second)
    with pytest.raises(ValidationError) as excinfo:
        services.pay_allowance(actor=world.cast.worker, case=second, kind="one_time",
                               paid_on=datetime.date(2024, 5, 1), source="state_budget")
    assert case.reference in " ".join(excinfo.value.messages)


def test_the_database_itself_refuses_a_double_payment(world):
    case = world.recognise(world.adult())
    payment = services.pay_allowance(actor=world.cast.worker, case=case, kind="one_time",
                                     paid_on=datetime.date(2024, 3, 1), source="state_budget")
    with pytest.raises(IntegrityError), transaction.atomic():
        AllowancePayment.objects.system().create(case=case, person=case.person, kind="one_time", period="",
                                                 amount=payment.amount, paid_on=payment.paid_on,
                                                 source="aid_fund", rule_year=2024)


@pytest.mark.parametrize("status", ["PossibleVictimOfTrafficking", "NotAVictimOfTrafficking"])
def test_an_unrecognised_person_is_refused_with_the_reason(world, status):
    from nicat.cases.models import Case

    case = world.adult()
    Case.objects.system().filter(pk=case.pk).update(trafficking_status=status)
    with pytest.raises(ValidationError) as excinfo:
        services.pay_allowance(actor=world.cast.worker, case=world.fresh(case), kind="one_time",
                               paid_on=datetime.date(2024, 3, 1), source="state_budget")
    message = " ".join(excinfo.value.message_dict["case"])
    assert "not officially recognised" in message or "not a victim" in message
    assert not AllowancePayment.objects.system().exists()


def test_monthly_allowance_only_where_the_rules_set_one(world):
    case = world.recognise(world.adult())
    with pytest.raises(ValidationError) as excinfo:
        services.pay_allowance(actor=world.cast.worker, case=case, kind="monthly", period="2024-03",
                               paid_on=datetime.date(2024, 3, 1), source="state_budget")
    assert "no monthly allowance" in " ".join(excinfo.value.messages)
    from nicat.legal import services as legal

    for code, value in (("allowance.monthly", "150.50"), ("allowance.monthly_max_months", "2")):
        legal.set_parameter(actor=world.cast.admin, data={"code": code, "value": value,
                                                          "valid_from": datetime.date(2024, 1, 1),
                                                          "legal_act": "Decision on the monthly allowance (test)"})
    first = services.pay_allowance(actor=world.cast.worker, case=case, kind="monthly", period="2024-03",
                                   paid_on=datetime.date(2024, 3, 1), source="state_budget")
    assert first.amount == Decimal("150.50")
    with pytest.raises(ValidationError):  # the same month twice
        services.pay_allowance(actor=world.cast.worker, case=case, kind="monthly", period="2024-03",
                               paid_on=datetime.date(2024, 3, 2), source="state_budget")
    services.pay_allowance(actor=world.cast.worker, case=case, kind="monthly", period="2024-04",
                           paid_on=datetime.date(2024, 4, 1), source="state_budget")
    with pytest.raises(ValidationError) as excinfo:
        services.pay_allowance(actor=world.cast.worker, case=case, kind="monthly", period="2024-05",
                               paid_on=datetime.date(2024, 5, 1), source="state_budget")
    assert "most the rules allow" in " ".join(excinfo.value.messages)
    with pytest.raises(ValidationError) as excinfo:
        services.pay_allowance(actor=world.cast.worker, case=case, kind="monthly", period="March",
                               paid_on=datetime.date(2024, 5, 1), source="state_budget")
    assert "period" in excinfo.value.message_dict


def test_no_amount_on_the_day_of_recognition_is_refused(world):
    case = world.recognise(world.adult(), on=datetime.date(2015, 3, 1))
    with pytest.raises(ValidationError) as excinfo:
        services.pay_allowance(actor=world.cast.worker, case=case, kind="one_time",
                               paid_on=datetime.date(2024, 3, 1), source="state_budget")
    assert "Legal parameters" in " ".join(excinfo.value.messages)
    assert not AllowancePayment.objects.system().exists()


def test_shelter_staff_do_not_record_payments(world):
    case = world.recognise(world.adult())
    world.refer_to_shelter(case)
    with pytest.raises(PermissionDenied):
        services.pay_allowance(actor=world.manager, case=case, kind="one_time", paid_on=datetime.date(2024, 3, 1),
                               source="state_budget")


def test_compensation_claimed_awarded_paid(world):
    case = world.recognise(world.adult())
    claim = services.open_claim(actor=world.cast.worker, case=case, claimed_amount="5000",
                                claimed_on=datetime.date(2024, 1, 10), proceedings_reference="CC-12/2024")
    assert claim.claimed_amount == Decimal("5000.00") and claim.stage == "claimed"
    with pytest.raises(ValidationError):
        services.record_compensation_payment(actor=world.cast.worker, claim=claim, amount="100",
                                             paid_on=datetime.date(2024, 2, 1), paid_from="aid_fund",
                                             expected_version=claim.version)
    services.record_award(actor=world.cast.worker, claim=claim, awarded_amount="3000.50",
                          awarded_on=datetime.date(2024, 6, 1), expected_version=claim.version)
    services.record_compensation_payment(actor=world.cast.worker, claim=claim, amount="1000",
                                         paid_on=datetime.date(2024, 7, 1), paid_from="offender",
                                         expected_version=claim.version)
    with pytest.raises(ValidationError) as excinfo:
        services.record_compensation_payment(actor=world.cast.worker, claim=claim, amount="2000.51",
                                             paid_on=datetime.date(2024, 8, 1), paid_from="aid_fund",
                                             expected_version=claim.version)
    assert "exceed the award" in " ".join(excinfo.value.messages)
    services.record_compensation_payment(actor=world.cast.worker, claim=claim, amount="2000.50",
                                         paid_on=datetime.date(2024, 8, 1), paid_from="aid_fund",
                                         expected_version=claim.version)
    assert claim.paid_amount == Decimal("3000.50") and claim.stage == "paid"


@pytest.mark.parametrize("amount", ["0", "-5", "abc", "1.234", "NaN", "Infinity"])
def test_bad_amounts_say_what_to_fix(world, amount):
    case = world.recognise(world.adult())
    with pytest.raises(ValidationError) as excinfo:
        services.open_claim(actor=world.cast.worker, case=case, claimed_amount=amount,
                            claimed_on=datetime.date(2024, 1, 10))
    assert "claimed_amount" in excinfo.value.message_dict


def test_a_claim_needs_official_recognition(world):
    case = world.adult()
    with pytest.raises(ValidationError) as excinfo:
        services.open_claim(actor=world.cast.worker, case=case, claimed_amount="100",
                            claimed_on=datetime.date(2024, 1, 10))
    assert "not officially recognised" in " ".join(excinfo.value.messages)


def test_an_amount_too_large_for_a_decimal_is_a_form_error_not_a_500(world, client):
    """`1e30` passed the form's text field and crashed the rounding (decimal.InvalidOperation, a 500) on the claim
    and the compensation payment pages (found by an adversarial review)."""
    from django.urls import reverse

    from nicat.assistance.models import CompensationClaim
    from tests.support.world import verified_login

    case = world.recognise(world.adult())
    verified_login(client, world.cast.worker)
    response = client.post(reverse("assistance:claim_add", args=[case.uuid]),
                           {"claimed_amount": "1e30", "claimed_on": "2024-01-10"})
    assert response.status_code == 400 and "too large" in response.content.decode()
    assert not CompensationClaim.objects.system().exists()
    claim = services.open_claim(actor=world.cast.worker, case=case, claimed_amount="5000",
                                claimed_on=datetime.date(2024, 1, 10))
    claim = services.record_award(actor=world.cast.worker, claim=claim, awarded_amount="3000",
                                  awarded_on=datetime.date(2024, 6, 1), expected_version=claim.version)
    response = client.post(reverse("assistance:claim_payment", args=[claim.uuid]), {
        "amount": "1e30", "paid_on": "2024-07-01", "paid_from": "offender", "version": claim.version})
    assert response.status_code == 400 and "too large" in response.content.decode()
    claim.refresh_from_db()
    assert claim.paid_amount == 0
