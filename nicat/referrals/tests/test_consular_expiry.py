"""An expired consent to notify an embassy ends what rested on it, as a withdrawal does: a referral to the embassy
made under another purpose (a return) stops giving it the case at the expiry, and the periodic job revokes it and
tells the owner. Time is moved with the tests' clock helper (`mock.patch("django.utils.timezone.now")`)."""
import datetime
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from nicat.cases.models import Case
from nicat.consent.models import Purpose
from nicat.core.jobs import periodic_jobs
from nicat.referrals import services
from nicat.referrals.models import Notification, NotificationKind, Referral, Status
from tests.support.referrals import consent, referral_data
from tests.support.world import term

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def _sees(user, case):
    return Case.objects.visible_to(user).filter(pk=case.pk).exists()


def _return_referral(world, api, *, expires_in):
    case = world.open_case(person={"given_name": "Dilnoza", "citizenships": [term("country", "UZ")]})
    consent(world.worker, case, Purpose.RETURN)  # no expiry: only the consent to notify the embassy expires
    consent(world.worker, case, Purpose.CONSULAR_NOTIFICATION, world.embassy_uz,
            expires_at=timezone.now() + expires_in)
    r = api(world.worker).post("/api/v1/referrals/", {
        "case": str(case.uuid), "to_institution": str(world.embassy_uz.uuid), "purpose": Purpose.RETURN,
        "shared_sections": ["identity"], "message": "Travel documents for her return."}, format="json")
    assert r.status_code == 201, r.json()
    return case, r.json()


def test_the_embassy_stops_receiving_the_case_when_the_consent_to_notify_it_expires(world, api, client):
    case, body = _return_referral(world, api, expires_in=2 * DAY)
    consul = api(world.uz_consul)
    r = consul.post(f"/api/v1/referrals/{body['uuid']}/accept/", {"version": body["version"]}, format="json")
    assert r.status_code == 200, r.json()
    assert consul.get(f"/api/v1/cases/{case.uuid}/").status_code == 200
    later = timezone.now() + 3 * DAY
    with mock.patch("django.utils.timezone.now", return_value=later):
        # At the next read, before any job ran: the case is out of the embassy's sight, page and API.
        assert not _sees(world.uz_consul, case)
        assert consul.get(f"/api/v1/cases/{case.uuid}/").status_code == 404
        client.force_login(world.uz_consul)
        assert client.get(reverse("cases:detail", args=[case.uuid])).status_code == 404
        # The embassy cannot act on the referral any more (it plans the travel of nobody it may know of).
        r = consul.post(f"/api/v1/referrals/{body['uuid']}/progress/", {"note": "Passport ready.",
                                                                       "version": r.json()["version"]},
                        format="json")
        assert r.status_code in (400, 404), r.content
        # The job treats the expiry as a withdrawal: revoked, the owner (and the embassy) told, audited.
        assert services.revoke_for_expired_consents() == 1
    referral = Referral.objects.system().get(uuid=body["uuid"])
    assert referral.status == Status.REVOKED
    told = Notification.objects.filter(kind=NotificationKind.REFERRAL_CONSENT_EXPIRED, case_reference=case.reference)
    assert told.filter(user=world.worker).exists() and told.filter(user=world.uz_consul).exists()
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert services.revoke_for_expired_consents() == 0  # once
    assert "referrals.consent_expiry" in periodic_jobs()


def test_a_pending_referral_cannot_be_accepted_nor_read_by_the_embassy_after_the_expiry(world, api):
    """The receiver's side: the embassy opens or accepts a referral after the consent to notify it expired."""
    case, body = _return_referral(world, api, expires_in=DAY)
    consul = api(world.uz_consul)
    assert consul.get(f"/api/v1/referrals/{body['uuid']}/").json().get("message")
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + 2 * DAY):
        seen = consul.get(f"/api/v1/referrals/{body['uuid']}/")
        assert not (seen.status_code == 200 and seen.json().get("message")), seen.json()
        r = consul.post(f"/api/v1/referrals/{body['uuid']}/accept/", {"version": body["version"]}, format="json")
        assert r.status_code == 400 and "no longer in force" in str(r.json()), r.json()
    assert Referral.objects.system().get(uuid=body["uuid"]).status == Status.PENDING
    assert not _sees(world.uz_consul, case)


def test_a_consent_still_in_force_keeps_the_referral(world, api):
    case, body = _return_referral(world, api, expires_in=10 * DAY)
    consul = api(world.uz_consul)
    assert consul.post(f"/api/v1/referrals/{body['uuid']}/accept/", {"version": body["version"]},
                       format="json").status_code == 200
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + 2 * DAY):
        assert services.revoke_for_expired_consents() == 0
        assert _sees(world.uz_consul, case)


