"""The API journey: a shelter admits a referred person, a case worker builds and reviews the plan,
services are logged, the allowance is paid once, the case is closed — plus the refusals."""
import datetime

from django.utils import timezone

from nicat.assistance.models import Stay
from nicat.audit.models import AuditEvent


def test_the_whole_journey_through_the_api(world, api):
    case = world.recognise(world.adult())
    world.refer_to_shelter(case)
    manager, worker = api(world.manager), api(world.cast.worker)

    facilities = manager.get("/api/v1/facilities/").json()["results"]
    assert facilities[0]["uuid"] == str(world.shelter.uuid) and "address" not in facilities[0]
    r = manager.post("/api/v1/stays/", {"case": str(case.uuid), "facility": str(world.shelter.uuid),
                                        "group": "women"}, format="json")
    assert r.status_code == 201, r.json()
    stay = r.json()
    assert manager.get(f"/api/v1/facilities/{world.shelter.uuid}/").json()["occupancy"][0]["occupied"] == 1
    history = manager.get(f"/api/v1/facilities/{world.shelter.uuid}/occupancy/").json()
    assert history["series"]["women"][-1] == 1

    r = worker.post("/api/v1/rehabilitation-plans/", {"case": str(case.uuid)}, format="json")
    assert r.status_code == 201, r.json()
    plan = r.json()
    r = worker.post(f"/api/v1/rehabilitation-plans/{plan['uuid']}/goals/", {
        "area": "legal", "description": "Lawyer for the criminal proceedings",
        "responsible_institution": str(world.cast.ngo.uuid)}, format="json")
    assert r.status_code == 201, r.json()
    legal = r.json()
    r = worker.post(f"/api/v1/rehabilitation-plans/{plan['uuid']}/goals/", {
        "area": "employment", "description": "A job", "responsible_institution": str(world.cast.ngo.uuid)},
        format="json")
    employment = r.json()
    r = worker.post(f"/api/v1/rehabilitation-plans/{plan['uuid']}/agreement/", {
        "declined_goals": [employment["uuid"]], "version": plan["version"]}, format="json")
    assert r.status_code == 400 and "consent" in r.json()  # the consent to legal assistance is missing
    # given the day before: in force when the service dated three hours ago was delivered
    world.consent(case, "service", service="legal", given_at=timezone.now() - datetime.timedelta(days=1))
    r = worker.post(f"/api/v1/rehabilitation-plans/{plan['uuid']}/agreement/", {
        "declined_goals": [employment["uuid"]], "version": plan["version"]}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "agreed", r.json()
    r = worker.post(f"/api/v1/plan-goals/{employment['uuid']}/actions/", {
        "description": "CV", "responsible_institution": str(world.cast.ngo.uuid)}, format="json")
    assert r.status_code == 400 and "declined" in str(r.json())

    when = (timezone.now() - datetime.timedelta(hours=3)).isoformat()
    r = worker.post("/api/v1/services-delivered/", {
        "case": str(case.uuid), "kind": "legal", "provider": str(world.cast.ngo.uuid), "delivered_at": when,
        "duration_minutes": 90, "goal": legal["uuid"], "price": "50"}, format="json")
    assert r.status_code == 400 and "free of charge" in str(r.json()["price"])
    r = worker.post("/api/v1/services-delivered/", {
        "case": str(case.uuid), "kind": "legal", "provider": str(world.cast.ngo.uuid), "delivered_at": when,
        "duration_minutes": 90, "goal": legal["uuid"]}, format="json")
    assert r.status_code == 201, r.json()
    r = worker.post("/api/v1/services-delivered/", {
        "case": str(case.uuid), "kind": "legal", "provider": str(world.business.uuid), "delivered_at": when,
        "duration_minutes": 90}, format="json")
    assert r.status_code == 400 and "provider" in r.json()

    payment = {"case": str(case.uuid), "kind": "one_time", "paid_on": "2024-10-01", "source": "state_budget"}
    r = worker.post("/api/v1/allowance-payments/", payment, format="json")
    assert r.status_code == 201 and r.json()["amount"] == "700.00" and r.json()["currency"] == "AZN"
    r = worker.post("/api/v1/allowance-payments/", {**payment, "source": "aid_fund"}, format="json")
    assert r.status_code == 400 and "already paid" in str(r.json())

    r = worker.patch(f"/api/v1/plan-goals/{legal['uuid']}/", {"status": "achieved", "outcome": "Represented",
                                                              "version": legal["version"]}, format="json")
    assert r.status_code == 200, r.json()
    r = worker.post(f"/api/v1/rehabilitation-plans/{plan['uuid']}/reviews/", {
        "summary": "All goals done; the person is reintegrated", "is_final": True}, format="json")
    assert r.status_code == 201, r.json()

    case.refresh_from_db()
    r = worker.post("/api/v1/case-closures/", {"case": str(case.uuid), "closure_reason": "ServicesCompleted",
                                               "version": case.version}, format="json")
    assert r.status_code == 400 and "still staying" in str(r.json())
    r = manager.post(f"/api/v1/stays/{stay['uuid']}/discharge/", {"end_kind": "completed", "version": 1},
                     format="json")
    assert r.status_code == 200, r.json()
    r = worker.post("/api/v1/case-closures/", {"case": str(case.uuid), "closure_reason": "ServicesCompleted",
                                               "version": case.version}, format="json")
    assert r.status_code == 201 and r.json()["status"] == "Closed", r.json()
    actions = set(AuditEvent.objects.filter(case_reference=case.reference).values_list("action", flat=True))
    assert {"stay.admit", "plan.create", "plan.goal_add", "plan.agree", "service.record", "allowance.pay",
            "plan.review", "stay.discharge", "case.update"} <= actions
    # The trail holds no identifying or free-text plaintext: encrypted fields and free text are sealed.
    import json

    for event in AuditEvent.objects.all():
        trail = json.dumps([event.changes, event.details, event.reason], ensure_ascii=False)
        for secret in ("Lawyer for the criminal", "Represented", "Məmmədova", "Aysel", "All goals done"):
            assert secret not in trail, (event.action, secret)


def test_a_case_one_may_not_see_is_a_400_naming_the_field(world, api):
    case = world.adult()
    r = api(world.cast.worker2).post("/api/v1/rehabilitation-plans/", {"case": str(case.uuid)}, format="json")
    assert r.status_code == 400 and "case" in r.json()


def test_lists_are_scoped_and_audited(world, api):
    case = world.adult()
    api(world.cast.worker).post("/api/v1/rehabilitation-plans/", {"case": str(case.uuid)}, format="json")
    assert api(world.cast.worker).get("/api/v1/rehabilitation-plans/").json()["count"] == 1
    assert api(world.cast.worker2).get("/api/v1/rehabilitation-plans/").json()["count"] == 0
    assert AuditEvent.objects.filter(action="plan.list").count() == 2


def test_stale_version_is_409(world, api):
    case = world.adult()
    world.refer_to_shelter(case)
    manager = api(world.manager)
    stay = manager.post("/api/v1/stays/", {"case": str(case.uuid), "facility": str(world.shelter.uuid),
                                           "group": "women"}, format="json").json()
    assert manager.post(f"/api/v1/stays/{stay['uuid']}/extend/", {"reason": "Needs time", "version": 1},
                        format="json").status_code == 200
    r = manager.post(f"/api/v1/stays/{stay['uuid']}/extend/", {"reason": "Needs time", "version": 1}, format="json")
    assert r.status_code == 409
    assert Stay.objects.system().get().extensions == 1


def test_address_via_api_only_for_own_staff(world, api):
    assert api(world.manager).get(f"/api/v1/facilities/{world.shelter.uuid}/address/").json()["address"] == \
        "Gizli küçə 1"
    assert api(world.cast.worker).get(f"/api/v1/facilities/{world.shelter.uuid}/address/").status_code == 403


def test_unrecognised_person_refused_allowance_with_reason(world, api):
    case = world.adult()
    r = api(world.cast.worker).post("/api/v1/allowance-payments/", {
        "case": str(case.uuid), "kind": "one_time", "paid_on": "2024-10-01", "source": "state_budget"},
        format="json")
    assert r.status_code == 400 and "not officially recognised" in str(r.json()["case"])


def test_schema_generates(world, api):
    r = api(world.cast.worker).get("/api/v1/schema/")
    assert r.status_code == 200
    assert b"/api/v1/stays/" in r.content and b"/api/v1/case-closures/" in r.content
