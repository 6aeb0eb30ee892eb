"""Law 3 on a request to erase or correct data: its page shows what the person asked and the values she wants
corrected (her identifying data), on a GET and again when a decision is refused (the page re-shown with the
form's errors). Every showing is a read of the request (`datarequest.view`, naming the case)."""
import datetime

import pytest
from django.urls import reverse

from nicat.accounts.models import Role
from nicat.audit.models import AuditEvent
from nicat.retention import services
from tests.support.world import make_user, verified_login

pytestmark = pytest.mark.django_db

ASKED = "Nərmin asks to correct the phone number on her record."


@pytest.fixture
def request_and_supervisor(cast):
    case = cast.open_case(person={"given_name": "Nərmin", "family_name": "Asks"})
    data_request = services.record_request(actor=cast.worker, case=case, kind="correction",
                                           requested_on=datetime.date(2026, 6, 1), details=ASKED,
                                           corrections={"phone": "+994 50 123 45 67"})
    return data_request, make_user("sup", cast.ngo, Role.SUPERVISOR)


def _last():
    return AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0


def _reads(case, since):
    return list(AuditEvent.objects.filter(sequence__gt=since, action="datarequest.view", case_uuid=str(case.uuid)))


def test_the_request_page_shows_what_was_asked_and_records_its_read(client, request_and_supervisor):
    data_request, supervisor = request_and_supervisor
    verified_login(client, supervisor)
    since = _last()
    page = client.get(reverse("retention:request", args=[data_request.uuid]))
    assert page.status_code == 200 and ASKED in page.content.decode() and "+994 50 123 45 67" in page.content.decode()
    assert len(_reads(data_request.case, since)) == 1


def test_a_refused_decision_shows_the_request_again_and_records_its_read(client, request_and_supervisor):
    data_request, supervisor = request_and_supervisor
    verified_login(client, supervisor)
    since = _last()
    response = client.post(reverse("retention:request_decide", args=[data_request.uuid]),
                           {"decision": "approve", "reason": "", "version": data_request.version})  # no reason
    body = response.content.decode()
    assert response.status_code == 400 and ASKED in body and "+994 50 123 45 67" in body
    assert _reads(data_request.case, since), "the request was shown again, and no event names its read"