def _shelter_referral(world, *, expires_in):
    case = world.open_case()
    consent(world.worker, case, Purpose.REFERRAL, world.shelter, expires_at=timezone.now() + expires_in)
    referral = services.create_referral(actor=world.worker, case=case, data=referral_data(world.shelter))
    services.accept_referral(actor=world.shelter_staff, referral=referral, expected_version=referral.version)
    assert _sees(world.shelter_staff, case)
    return case, referral


def test_an_expired_consent_of_any_purpose_revokes_its_referral_and_tells_each_side_once(world):
    case, referral = _shelter_referral(world, expires_in=DAY)
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + 2 * DAY):
        assert not _sees(world.shelter_staff, case)  # the read already stopped at the expiry
        assert services.revoke_for_expired_consents() == 1
        assert services.revoke_for_expired_consents() == 0  # once
    referral.refresh_from_db()
    assert referral.status == Status.REVOKED
    told = Notification.objects.filter(kind=NotificationKind.REFERRAL_CONSENT_EXPIRED, case_reference=case.reference)
    # The owner is also the sender: told once; the receiver told once.
    assert told.filter(user=world.worker).count() == 1
    assert told.filter(user=world.shelter_staff).count() == 1


def test_a_referral_whose_expired_consent_was_renewed_stays_on_the_new_one(world):
    case, referral = _shelter_referral(world, expires_in=DAY)
    renewed = consent(world.worker, case, Purpose.REFERRAL, world.shelter)
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + 2 * DAY):
        assert services.revoke_for_expired_consents() == 0
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED and referral.consent_id == renewed.pk
    assert _sees(world.shelter_staff, case)


def test_the_embassy_no_longer_reads_a_consular_notification_once_its_consent_expired(world, api, client):
    """The consular notification itself: its own consent is the consent to notify the embassy. Once it expired,
    the embassy reads neither the message (detail, list, page) nor the referral's texts — before the job runs."""
    case = world.open_case(person={"given_name": "Dilnoza", "citizenships": [term("country", "UZ")]})
    consent(world.worker, case, Purpose.CONSULAR_NOTIFICATION, world.embassy_uz, expires_at=timezone.now() + DAY)
    r = api(world.worker).post("/api/v1/referrals/", {
        "case": str(case.uuid), "to_institution": str(world.embassy_uz.uuid),
        "purpose": Purpose.CONSULAR_NOTIFICATION, "shared_sections": ["identity"],
        "message": "Dilnoza Karimova, passport AB1234567, is in a shelter in Baku."}, format="json")
    assert r.status_code == 201, r.json()
    uuid = r.json()["uuid"]
    consul = api(world.uz_consul)
    assert "AB1234567" in consul.get(f"/api/v1/referrals/{uuid}/").json()["message"]
    client.force_login(world.uz_consul)
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + 2 * DAY):
        seen = consul.get(f"/api/v1/referrals/{uuid}/")
        assert seen.status_code in (200, 404)
        assert "AB1234567" not in seen.content.decode(), "the message after the consent to notify expired"
        listed = consul.get("/api/v1/referrals/?box=incoming")
        assert "AB1234567" not in listed.content.decode()
        page = client.get(reverse("referrals:detail", args=[uuid]))
        assert "AB1234567" not in page.content.decode()
    # The owner who sent it still reads it.
    assert "AB1234567" in api(world.worker).get(f"/api/v1/referrals/{uuid}/").json()["message"]


def test_a_receiving_centre_no_longer_reads_the_message_or_return_plan_once_the_consent_expired(world, api):
    """Any receiver, any purpose: the referral's own consent expired — the case is out of its sight at once, and
    so are the message and the travel plan (who, where, when), not only after the job revoked it."""
    case = world.open_case(actor=world.consul)
    consent(world.consul, case, Purpose.RETURN, world.centre, expires_at=timezone.now() + DAY)
    referral = services.create_referral(actor=world.consul, case=case, data=referral_data(
        world.centre, purpose=Purpose.RETURN, shared_sections=["identity", "return"], service="return",
        message="Arrives with her son; meet her at the gate."))
    services.accept_referral(actor=world.centre_worker, referral=referral, expected_version=referral.version)
    services.save_return_plan(actor=world.consul, referral=referral, data={
        "travel_date": timezone.localdate() + 3 * DAY, "arrival_point": "Heydər Əliyev airport, terminal 1",
        "travel_details": "Flight J2-012"})
    centre = api(world.centre_worker)
    assert centre.get(f"/api/v1/referrals/{referral.uuid}/return-plan/").status_code == 200
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + 2 * DAY):
        assert not _sees(world.centre_worker, case)
        assert centre.get(f"/api/v1/referrals/{referral.uuid}/").json()["message"] is None
        plan = centre.get(f"/api/v1/referrals/{referral.uuid}/return-plan/")
        assert plan.status_code == 404 and "J2-012" not in plan.content.decode()
