"""Recognition only by decision: the trafficking status follows the identification decisions and nothing
else sets it — not the case page, not the API, not intake — even for the Main Department's own officer
(who could set it by editing the case before). Each refusal says where the decision is recorded."""
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from nicat.audit.models import AuditEvent
from nicat.cases.models import Case, TraffickingStatus
from nicat.cases.services import update_case
from nicat.identification import services as identification
from nicat.identification.models import IdentificationDecision
from tests.support.world import verified_login

DECISION_PAGE = "/identification/cases/{uuid}/decide/"


def _officers_case(cast):
    return cast.open_case(actor=cast.officer)  # the Main Department's own case: its officer may decide on it


def test_the_api_refuses_the_status_with_a_message_pointing_to_the_decision_page(cast, api):
    case = _officers_case(cast)
    response = api(cast.officer).patch(f"/api/v1/cases/{case.uuid}/", {
        "trafficking_status": TraffickingStatus.ACTUAL, "version": case.version}, format="json")
    assert response.status_code == 400, response.content
    message = " ".join(response.json()["trafficking_status"])
    assert "identification decision" in message and DECISION_PAGE.format(uuid=case.uuid) in message
    case.refresh_from_db()
    assert case.trafficking_status == TraffickingStatus.POSSIBLE and case.version == 1
    assert not AuditEvent.objects.filter(action="case.update").exists()


def test_the_api_still_accepts_other_edits_and_the_unchanged_status(cast, api):
    case = _officers_case(cast)
    response = api(cast.officer).patch(f"/api/v1/cases/{case.uuid}/", {
        "trafficking_status": TraffickingStatus.POSSIBLE, "scope": "transnational", "version": case.version},
        format="json")
    assert response.status_code == 200, response.content
    assert response.json()["trafficking_status"] == TraffickingStatus.POSSIBLE


def test_the_api_refuses_a_recognised_case_at_intake(cast, api):
    response = api(cast.officer).post("/api/v1/cases/", {
        "person": {"given_name": "Aysel", "family_name": "Quliyeva"},
        "trafficking_status": TraffickingStatus.ACTUAL}, format="json")
    assert response.status_code == 400 and "trafficking_status" in response.json()
    assert not Case.objects.system().exists()


def test_the_case_page_refuses_a_status_sent_with_the_edit(cast, client):
    case = _officers_case(cast)
    verified_login(client, cast.officer)
    page = client.get(reverse("cases:edit", args=[case.uuid])).content.decode()
    assert 'name="trafficking_status"' in page and "disabled" in page  # shown, not editable
    response = client.post(reverse("cases:edit", args=[case.uuid]), {
        "version": case.version, "status": case.status, "scope": case.scope,
        "came_to_notice": case.came_to_notice or "", "first_contact_at": case.first_contact_at.strftime("%Y-%m-%d %H:%M"),
        "trafficking_status": TraffickingStatus.ACTUAL})
    body = response.content.decode()
    assert response.status_code in (200, 400) and DECISION_PAGE.format(uuid=case.uuid) in body
    case.refresh_from_db()
    assert case.trafficking_status == TraffickingStatus.POSSIBLE


def test_the_service_refuses_even_the_deciding_officer(cast):
    case = _officers_case(cast)
    with pytest.raises(ValidationError) as excinfo:
        update_case(actor=cast.officer, case=case, data={"trafficking_status": TraffickingStatus.NOT_A_VICTIM},
                    expected_version=case.version)
    assert "decision page" in " ".join(excinfo.value.message_dict["trafficking_status"])


def test_the_status_follows_the_decision(cast):
    case = _officers_case(cast)
    record = identification.record_decision(actor=cast.officer, case=case, expected_version=case.version, decision={
        "outcome": "recognised", "documents": [{"title": "Inquiry report", "reference": "MD-7"}]})
    case = Case.objects.system().get(pk=case.pk)
    assert case.trafficking_status == TraffickingStatus.ACTUAL
    assert IdentificationDecision.objects.system().filter(case=case).latest("pk") == record
    assert case.identification.status == "recognised"
