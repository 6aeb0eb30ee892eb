"""The return plan (travel, escort, point and time of arrival, reception) of a referral for return (found by
review A; each test fails on the code before the fix):

- a centre that declined the return no longer reads the plan (it used to, while the message was already hidden);
- every read of the plan is in the audit trail, naming the case;
- a second report of the arrival without the plan's version no longer silently replaces the first reception
  note."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from nicat.audit.models import AuditEvent
from nicat.consent.models import Purpose
from nicat.referrals import services as referrals
from nicat.referrals.models import ReturnPlan
from tests.support.referrals import consent, referral_data
from tests.support.world import PASSWORD

pytestmark = pytest.mark.django_db

TRAVEL = "Flight J2-012, escorted by officer Məmmədov"
POINT = "Heydər Əliyev airport, terminal 1"


def _return_referral(world):
    case = world.open_case(actor=world.consul)
    consent(world.consul, case, Purpose.RETURN, world.centre)
    referral = referrals.create_referral(actor=world.consul, case=case, data=referral_data(
        world.centre, purpose=Purpose.RETURN, shared_sections=["identity", "return"], service="return"))
    referrals.save_return_plan(actor=world.consul, referral=referral, data={
        "documents": "issued", "travel_date": timezone.localdate() + datetime.timedelta(days=3),
        "arrival_point": POINT, "travel_details": TRAVEL})
    return case, referral


def test_a_receiver_that_declined_a_return_no_longer_reads_its_travel_plan(world, api, client):
    _case, referral = _return_referral(world)
    referrals.decline_referral(actor=world.centre_worker, referral=referral, reason="No place this month.",
                               expected_version=referral.version)
    got = api(world.centre_worker).get(f"/api/v1/referrals/{referral.uuid}/")
    assert got.status_code == 200 and got.json()["message"] is None  # the message is closed to it now
    plan = api(world.centre_worker).get(f"/api/v1/referrals/{referral.uuid}/return-plan/")
    assert plan.status_code == 404 and TRAVEL not in plan.content.decode("utf-8"), \
        "travel details and point of arrival after the decline"
    client.login(username="centre.worker", password=PASSWORD)
    page = client.get(reverse("referrals:detail", args=[referral.uuid])).content.decode()
    assert POINT not in page and 'data-testid="return-plan"' not in page
    assert not AuditEvent.objects.filter(action="referral.return_plan.view", actor=world.centre_worker).exists()
    # The consulate that sent it still reads its plan.
    assert api(world.consul).get(f"/api/v1/referrals/{referral.uuid}/return-plan/").json()["travel_details"] == TRAVEL


def test_reading_the_return_plan_is_audited(world, api, client):
    case, referral = _return_referral(world)
    plan = api(world.centre_worker).get(f"/api/v1/referrals/{referral.uuid}/return-plan/")
    assert plan.status_code == 200 and plan.json()["travel_details"] == TRAVEL
    event = AuditEvent.objects.filter(action="referral.return_plan.view", actor=world.centre_worker).get()
    assert event.case_reference == case.reference and event.details["channel"] == "api"
    assert event.institution_id == world.centre.pk
    client.login(username="centre.worker", password=PASSWORD)
    assert TRAVEL in client.get(reverse("referrals:detail", args=[referral.uuid])).content.decode()
    channels = [e.details["channel"] for e in AuditEvent.objects.filter(action="referral.return_plan.view",
                                                                         actor=world.centre_worker).order_by("pk")]
    assert channels == ["api", "page"]


def test_a_second_arrival_does_not_silently_overwrite_the_first_reception_note(world, api, client):
    _case, referral = _return_referral(world)
    referrals.accept_referral(actor=world.centre_worker, referral=referral, expected_version=referral.version)
    client.login(username="centre.worker", password=PASSWORD)
    page = client.get(reverse("referrals:detail", args=[referral.uuid])).content.decode()
    shown = ReturnPlan.objects.system().get(referral=referral).version
    arrival_form = page.split(reverse("referrals:arrival", args=[referral.uuid]))[1].split("</form>")[0]
    assert f'name="version" value="{shown}"' in arrival_form  # the page's form sends the plan's version
    rest = api(world.centre_worker)
    first = rest.post(f"/api/v1/referrals/{referral.uuid}/arrival/", {"note": "Met at the gate by Nərmin."},
                      format="json")
    assert first.status_code == 200, first.content
    read_at = first.json()["version"]
    second = rest.post(f"/api/v1/referrals/{referral.uuid}/arrival/", {"note": "Did not come."}, format="json")
    assert second.status_code == 400 and "version" in second.json(), \
        "a stale write without a version replaced the reception note"
    stale = rest.post(f"/api/v1/referrals/{referral.uuid}/arrival/", {"note": "Did not come.",
                                                                       "version": read_at - 1}, format="json")
    assert stale.status_code == 409
    assert ReturnPlan.objects.system().get(referral=referral).reception_note == "Met at the gate by Nərmin."
    # A second tab of the page, opened before the first report, is refused too.
    client.post(reverse("referrals:arrival", args=[referral.uuid]), {
        "arrived_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "note": "Did not come.", "version": shown})
    assert ReturnPlan.objects.system().get(referral=referral).reception_note == "Met at the gate by Nərmin."
    # A correction with the version read is recorded, and audited with what it replaced.
    fixed = rest.post(f"/api/v1/referrals/{referral.uuid}/arrival/", {
        "note": "Met at the gate by Nərmin and Aysel.", "version": read_at}, format="json")
    assert fixed.status_code == 200 and fixed.json()["version"] == read_at + 1
    correction = AuditEvent.objects.filter(action="referral.arrival").order_by("-pk").first()
    assert correction.details["correction"] is True and "reception_note" in correction.changes
