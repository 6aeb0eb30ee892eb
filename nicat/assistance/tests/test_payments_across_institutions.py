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
