"""The allowance is paid once to a person, whichever institution paid it. After the coordinator merged two records of
one woman (a case at each of two NGOs), the first NGO's worker recording the one-time allowance was refused with the
second NGO's case reference — a case it may not see, and the one thing a supervisor needs to open it by
break-glass. The refusal says that it was paid, when and how much, and names the case only to whom it is visible."""
import datetime

import pytest
from django.core.exceptions import ValidationError

from nicat.assistance import services
from nicat.persons import services as persons
from nicat.persons.models import DuplicateSignal


def test_an_allowance_paid_on_another_institutions_case_is_refused_without_naming_that_case(world, api):
    ours = world.recognise(world.adult(given_name="Aysel", family_name="Məmmədova", phone="+994 50 765 43 21"))
    theirs = world.recognise(world.adult(actor=world.cast.worker2, given_name="Aysel", family_name="Məmmədova",
                                         phone="+994 50 765 43 21"))
    signal = DuplicateSignal.objects.system().get()
    persons.merge_persons(actor=world.cast.officer, survivor=ours.person, merged=theirs.person,
                          reason="Same woman, both NGOs confirmed by phone", signal=signal,
                          expected_version=signal.version)
    ours, theirs = world.fresh(ours), world.fresh(theirs)
    services.pay_allowance(actor=world.cast.worker2, case=theirs, kind="one_time",
                           paid_on=datetime.date(2024, 3, 1), source="state_budget")

    with pytest.raises(ValidationError) as refused:
        services.pay_allowance(actor=world.cast.worker, case=ours, kind="one_time",
                               paid_on=datetime.date(2024, 4, 1), source="state_budget")
    message = " ".join(refused.value.messages)
    assert "already paid" in message and theirs.reference not in message
    response = api(world.cast.worker).post("/api/v1/allowance-payments/", {
        "case": str(ours.uuid), "kind": "one_time", "paid_on": "2024-04-01", "source": "state_budget"},
        format="json")
    assert response.status_code == 400 and "already paid" in response.content.decode()
    assert theirs.reference not in response.content.decode()
    # the second NGO, which sees its own case, is told which case it was
    with pytest.raises(ValidationError) as refused:
        services.pay_allowance(actor=world.cast.worker2, case=theirs, kind="one_time",
                               paid_on=datetime.date(2024, 4, 1), source="state_budget")
    assert theirs.reference in " ".join(refused.value.messages)


def test_an_allowance_paid_on_a_record_before_it_was_merged_counts_for_the_kept_record(world):
    """The second NGO paid a woman's one-time allowance on its record; the coordinator then found that the first
    NGO's record is the same woman and merged the second into it. The first NGO's worker recording the allowance
    was accepted: she was paid twice (the payment stays on the merged record, which the check did not look at).
    Now the payments of every record merged into the person count."""
    ours = world.recognise(world.adult(given_name="Aysel", family_name="Məmmədova", phone="+994 50 765 43 24"))
    theirs = world.recognise(world.adult(actor=world.cast.worker2, given_name="Aysel", family_name="Məmmədova",
                                         phone="+994 50 765 43 24"))
    services.pay_allowance(actor=world.cast.worker2, case=theirs, kind="one_time",
                           paid_on=datetime.date(2024, 3, 1), source="state_budget")
    signal = DuplicateSignal.objects.system().get()
    persons.merge_persons(actor=world.cast.officer, survivor=ours.person, merged=theirs.person,
                          reason="Same phone", signal=signal, expected_version=signal.version)
    with pytest.raises(ValidationError) as refused:
        services.pay_allowance(actor=world.cast.worker, case=world.fresh(ours), kind="one_time",
                               paid_on=datetime.date(2024, 4, 1), source="state_budget")
    assert "already paid" in " ".join(refused.value.messages)


