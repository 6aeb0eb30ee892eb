"""One institution's approved erasure must not wipe another institution's open case (third review, finding B2).

The attack: the same woman has a case at the first NGO and an open case at the second NGO, linked by the
coordinator's duplicate review (merge). The first NGO records her request to erase and its supervisor
approves it. Erasing blanks every case of the person, so the second NGO's open case lost its summary and
notes without being asked, and its own trail did not say so. Now the erasure is refused — when it is
recorded and when it is approved — with the reason and who must agree, and nothing is written; once the
second NGO has closed its case the erasure goes ahead and each blanked case's trail names it."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from nicat.accounts.models import Role
from nicat.audit.models import AuditEvent
from nicat.cases.models import Case
from nicat.persons.models import DuplicateSignal, Person
from nicat.persons.services import merge_persons
from nicat.retention import services as retention
from nicat.retention.models import DataRequest, RequestStatus
from tests.support.world import make_user, verified_login

PHONE = "+994 50 765 43 21"
THEIR_SUMMARY = "Second NGO: exploitation in a textile workshop, ongoing assistance."


@pytest.fixture(autouse=True)
def own_ledger(tmp_path, settings):
    settings.NICAT_ERASURE_LEDGER = str(tmp_path / "erased-person-keys.txt")


def _same_woman_at_two_ngos(cast):
    ours = cast.open_case(person={"birth_date": datetime.date(1999, 4, 2), "phone": PHONE})
    theirs = cast.open_case(actor=cast.worker2, person={"birth_date": datetime.date(1999, 4, 2), "phone": PHONE},
                            summary=THEIR_SUMMARY)
    return ours, theirs


def _merge(cast, ours, theirs):
    signal = DuplicateSignal.objects.system().first()
    merge_persons(actor=cast.officer, survivor=ours.person, merged=theirs.person, signal=signal,
                  expected_version=signal.version if signal else None,
                  reason="Both NGOs confirmed by phone that this is the same woman; the owner agreed.")


@pytest.mark.django_db
def test_an_erasure_decided_by_one_institution_does_not_wipe_another_institutions_open_case(cast, api):
    ours, theirs = _same_woman_at_two_ngos(cast)
    supervisor = make_user("ngo.supervisor", cast.ngo, Role.SUPERVISOR)
    # recorded while the first NGO's case was her only one; the coordinator links the records afterwards
    request = retention.record_request(actor=cast.worker, case=ours, kind="erasure",
                                       requested_on=timezone.localdate(), details="She asks us to erase her data.")
    _merge(cast, ours, theirs)
    events_before_last = AuditEvent.objects.order_by("pk").last()

    # the first NGO's supervisor approves (through the API): refused, with the reason and who must agree
    response = api(supervisor).post(f"/api/v1/data-requests/{request.uuid}/decide/", {
        "decision": "approve", "reason": "The person's right to erasure.", "version": request.version},
        format="json")
    assert response.status_code == 400, response.content
    message = str(response.json())
    assert "Another institution still has an open case of this person" in message
    assert "Main Department" in message
    # the same on the request's page: the form again, with the reason
    page = verified_login(Client(), supervisor).post(
        reverse("retention:request_decide", args=[request.uuid]),
        {"decision": "approve", "reason": "The person's right to erasure.", "version": request.version})
    assert page.status_code == 400
    assert "Another institution still has an open case of this person" in page.content.decode()
    # nothing written: her case at the second NGO, the person, the request, the trail are as before
    assert Case.objects.system().get(pk=theirs.pk).summary == THEIR_SUMMARY
    assert not Person.objects.system().get(pk=ours.person_id).erased_at
    assert DataRequest.objects.system().get(pk=request.pk).status == RequestStatus.OPEN
    assert not AuditEvent.objects.filter(pk__gt=events_before_last.pk, case_uuid=theirs.uuid).exists()
    assert not AuditEvent.objects.filter(action__in=["person.erase", "case.erase_texts",
                                                     "datarequest.decide"]).exists()

    # a new request to erase is refused as early as it is recorded, with the same reason
    with pytest.raises(ValidationError) as refused:
        retention.record_request(actor=cast.worker, case=ours, kind="erasure", requested_on=timezone.localdate(),
                                 details="She asks again.")
    assert "Another institution still has an open case" in str(refused.value.message_dict["kind"])
    # a correction is not an erasure: still recorded
    retention.record_request(actor=cast.worker, case=ours, kind="correction", requested_on=timezone.localdate(),
                             details="Her phone changed.", corrections={"phone": "+994 50 000 00 00"})

    # once the second NGO has closed its case, the erasure goes ahead; each blanked case's trail says so
    Case.objects.system().filter(pk=theirs.pk).update(status="Closed", closure_reason="ServicesCompleted",
                                                      closed_at=timezone.now())
    retention.decide_request(actor=supervisor, data_request=request, approve=True,
                             reason="The person's right to erasure.", expected_version=request.version)
    assert Person.objects.system().get(pk=ours.person_id).erased_at
    assert Case.objects.system().get(pk=theirs.pk).summary == ""
    for case in (ours, theirs):
        event = AuditEvent.objects.get(action="case.erase_texts", case_uuid=case.uuid)
        assert event.details == {"basis": "request", "request": str(request.uuid)}


@pytest.mark.django_db
def test_the_same_institutions_other_open_case_does_not_block_its_own_erasure(cast):
    """Two open cases of the person at the same institution: its supervisor decides for both."""
    first = cast.open_case(person={"birth_date": datetime.date(1999, 4, 2), "phone": PHONE})
    second = cast.open_case(person={"birth_date": datetime.date(1999, 4, 2), "phone": PHONE},
                            summary="A second case at the same NGO.")
    _merge(cast, first, second)
    supervisor = make_user("ngo.supervisor", cast.ngo, Role.SUPERVISOR)
    request = retention.record_request(actor=cast.worker, case=first, kind="erasure",
                                       requested_on=timezone.localdate(), details="She asks us to erase her data.")
    retention.decide_request(actor=supervisor, data_request=request, approve=True, reason="Her right.",
                             expected_version=request.version)
    assert Person.objects.system().get(pk=first.person_id).erased_at
    assert AuditEvent.objects.filter(action="case.erase_texts").count() == 2
