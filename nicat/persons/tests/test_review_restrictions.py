"""The coordinator's review of duplicates and merges keeps to access-restriction orders: a person whose case is under
an order that names none of the coordinator's roles is hidden from the coordinator too — the pair is not listed, its
page (names, phone, documents, cases) answers 404, it cannot be merged or dismissed, and a merge of that person is
not listed either — until the order is lifted."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from nicat.access import services as access_services
from nicat.core.errors import NotAllowed
from nicat.persons import services
from nicat.persons.models import DuplicateSignal, MergeRecord, SignalStatus

PHONE = "+994 50 765 43 21"


def _restrict(cast, case):
    """An order that keeps no role: the Main Department's officers included."""
    return access_services.record_restriction_order(
        actor=cast.officer, case_reference=case.reference, issued_by="prosecutor",
        issuing_body="Prosecutor General's Office", decision_reference="PGO-90/2026",
        decided_on=timezone.localdate(), allowed_roles=[])


@pytest.fixture
def restricted_pair(cast):
    person = {"given_name": "Aysel", "family_name": "Məmmədova", "birth_date": datetime.date(1995, 3, 4),
              "phone": PHONE, "documents": [{"type": "passport", "number": "AA 1234567", "country": ""}]}
    ours = cast.open_case(person=person)
    _restrict(cast, ours)
    theirs = cast.open_case(actor=cast.worker2, person=person)  # the second NGO registers her anew
    return ours, theirs, DuplicateSignal.objects.system().get()


def test_the_coordinator_does_not_read_a_restricted_person_in_the_duplicate_review(login, cast, restricted_pair):
    ours, theirs, signal = restricted_pair
    client = login(cast.officer)
    listing = client.get(reverse("persons:duplicates")).content.decode()
    assert str(signal.uuid) not in listing
    page = client.get(reverse("persons:duplicate", args=[signal.uuid]))
    assert page.status_code == 404
    body = page.content.decode()
    assert "AA 1234567" not in body and PHONE not in body and ours.reference not in body
    merge = client.post(reverse("persons:duplicate_merge", args=[signal.uuid]),
                        {"keep": "a", "reason": "Same passport number", "version": signal.version})
    assert merge.status_code == 404
    dismiss = client.post(reverse("persons:duplicate_dismiss", args=[signal.uuid]), {"version": signal.version})
    assert dismiss.status_code == 404
    assert MergeRecord.objects.system().count() == 0
    assert DuplicateSignal.objects.system().get(pk=signal.pk).status == SignalStatus.OPEN
    # the service refuses the merge whatever the edge
    with pytest.raises(NotAllowed):
        services.merge_persons(actor=cast.officer, survivor=theirs.person, merged=ours.person,
                               reason="Same passport number")
    assert MergeRecord.objects.system().count() == 0


def test_a_merge_of_a_person_later_restricted_is_not_listed_to_the_coordinator(login, cast):
    person = {"given_name": "Aysel", "family_name": "Məmmədova", "birth_date": datetime.date(1995, 3, 4),
              "phone": PHONE}
    ours = cast.open_case(person=person)
    theirs = cast.open_case(actor=cast.worker2, person=person)
    signal = DuplicateSignal.objects.system().get()
    record = services.merge_persons(actor=cast.officer, survivor=ours.person, merged=theirs.person,
                                    reason="Same phone, confirmed", signal=signal, expected_version=signal.version)
    _restrict(cast, ours)
    client = login(cast.officer)
    listing = client.get(reverse("persons:merges")).content.decode()
    assert str(record.uuid) not in listing and "Məmmədova" not in listing
    assert client.post(reverse("persons:merge_undo", args=[record.uuid]), {"reason": "Mistake"}).status_code == 404
    assert MergeRecord.objects.system().get(pk=record.pk).undone_at is None
