"""The REST API answers the same data as the pages, with clear 400s and scoped 404s."""
import pytest
from django.utils import timezone

from nicat.cases.models import Case


@pytest.fixture
def worker_api(api, cast):
    return api(cast.worker)


NEW_CASE = {
    "person": {"given_name": "Günel", "family_name": "Əliyeva", "aliases": ["Гюнель Алиева"],
               "birth_date": "2001-05-06", "gender": "feminine", "citizenships": ["AZ"],
               "documents": [{"type": "passport", "number": "C01234567", "country": "AZ"}]},
    "came_to_notice": "hotline",
    "exploitation_forms": ["sexual_exploitation"],
    "acts": ["recruitment", "transporting"],
    "countries_of_exploitation": ["TR"],
    "scope": "transnational",
    "summary": "Promised a job as a waitress.",
}


def test_create_read_update_case(worker_api, cast):
    response = worker_api.post("/api/v1/cases/", NEW_CASE, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["reference"].startswith("NCT-") and body["person"]["family_name"] == "Əliyeva"
    assert body["person"]["documents"][0]["number"] == "C01234567"
    assert body["exploitation_forms"] == ["sexual_exploitation"]
    url = f"/api/v1/cases/{body['uuid']}/"
    assert worker_api.get(url).json()["summary"] == "Promised a job as a waitress."
    patched = worker_api.patch(url, {"status": "FollowUp", "version": body["version"]}, format="json")
    assert patched.status_code == 200 and patched.json()["version"] == body["version"] + 1
    stale = worker_api.patch(url, {"status": "Active", "version": body["version"]}, format="json")
    assert stale.status_code == 409 and "changed by someone else" in stale.json()["detail"] or stale.status_code == 409


def test_list_filters_and_scope(worker_api, api, cast):
    mine = worker_api.post("/api/v1/cases/", NEW_CASE, format="json").json()
    other = api(cast.worker2).post("/api/v1/cases/", NEW_CASE, format="json").json()
    refs = [c["reference"] for c in worker_api.get("/api/v1/cases/").json()["results"]]
    assert mine["reference"] in refs and other["reference"] not in refs
    assert worker_api.get(f"/api/v1/cases/{other['uuid']}/").status_code == 404
    assert worker_api.get("/api/v1/cases/", {"exploitation": "forced_labour"}).json()["count"] == 0
    assert worker_api.get("/api/v1/cases/", {"status": "Active"}).json()["count"] == 1
    assert worker_api.get("/api/v1/cases/", {"reference": mine["reference"]}).json()["count"] == 1
    assert worker_api.get("/api/v1/cases/", {"status": "Nonsense"}).status_code == 400


def test_bad_input_gets_field_errors_and_writes_nothing(worker_api):
    bad = {**NEW_CASE, "exploitation_forms": ["pickpocketing"], "person": {**NEW_CASE["person"],
                                                                          "birth_date": "31.02.2001"}}
    response = worker_api.post("/api/v1/cases/", bad, format="json")
    assert response.status_code == 400
    body = response.json()
    assert "pickpocketing" in body["exploitation_forms"][0] and "/api/v1/vocabularies/exploitation/" in \
        body["exploitation_forms"][0]
    assert "birth_date" in body["person"]
    assert Case.objects.system().count() == 0


def test_service_validation_reaches_the_client_as_400(worker_api):
    future = (timezone.now() + timezone.timedelta(days=30)).isoformat()
    response = worker_api.post("/api/v1/cases/", {**NEW_CASE, "first_contact_at": future}, format="json")
    assert response.status_code == 400 and "first_contact_at" in response.json()
    response = worker_api.post("/api/v1/cases/", {**NEW_CASE, "person": {"given_name": ""}}, format="json")
    assert response.status_code == 400 and "given_name" in response.json()


def test_notes_and_events(worker_api):
    case = worker_api.post("/api/v1/cases/", NEW_CASE, format="json").json()
    base = f"/api/v1/cases/{case['uuid']}"
    assert worker_api.post(f"{base}/notes/", {"text": "First interview done."}, format="json").status_code == 201
    assert worker_api.post(f"{base}/notes/", {"text": "   "}, format="json").status_code == 400
    event = {"kind": "Exploitation", "country": "TR", "place": "Antalya", "date_from": "2024-06-01"}
    assert worker_api.post(f"{base}/events/", event, format="json").status_code == 201
    assert worker_api.get(f"{base}/notes/").json()[0]["text"] == "First interview done."
    assert worker_api.get(f"{base}/events/").json()[0]["place"] == "Antalya"


def test_persons_endpoint(worker_api, api, cast):
    case = worker_api.post("/api/v1/cases/", NEW_CASE, format="json").json()
    person_url = f"/api/v1/persons/{case['person']['uuid']}/"
    person = worker_api.get(person_url).json()
    assert person["aliases"] == ["Гюнель Алиева"]
    patched = worker_api.patch(person_url, {"phone": "+994 55 111 22 33", "version": person["version"]},
                               format="json")
    assert patched.status_code == 200 and patched.json()["phone"] == "+994 55 111 22 33"
    assert worker_api.patch(person_url, {"phone": "x"}, format="json").status_code == 400  # no version
    assert api(cast.worker2).get(person_url).status_code == 404


def test_unauthenticated_and_revoked_tokens_are_refused(client, cast, api):
    assert client.get("/api/v1/cases/").status_code in (401, 403)
    from rest_framework.test import APIClient

    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token nct_not-a-real-token")
    assert bad.get("/api/v1/cases/").status_code == 401


def test_analyst_sees_no_cases(api, cast):
    cast.open_case()
    response = api(cast.analyst).get("/api/v1/cases/")
    assert response.status_code == 200 and response.json()["count"] == 0


def test_schema_and_docs_are_served_locally(client, db):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200 and b"/api/v1/cases/" in schema.content
    docs = client.get("/api/v1/docs/").content.decode()
    assert "swagger-ui" in docs and "cdn" not in docs.lower() and "unpkg" not in docs
    asset = [line for line in docs.split('"') if line.endswith("swagger-ui-bundle.js")][0]
    assert asset.startswith("/static/") and client.get(asset).status_code == 200


def test_vocabularies_endpoint(worker_api):
    names = [v["vocabulary"] for v in worker_api.get("/api/v1/vocabularies/").json()]
    assert "exploitation" in names
    codes = [t["code"] for t in worker_api.get("/api/v1/vocabularies/exploitation/").json()]
    assert "forced_labour" in codes
    assert worker_api.get("/api/v1/vocabularies/nope/").status_code == 404


def test_case_reads_are_audited_as_before_and_an_outsider_reads_and_changes_nothing(api, cast):
    """The cases API reads through `cases.selectors.CASES`: case.list for the acting institution, naming the
    cases and persons shown; case.view on the case; a worker of another NGO gets 404 on the case, its
    change, its notes and its route, and leaves no read event."""
    from nicat.audit.models import AuditEvent

    case = cast.open_case()
    own = api(cast.worker)
    assert [r["uuid"] for r in own.get("/api/v1/cases/").json()["results"]] == [str(case.uuid)]
    listed = AuditEvent.objects.filter(action="case.list", actor_id=cast.worker.pk).latest("sequence")
    assert listed.details == {"channel": "api", "shown": 1, "cases": [str(case.uuid)],
                              "persons": [str(case.person.uuid)]}
    assert listed.institution_id == cast.ngo.pk
    outsider = api(cast.worker2)
    reads = AuditEvent.objects.filter(action__in=("case.view", "note.list", "event.list")).count()
    assert outsider.get("/api/v1/cases/").json()["results"] == []
    assert outsider.get(f"/api/v1/cases/{case.uuid}/").status_code == 404
    assert outsider.patch(f"/api/v1/cases/{case.uuid}/", {"summary": "x", "version": case.version},
                          format="json").status_code == 404
    for door in ("notes", "events"):
        assert outsider.get(f"/api/v1/cases/{case.uuid}/{door}/").status_code == 404
    assert outsider.post(f"/api/v1/cases/{case.uuid}/notes/", {"text": "x"}, format="json").status_code == 404
    assert outsider.post(f"/api/v1/cases/{case.uuid}/events/", {"kind": "Exploitation"},
                         format="json").status_code == 404
    assert AuditEvent.objects.filter(action__in=("case.view", "note.list", "event.list")).count() == reads
    assert Case.objects.system().get(pk=case.pk).version == case.version
    # A person of a case one may not see cannot be taken into a case of one's own.
    body = {**{k: v for k, v in NEW_CASE.items() if k != "person"}, "person_uuid": str(case.person.uuid)}
    refused = outsider.post("/api/v1/cases/", body, format="json")
    assert refused.status_code == 400 and "person_uuid" in refused.json()
