"""Issue 14, item 8: residence permits and returns created through the API keep every field the
page accepts (they used to be dropped while the API answered 201); implausible dates are refused."""
import datetime

from django.utils import timezone

from nicat.assistance.models import FollowUp, ResidencePermit, ReturnPlan


def test_a_permit_created_with_status_dates_and_number_keeps_them(world, api):
    case = world.adult()
    # The application is made on her request only (consent purpose residence_permit), before it was lodged.
    world.consent(case, "residence_permit", given_at=timezone.now() - datetime.timedelta(days=10))
    today = timezone.localdate()
    worker = api(world.cast.worker)
    r = worker.post("/api/v1/residence-permits/", {
        "case": str(case.uuid), "status": "granted", "applied_on": str(today - datetime.timedelta(days=9)),
        "decided_on": str(today - datetime.timedelta(days=2)), "expires_on": str(today + datetime.timedelta(days=300)),
        "permit_number": "TRP-0042", "note": "Granted quickly."}, format="json")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert (body["status"], body["permit_number"], body["expires_on"]) == (
        "granted", "TRP-0042", str(today + datetime.timedelta(days=300)))
    permit = ResidencePermit.objects.system().get(uuid=body["uuid"])
    assert permit.status == "granted" and permit.decided_on == today - datetime.timedelta(days=2)
    assert worker.get(f"/api/v1/residence-permits/{body['uuid']}/").json()["permit_number"] == "TRP-0042"


def test_a_permit_with_dates_in_reverse_order_is_refused_and_not_created(world, api):
    case = world.adult()
    today = timezone.localdate()
    worker = api(world.cast.worker)
    r = worker.post("/api/v1/residence-permits/", {
        "case": str(case.uuid), "status": "granted", "applied_on": str(today),
        "decided_on": str(today - datetime.timedelta(days=30))}, format="json")
    assert r.status_code == 400 and "decided_on" in r.json()
    r = worker.post("/api/v1/residence-permits/", {
        "case": str(case.uuid), "status": "applied", "applied_on": str(today - datetime.timedelta(days=3)),
        "expires_on": str(today - datetime.timedelta(days=400))}, format="json")
    assert r.status_code == 400 and "expires_on" in r.json()
    r = worker.post("/api/v1/residence-permits/", {
        "case": str(case.uuid), "status": "applied", "applied_on": "0001-01-01"}, format="json")
    assert r.status_code == 400 and "1900" in r.json()["applied_on"][0]
    assert not ResidencePermit.objects.system().filter(case=case).exists()


def test_fields_nicat_sets_are_refused_not_silently_dropped(world, api):
    case = world.adult()
    worker = api(world.cast.worker)
    r = worker.post("/api/v1/residence-permits/", {"case": str(case.uuid), "reflection_period_ends": "2030-01-01",
                                                   "colour": "blue"}, format="json")
    assert r.status_code == 400
    assert set(r.json()) == {"reflection_period_ends", "colour"}
    r = worker.post("/api/v1/returns/", {"case": str(case.uuid), "direction": "voluntary_return", "country": "UZ",
                                         "status": "completed"}, format="json")
    assert r.status_code == 400 and "status" in r.json()
    assert not ReturnPlan.objects.system().filter(case=case).exists()


def test_a_return_created_with_risk_documents_and_travel_keeps_them(world, api):
    case = world.adult()
    travel = timezone.localdate() + datetime.timedelta(days=14)
    worker = api(world.cast.worker)
    r = worker.post("/api/v1/returns/", {
        "case": str(case.uuid), "direction": "voluntary_return", "country": "UZ",
        "receiving_organisation_name": "IOM Tashkent", "risk_level": "low",
        "risk_notes": "Family supportive, recruiter convicted.", "documents_status": "ready",
        "documents_notes": "Passport renewed.", "travel_date": str(travel), "travel_notes": "Flight via Baku."},
        format="json")
    assert r.status_code == 201, r.json()
    plan = ReturnPlan.objects.system().get(uuid=r.json()["uuid"])
    assert (plan.risk_level, plan.documents_status, plan.travel_date) == ("low", "ready", travel)
    assert plan.risk_notes == "Family supportive, recruiter convicted." and plan.travel_notes == "Flight via Baku."
    assert plan.risk_assessed_on == timezone.localdate()
    r = worker.post("/api/v1/returns/", {
        "case": str(case.uuid), "direction": "voluntary_return", "country": "TR", "risk_level": "high"},
        format="json")
    assert r.status_code == 400 and "risk_notes" in r.json()
    assert ReturnPlan.objects.system().filter(case=case).count() == 1


def test_a_follow_up_due_in_year_9999_is_refused(world, api):
    case = world.adult()
    worker = api(world.cast.worker)
    r = worker.post("/api/v1/follow-ups/", {"case": str(case.uuid), "due_on": "9999-12-31"}, format="json")
    assert r.status_code == 400 and "due_on" in r.json()
    assert not FollowUp.objects.system().filter(case=case).exists()
