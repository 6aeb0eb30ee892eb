"""A suspect's name never travels in an address (law 1): POST /api/v1/proceedings/perpetrators/search/ takes
it in the JSON body; the old `GET …/perpetrators/?name=` is refused with a 400 naming the POST, without
searching. Before the fix the list took `?name=`."""
import json

import pytest

from nicat.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_the_suspect_search_takes_the_name_in_the_body(police_case, api):
    c = police_case
    client = api(c.officer)
    found = client.post("/api/v1/proceedings/perpetrators/search/", {"name": "Qasimov Rauf"}, format="json")
    assert found.status_code == 200, found.content
    assert [p["uuid"] for p in found.json()["results"]] == [str(c.perpetrator.uuid)]
    assert found.wsgi_request.get_full_path() == "/api/v1/proceedings/perpetrators/search/"
    event = AuditEvent.objects.filter(action="perpetrator.list", actor=c.officer).latest("sequence")
    assert event.details["cases"] == [str(c.case.uuid)] and "Qasimov" not in json.dumps(event.details)
    assert client.post("/api/v1/proceedings/perpetrators/search/", {"name": "Leyla Quliyeva"},
                       format="json").json()["results"] == []
    blank = client.post("/api/v1/proceedings/perpetrators/search/", {"name": " "}, format="json")
    assert blank.status_code == 400 and "name" in blank.json()


def test_a_name_in_the_address_is_a_400_naming_the_post(police_case, api):
    c = police_case
    before = AuditEvent.objects.filter(action="perpetrator.list").count()
    refused = api(c.officer).get("/api/v1/proceedings/perpetrators/", {"name": "Rauf Qasımov"})
    assert refused.status_code == 400
    message = json.dumps(refused.json())
    assert "POST /api/v1/proceedings/perpetrators/search/" in message and str(c.perpetrator.uuid) not in message
    assert AuditEvent.objects.filter(action="perpetrator.list").count() == before
    listed = api(c.officer).get("/api/v1/proceedings/perpetrators/", {"case": str(c.case.uuid)})
    assert listed.status_code == 200 and listed.json()["count"] == 1
