"""The API answers JSON only. DRF's browsable API (its default second renderer) drew, for a browser signed in to
Nicat, an HTML page of its own: the case's identifying data in a page outside Nicat's templates and languages, with
a "raw data" form prefilled with the whole record, whose fields DRF's own template filter garbled
(`autocomplete="off form-control"`). People use the pages and the schema's documentation (/api/v1/docs/); the API's
answers are for tools."""
import pytest

from nicat.audit.models import AuditEvent
from tests.support.world import verified_login

pytestmark = pytest.mark.django_db

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_a_browser_signed_in_reads_a_case_through_the_api_as_json_not_as_an_html_page(cast, client):
    case = cast.open_case()
    verified_login(client, cast.worker)
    before = AuditEvent.objects.filter(action="case.view").count()
    answer = client.get(f"/api/v1/cases/{case.uuid}/", HTTP_ACCEPT=BROWSER)
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/json")
    assert answer.json()["uuid"] == str(case.uuid)
    assert AuditEvent.objects.filter(action="case.view").count() == before + 1


def test_asking_for_html_only_is_refused_in_json(cast, client):
    case = cast.open_case()
    verified_login(client, cast.worker)
    answer = client.get(f"/api/v1/cases/{case.uuid}/", HTTP_ACCEPT="text/html")
    assert answer.status_code == 406 and answer["Content-Type"].startswith("application/json")
    assert "detail" in answer.json()
    assert not AuditEvent.objects.filter(action="case.view", case_uuid=str(case.uuid)).exists()