def _merged_then_paid_on_their_case(world, phone):
    """The second NGO's record of a woman merged into the first NGO's; then the second NGO paid her one-time
    allowance on its case (the merge moved it: the payment names the kept record)."""
    from nicat.persons.models import MergeRecord

    ours = world.recognise(world.adult(given_name="Aysel", family_name="Məmmədova", phone=phone))
    theirs = world.recognise(world.adult(actor=world.cast.worker2, given_name="Aysel", family_name="Məmmədova",
                                         phone=phone))
    signal = DuplicateSignal.objects.system().get()
    persons.merge_persons(actor=world.cast.officer, survivor=ours.person, merged=theirs.person,
                          reason="Same phone", signal=signal, expected_version=signal.version)
    payment = services.pay_allowance(actor=world.cast.worker2, case=world.fresh(theirs), kind="one_time",
                                     paid_on=datetime.date(2024, 3, 1), source="state_budget")
    return ours, theirs, payment, MergeRecord.objects.system().get()


def test_undoing_a_merge_gives_an_allowance_paid_meanwhile_back_with_the_case_it_was_paid_on(world):
    """The coordinator then found they are two women and undid the merge. The payment stayed on the first NGO's
    woman: the first NGO recording her own one-time allowance was refused ("already paid"), and the second NGO could
    pay its woman the one-time allowance a second time. The payment now goes back with the case it was paid on, and
    the case's trail says so."""
    from nicat.assistance.models import AllowancePayment
    from nicat.audit.models import AuditEvent

    ours, theirs, payment, record = _merged_then_paid_on_their_case(world, "+994 50 765 43 51")
    persons.undo_merge(actor=world.cast.officer, merge=record, reason="Different mothers' names: two women")
    assert AllowancePayment.objects.system().get(pk=payment.pk).person_id == theirs.person_id
    with pytest.raises(ValidationError) as refused:
        services.pay_allowance(actor=world.cast.worker2, case=world.fresh(theirs), kind="one_time",
                               paid_on=datetime.date(2024, 4, 1), source="state_budget")
    assert "already paid" in " ".join(refused.value.messages)
    services.pay_allowance(actor=world.cast.worker, case=world.fresh(ours), kind="one_time",
                           paid_on=datetime.date(2024, 4, 1), source="state_budget")
    event = AuditEvent.objects.get(action="case.record_person_merge_undone")
    assert event.case_uuid == str(theirs.uuid) and event.object_id == str(payment.uuid)


def test_an_undo_that_would_leave_the_same_allowance_twice_on_one_record_is_refused_and_changes_nothing(world):
    """The second NGO had paid the one-time allowance on its record before the merge and, while merged, again on the
    same case (before the check counted merged records, 687ab3e): both payments belong to the woman of that case.
    Moving the second back would break "paid once" (a 500 on the unique rule, or a payment left on the wrong
    woman): the undo is refused, naming the two cases, and nothing moves."""
    from django.test import Client
    from django.urls import reverse

    from nicat.assistance.models import AllowancePayment
    from nicat.cases.models import Case
    from nicat.persons.models import MergeRecord, Person
    from tests.support.world import verified_login

    ours = world.recognise(world.adult(given_name="Aysel", family_name="Məmmədova", phone="+994 50 765 43 52"))
    theirs = world.recognise(world.adult(actor=world.cast.worker2, given_name="Aysel", family_name="Məmmədova",
                                         phone="+994 50 765 43 52"))
    first = services.pay_allowance(actor=world.cast.worker2, case=theirs, kind="one_time",
                                   paid_on=datetime.date(2024, 3, 1), source="state_budget")
    signal = DuplicateSignal.objects.system().get()
    persons.merge_persons(actor=world.cast.officer, survivor=ours.person, merged=theirs.person,
                          reason="Same phone", signal=signal, expected_version=signal.version)
    second = AllowancePayment.objects.create(case=theirs, person_id=ours.person_id, kind="one_time", period="",
                                             amount=first.amount, paid_on=datetime.date(2024, 4, 1),
                                             source="state_budget", rule_year=first.rule_year,
                                             institution=world.cast.ngo2)
    record = MergeRecord.objects.system().get()
    response = verified_login(Client(), world.cast.officer).post(reverse("persons:merge_undo", args=[record.uuid]),
                                              {"reason": "Two women"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "cannot be undone yet" in body and theirs.reference in body
    assert not MergeRecord.objects.system().get(pk=record.pk).is_undone
    assert Case.objects.system().get(pk=theirs.pk).person_id == ours.person_id
    assert Person.objects.system().get(pk=theirs.person_id).merged_into_id == ours.person_id
    assert AllowancePayment.objects.system().get(pk=second.pk).person_id == ours.person_id
