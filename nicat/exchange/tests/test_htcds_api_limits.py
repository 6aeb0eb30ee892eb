"""What an HTCDS file through the API may not do, even for a supervisor of the competent authority (found by
review A; each test fails on the code before the fix):

- the export gives out a shelter's confidential address that the directory hides from the same supervisor;
- an import makes a recognised victim on a "decision" typed into the file (here, by an NGO), with no
  identification decision behind it;
- an import creates a new competent authority (whose supervisors approve legal bases, whose officers decide who
  is a victim), without the directory's service and without an audit event."""
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from nicat.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

HTCDS = "/api/v1/exchange/htcds/"
PURPOSE = "GRETA evaluation round, national coordinator"


@pytest.fixture
def world(cast):
    from tests.support.referrals import build_world

    return build_world(cast)


def _send(client, data):
    return client.post(HTCDS, {"file": SimpleUploadedFile(
        "in.json", json.dumps(data).encode(), content_type="application/octet-stream")}, format="multipart")


def _problems(answer):
    return {p["field"]: p["message"] for p in answer.json()["problems"]}


def test_the_htcds_export_keeps_the_shelters_address_confidential(world, api):
    world.open_case(actor=world.ca_supervisor)
    client = api(world.ca_supervisor)  # a supervisor of the Main Department, not an identification officer
    card = client.get(f"/api/v1/institutions/{world.shelter.uuid}/").json()
    assert card["address"] is None  # the directory's rule hides it from them
    got = client.get(HTCDS, {"format": "json", "purpose": PURPOSE})
    assert got.status_code == 200
    assert "Gizli küçə 7" not in got.content.decode("utf-8"), "the shelter's confidential address was exported"
    shelter = next(o for o in json.loads(got.content)["organisations"] if o["nct_Code"] == world.shelter.code)
    assert shelter["org_Name"] == world.shelter.name_az and shelter["org_ShippingStreet"] == ""
    event = AuditEvent.objects.get(action="htcds.export", actor=world.ca_supervisor)
    assert event.details["addresses_withheld"] >= 1
