"""The identification API: screenings, referral, decisions and the certificate, with field errors."""
import pytest
from django.utils import timezone

from nicat.audit.models import AuditEvent
from nicat.cases.models import Case, TraffickingStatus
from tests.support.identification import identification_consent

pytestmark = pytest.mark.django_db


def test_screening_create_continue_complete(api, cast, adult_case):
    client = api(cast.worker)
    response = client.post("/api/v1/screenings/", {
        "case": str(adult_case.uuid), "acts": ["recruitment"], "acts_facts": "Job advert online",
        "answers": {"deceptive_recruitment.job_nature": {"answer": "yes", "facts": "Hotel job"}}}, format="json")
    assert response.status_code == 201, response.data
    body = response.data
    assert body["status"] == "draft" and body["version"] == 1
    assert body["recommendation"]["next_step"] == "refer_assistance" and body["recommendation"]["reasons"]
    uuid = body["uuid"]

    response = client.patch(f"/api/v1/screenings/{uuid}/", {
        "version": 1, "means": ["deception"], "purposes": ["forced_labour"], "complete": True}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["status"] == "completed"
    assert response.data["recommendation"]["next_step"] == "refer_identification"
    assert response.data["answers"]["deceptive_recruitment.job_nature"]["facts"] == "Hotel job"

    got = client.get(f"/api/v1/screenings/{uuid}/")
    assert got.status_code == 200 and got.data["recommendation"]["indicated"] is True
    assert AuditEvent.objects.filter(action="identification.screening.view").exists()
    listed = client.get(f"/api/v1/screenings/?case={adult_case.uuid}")
    assert [s["uuid"] for s in listed.data["results"]] == [uuid]


def test_screening_bad_input_gives_field_errors(api, cast, child_case):
    client = api(cast.worker)
    response = client.post("/api/v1/screenings/", {"case": str(child_case.uuid), "purposes": ["space_travel"]},
                           format="json")
    assert response.status_code == 400 and "purposes" in response.data
    assert "space_travel" in response.data["purposes"][0]
    response = client.post("/api/v1/screenings/", {"case": str(child_case.uuid), "population": "adult"},
                           format="json")
    assert response.status_code == 400 and "population" in response.data
    response = client.post("/api/v1/screenings/", {"case": str(child_case.uuid), "answers": {
        "coercion_at_destination.violence": {"answer": "sometimes"}}}, format="json")
    assert response.status_code == 400 and "answers" in response.data
    response = client.post("/api/v1/screenings/", {"case": "6b3f6f7e-0000-4000-8000-000000000000"}, format="json")
    assert response.status_code == 400 and "case" in response.data


def test_screening_update_needs_version_and_detects_conflicts(api, cast, adult_case):
    client = api(cast.worker)
    uuid = client.post("/api/v1/screenings/", {"case": str(adult_case.uuid)}, format="json").data["uuid"]
    assert client.patch(f"/api/v1/screenings/{uuid}/", {"acts_facts": "x"}, format="json").status_code == 400
    assert client.patch(f"/api/v1/screenings/{uuid}/", {"acts_facts": "x", "version": 1},
                        format="json").status_code == 200
    stale = client.patch(f"/api/v1/screenings/{uuid}/", {"acts_facts": "y", "version": 1}, format="json")
    assert stale.status_code == 409


def test_screenings_of_other_institutions_are_not_found(api, cast, adult_case):
    uuid = api(cast.worker).post("/api/v1/screenings/", {"case": str(adult_case.uuid)}, format="json").data["uuid"]
    assert api(cast.worker2).get(f"/api/v1/screenings/{uuid}/").status_code == 404
    assert api(cast.worker2).get("/api/v1/screenings/").data["results"] == []


def test_referral_and_decision_through_the_api(api, cast, adult_case):
    worker, officer = api(cast.worker), api(cast.officer)
    assert officer.get(f"/api/v1/identification/cases/{adult_case.uuid}/").status_code == 404
    response = worker.post(f"/api/v1/identification/cases/{adult_case.uuid}/refer/", {"note": "Urgent"},
                           format="json")
    assert response.status_code == 400 and "consent" in response.data
    identification_consent(cast.worker, adult_case)
    response = worker.post(f"/api/v1/identification/cases/{adult_case.uuid}/refer/", {"note": "Urgent"},
                           format="json")
    assert response.data["referral_in_force"] is True and response.data["consent"]
    assert response.status_code == 201 and response.data["status"] == "referred"
    assert response.data["deadlines"][0]["kind"] == "referral" and response.data["deadlines"][0]["state"] == "done"

    state = officer.get(f"/api/v1/identification/cases/{adult_case.uuid}/")
    assert state.status_code == 200 and state.data["trafficking_status"] == "PossibleVictimOfTrafficking"
    version = Case.objects.system().get(pk=adult_case.pk).version
    decision = {"case": str(adult_case.uuid), "outcome": "recognised", "version": version,
                "decided_on": timezone.localdate().isoformat(), "release_from_liability": True,
                "documents": [{"title": "Inquiry report", "date": "2026-01-05", "reference": "MD-9"}],
                "certificate_language": "en"}
    refused = worker.post("/api/v1/identification/decisions/", decision, format="json")
    # Refused for the role, as the page refuses it (403 with the reason; it answered 400 before).
    assert refused.status_code == 403 and "Only an identification officer" in refused.data["detail"]
    assert Case.objects.system().get(pk=adult_case.pk).trafficking_status == TraffickingStatus.POSSIBLE
    bad = officer.post("/api/v1/identification/decisions/", {**decision, "documents": []}, format="json")
    assert bad.status_code == 400 and "documents" in bad.data
    created = officer.post("/api/v1/identification/decisions/", decision, format="json")
    assert created.status_code == 201, created.data
    assert Case.objects.system().get(pk=adult_case.pk).trafficking_status == TraffickingStatus.ACTUAL
    stale = officer.post("/api/v1/identification/decisions/", decision, format="json")
    assert stale.status_code == 409

    pdf = worker.get(f"/api/v1/identification/decisions/{created.data['uuid']}/certificate/?lang=ru")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="identification.certificate.print").count() == 1
    got = worker.get(f"/api/v1/identification/decisions/{created.data['uuid']}/")
    assert got.status_code == 200 and got.data["documents"][0]["reference"] == "MD-9"


