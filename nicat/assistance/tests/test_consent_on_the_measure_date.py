"""A measure with a date of its own (a service delivered, an admission, a return) is judged by the consent in
force on that date, not on the day it is recorded (nicat.consent.services.consent_in_force): a service logged on
10 March for 1 March, when the person consented on 5 March or withdrew on 3 March, is refused; a withdrawal
after the delivery does not undo it."""
import datetime
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from nicat.assistance import services
from nicat.assistance.models import ReturnPlan, ReturnStatus, ServiceDelivery, Stay
from nicat.consent.services import withdraw_consent
from tests.support.world import make_institution, term

DAY = datetime.timedelta(days=1)


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client
    return as_user


def _page_post(client, case, provider, when):
    return client.post(reverse("assistance:service_add", args=[case.uuid]), {
        "kind": "psychological", "provider": str(provider.pk), "duration_minutes": "50",
        "delivered_at": timezone.localtime(when).strftime("%Y-%m-%dT%H:%M")})


def _api_post(api_client, case, provider, when):
    return api_client.post("/api/v1/services-delivered/", {
        "case": str(case.uuid), "kind": "psychological", "provider": str(provider.uuid),
        "delivered_at": when.isoformat(), "duration_minutes": 50}, format="json")


def _withdrawn_on(world, consent, when):
    """The person withdraws the consent at `when` (the clock moved back, as the tests' clock helper does)."""
    with mock.patch("django.utils.timezone.now", return_value=when):
        withdraw_consent(actor=world.cast.worker, consent=consent, note="Told the psychologist.")


def test_a_service_delivered_before_the_person_consented_is_refused_on_the_page_and_the_api(world, login, api):
    case = world.adult()
    now = timezone.now()
    world.consent(case, "service", service="psychological", given_at=now - 5 * DAY)  # consented on "5 March"
    page = _page_post(login(world.cast.worker), case, world.cast.ngo, now - 9 * DAY)  # delivered on "1 March"
    assert page.status_code == 400
    assert "consent was given later" in page.content.decode()
    r = _api_post(api(world.cast.worker), case, world.cast.ngo, now - 9 * DAY)
    assert r.status_code == 400 and "given later" in " ".join(r.json()["consent"])
    assert not ServiceDelivery.objects.system().filter(case=case).exists()
    # Delivered after she consented: logged.
    assert _api_post(api(world.cast.worker), case, world.cast.ngo, now - 4 * DAY).status_code == 201


def test_a_service_dated_after_a_withdrawal_is_refused_one_dated_before_it_stands(world, login, api):
    case = world.adult()
    now = timezone.now()
    consent = world.consent(case, "service", service="psychological", given_at=now - 20 * DAY)
    _withdrawn_on(world, consent, now - 7 * DAY)  # withdrawn on "3 March"
    page = _page_post(login(world.cast.worker), case, world.cast.ngo, now - 5 * DAY)
    assert page.status_code == 400 and "was withdrawn on" in page.content.decode()
    r = _api_post(api(world.cast.worker), case, world.cast.ngo, now - 5 * DAY)
    assert r.status_code == 400 and "withdrawn" in " ".join(r.json()["consent"])
    assert not ServiceDelivery.objects.system().filter(case=case).exists()
    # Delivered on "1 March", lawfully, and logged on "10 March": the later withdrawal does not undo it.
    r = _api_post(api(world.cast.worker), case, world.cast.ngo, now - 9 * DAY)
    assert r.status_code == 201, r.json()
    page = _page_post(login(world.cast.worker), case, world.cast.ngo, now - 8 * DAY)
    assert page.status_code == 302, page.content.decode()[:2000]
    assert ServiceDelivery.objects.system().filter(case=case).count() == 2


def test_a_service_dated_after_the_consent_expired_is_refused(world, api):
    case = world.adult()
    now = timezone.now()
    world.consent(case, "service", service="psychological", given_at=now - 20 * DAY, expires_at=now - 10 * DAY)
    r = _api_post(api(world.cast.worker), case, world.cast.ngo, now - 5 * DAY)
    assert r.status_code == 400 and "expired" in " ".join(r.json()["consent"])
    # Delivered while it was in force: logged.
    assert _api_post(api(world.cast.worker), case, world.cast.ngo, now - 15 * DAY).status_code == 201


def test_the_receiving_shelter_cannot_backdate_an_admission_before_the_consent(world, api):
    """The receiver's side: the shelter admits with a date before the person consented to the shelter."""
    case = world.adult()
    now = timezone.now()
    world.refer_to_shelter(case, consented_at=now - 2 * DAY)
    manager = api(world.manager)
    r = manager.post("/api/v1/stays/", {"case": str(case.uuid), "facility": str(world.shelter.uuid),
                                        "group": "women", "admitted_at": (now - 6 * DAY).isoformat()}, format="json")
    assert r.status_code == 400 and "given later" in " ".join(r.json()["consent"]), r.json()
    assert not Stay.objects.system().filter(case=case).exists()
    r = manager.post("/api/v1/stays/", {"case": str(case.uuid), "facility": str(world.shelter.uuid),
                                        "group": "women", "admitted_at": (now - DAY).isoformat()}, format="json")
    assert r.status_code == 201, r.json()


def test_a_return_completed_on_a_day_after_the_withdrawal_is_refused(world, api):
    case = world.adult()
    today = timezone.localdate()
    receiving = make_institution("iom-tashkent", "international_org", name_az="IOM Daşkənd", is_nonprofit=True)
    plan = services.plan_return(actor=world.cast.worker, case=case, direction="voluntary_return",
                                country=term("country", "UZ"), receiving_organisation=receiving)
    services.update_return(actor=world.cast.worker, plan=plan, data={
        "risk_level": "low", "risk_notes": "Recruiter convicted; family supportive", "documents_status": "ready",
        "travel_date": today - 10 * DAY}, expected_version=plan.version)
    now = timezone.now()
    consent = world.consent(case, "return", given_at=now - 20 * DAY)
    with mock.patch("django.utils.timezone.now", return_value=now - 5 * DAY):
        # withdrawn five days ago (the return plan ends with it: prepared again for this test)
        withdraw_consent(actor=world.cast.worker, consent=consent, note="Wants to stay.")
    ReturnPlan.objects.row(plan).update(status=ReturnStatus.PLANNED)
    plan.refresh_from_db()
    worker = api(world.cast.worker)
    r = worker.post(f"/api/v1/returns/{plan.uuid}/complete/", {
        "completed_on": str(today - 2 * DAY), "version": plan.version}, format="json")
    assert r.status_code == 400 and "withdrawn" in " ".join(r.json()["consent"]), r.json()
    plan.refresh_from_db()
    assert plan.status == ReturnStatus.PLANNED
    # She returned on a day the consent was in force; recorded later, it stands.
    r = worker.post(f"/api/v1/returns/{plan.uuid}/complete/", {
        "completed_on": str(today - 10 * DAY), "version": plan.version}, format="json")
    assert r.status_code == 200, r.json()
