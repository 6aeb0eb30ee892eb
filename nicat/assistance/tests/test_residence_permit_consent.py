"""A temporary residence permit is applied for "on request" (Repatriation Rules, 10.09.2013; Council of Europe
Convention Art. 14): the application tells the migration authority about her and is a measure taken for her, so
it needs her recorded consent for that purpose (`residence_permit`), in force on the day it was lodged; her
refusal stops its tracking, and a withdrawal withdraws the application. Before, a worker marked the permit
"applied" for a person who had never asked (or had refused)."""
import datetime

from django.urls import reverse
from django.utils import timezone

from nicat.assistance import services
from nicat.assistance.models import PermitStatus, ResidencePermit
from nicat.consent.services import withdraw_consent

DAY = datetime.timedelta(days=1)


def _open(world, api, case):
    r = api(world.cast.worker).post("/api/v1/residence-permits/", {"case": str(case.uuid)}, format="json")
    assert r.status_code == 201, r.json()
    return r.json()


def test_an_application_without_her_request_is_refused_page_and_api(world, api, client):
    case = world.adult()
    body = _open(world, api, case)
    applied = str(timezone.localdate() - 2 * DAY)
    r = api(world.cast.worker).patch(f"/api/v1/residence-permits/{body['uuid']}/", {
        "status": "applied", "applied_on": applied, "version": body["version"]}, format="json")
    assert r.status_code == 400 and "residence permit" in " ".join(r.json()["consent"]), r.json()
    client.force_login(world.cast.worker)
    page = client.post(reverse("assistance:permit_edit", args=[body["uuid"]]), {
        "status": "applied", "applied_on": applied, "version": body["version"]})
    assert page.status_code == 400 and "Applying for a temporary residence permit" in page.content.decode()
    assert ResidencePermit.objects.system().get(uuid=body["uuid"]).status == PermitStatus.NOT_REQUESTED
    # She asked for it three days ago: the application lodged two days ago is recorded.
    world.consent(case, "residence_permit", given_at=timezone.now() - 3 * DAY)
    r = api(world.cast.worker).patch(f"/api/v1/residence-permits/{body['uuid']}/", {
        "status": "applied", "applied_on": applied, "version": body["version"]}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "applied", r.json()


def test_an_application_lodged_before_she_asked_is_refused(world, api):
    case = world.adult()
    body = _open(world, api, case)
    world.consent(case, "residence_permit", given_at=timezone.now() - 3 * DAY)
    r = api(world.cast.worker).patch(f"/api/v1/residence-permits/{body['uuid']}/", {
        "status": "applied", "applied_on": str(timezone.localdate() - 10 * DAY), "version": body["version"]},
        format="json")
    assert r.status_code == 400 and "given later" in " ".join(r.json()["consent"]), r.json()


def test_her_refusal_stops_the_tracking_and_a_withdrawal_withdraws_the_application(world, api):
    refused = world.adult(given_name="Nərgiz")
    world.consent(refused, "residence_permit", decision="refused")
    r = api(world.cast.worker).post("/api/v1/residence-permits/", {"case": str(refused.uuid)}, format="json")
    assert r.status_code == 400 and "refused" in " ".join(r.json()["consent"]), r.json()
    assert not ResidencePermit.objects.system().filter(case=refused).exists()

    case = world.adult()
    consent = world.consent(case, "residence_permit", given_at=timezone.now() - 3 * DAY)
    permit = services.open_residence_permit(actor=world.cast.worker, case=case)
    services.update_residence_permit(actor=world.cast.worker, permit=permit, data={
        "status": "applied", "applied_on": timezone.localdate() - DAY}, expected_version=permit.version)
    withdraw_consent(actor=world.cast.worker, consent=consent, note="She wants to go home instead.")
    permit.refresh_from_db()
    assert permit.status == PermitStatus.WITHDRAWN