def test_schema_includes_the_identification_endpoints(api, cast):
    schema = api(cast.worker).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "/api/v1/screenings/" in text and "/api/v1/identification/decisions/" in text


def test_a_referral_retried_with_its_key_is_answered_as_the_first_was(api, cast, adult_case):
    """A retried referral used to be refused ("already referred"); with its Idempotency-Key the client gets the
    first answer again, and the case is referred once."""
    worker = api(cast.worker)
    identification_consent(cast.worker, adult_case)
    url = f"/api/v1/identification/cases/{adult_case.uuid}/refer/"
    first = worker.post(url, {"note": "Urgent"}, format="json", HTTP_IDEMPOTENCY_KEY="refer-1")
    second = worker.post(url, {"note": "Urgent"}, format="json", HTTP_IDEMPOTENCY_KEY="refer-1")
    assert first.status_code == second.status_code == 201, (first.content, second.content)
    assert second.json()["uuid"] == first.json()["uuid"] and second.json()["status"] == "referred"
    assert second["Idempotent-Replayed"] == "true"
    assert AuditEvent.objects.filter(action="identification.referral", case_reference=adult_case.reference).count() == 1
    assert worker.post(url, {"note": "Else"}, format="json", HTTP_IDEMPOTENCY_KEY="refer-1").status_code == 422
    # An officer of the competent authority may read the referral; another NGO's retry under the key gets nothing.
    stranger = api(cast.worker2).post(url, {"note": "Urgent"}, format="json", HTTP_IDEMPOTENCY_KEY="refer-1")
    assert stranger.status_code == 404 and "Idempotent-Replayed" not in stranger
