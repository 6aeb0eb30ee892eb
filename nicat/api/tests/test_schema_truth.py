"""What the seeded schemathesis run (test_schema_contract.py) found, pinned as quick checks."""
import yaml


def _schema(client):
    return yaml.safe_load(client.get("/api/v1/schema/").content)


def test_error_answers_are_documented(client, db):
    paths = _schema(client)["paths"]
    patch = paths["/api/v1/cases/{uuid}/"]["patch"]["responses"]
    assert {"200", "400", "401", "403", "404", "409", "413", "415"} <= set(patch)
    assert patch["409"]["content"]["application/json"]["schema"]["$ref"].endswith("/Conflict")
    assert patch["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/FieldErrors")
    assert "404" in paths["/api/v1/cases/"]["get"]["responses"]  # a page past the end


def test_lists_that_are_lists_and_created_answers(client, db):
    paths = _schema(client)["paths"]
    notes = paths["/api/v1/cases/{uuid}/notes/"]
    assert notes["get"]["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "array"
    assert "201" in notes["post"]["responses"] and "200" not in notes["post"]["responses"]
    legal = paths["/api/v1/consents/legal-bases/"]["get"]["responses"]["200"]
    assert legal["content"]["application/json"]["schema"]["type"] == "array"


def test_masked_fields_are_not_required_and_blank_email_is_allowed(client, db):
    components = _schema(client)["components"]["schemas"]
    assert "phone" not in components["Person"].get("required", [])
    assert "summary" not in components["Case"].get("required", [])
    email = components["Institution"]["properties"]["email"]
    assert {"maxLength": 0} in email["anyOf"]
    assert components["InstitutionReferral"]["properties"]["message"].get("nullable") is True


def test_malformed_ids_and_unknown_paths_answer_json_404(api, cast):
    worker = api(cast.worker)
    for url in ("/api/v1/cases/not-a-uuid/", "/api/v1/cases/%0A/", "/api/v1/no-such-thing/"):
        response = worker.get(url)
        assert response.status_code == 404 and response["Content-Type"] == "application/json", url
        assert response.json() == {"detail": "Not found."}
    assert worker.post("/api/v1/no-such-thing/", {}, format="json").status_code == 404  # not a CSRF 403
    assert worker.get("/api/v1/cases/", {"page": ""}).status_code == 404


def test_return_plan_without_a_plan_is_204(api, cast):
    from tests.support.world import ShelterWorld as World

    world = World(cast)
    case = world.adult()
    referral = world.refer_to_shelter(case)
    response = api(cast.worker).get(f"/api/v1/referrals/{referral.uuid}/return-plan/")
    assert response.status_code == 204 and response.content == b""
