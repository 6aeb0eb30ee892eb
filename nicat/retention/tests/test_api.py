"""The API of requests to erase or correct data: recorded by the owner institution's staff, decided by its
supervisor, read only by the owner institution, every step audited; bad input is a 400 that names the field."""
import datetime

import pytest
from django.test import Client
from django.urls import reverse

from nicat.accounts.models import Role
from nicat.audit.models import AuditEvent
from nicat.core.calendar import baku_today
from nicat.persons.models import Person
from tests.support.identification import refer_with_consent
from tests.support.world import make_user, verified_login

URL = "/api/v1/data-requests/"


@pytest.fixture(autouse=True)
def own_ledger(tmp_path, settings):
    settings.NICAT_ERASURE_LEDGER = str(tmp_path / "erased-person-keys.txt")


@pytest.fixture
def supervisor(cast):
    return make_user("sup", cast.ngo, Role.SUPERVISOR)


@pytest.fixture
def case(cast):
    return cast.open_case(person={"given_name": "Nərmin", "family_name": "Səhv", "phone": "+994501112233"})


def _record(client, case, **extra):
    body = {"case": str(case.uuid), "kind": "correction", "requested_on": baku_today().isoformat(),
            "details": "Her family name was written wrong", "corrections": {"family_name": "Düzgün"}, **extra}
    return client.post(URL, body, format="json")


def test_a_correction_is_recorded_read_and_applied_through_the_api(api, cast, case, supervisor):
    response = _record(api(cast.worker), case)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["corrections"], body["recorded_by"]) == ("open", {"family_name": "Düzgün"}, "worker")
    assert AuditEvent.objects.filter(action="datarequest.record", case_uuid=str(case.uuid)).count() == 1

    listed = api(supervisor).get(URL, {"case": str(case.uuid)})
    assert listed.status_code == 200 and [r["uuid"] for r in listed.json()["results"]] == [body["uuid"]]
    read = api(supervisor).get(f"{URL}{body['uuid']}/")
    assert read.status_code == 200 and read.json()["details"] == "Her family name was written wrong"
    assert AuditEvent.objects.filter(action="datarequest.view", actor_username="sup").count() == 1

    # the worker may not decide; a missing or stale version is refused; then the supervisor approves
    refused = api(cast.worker).post(f"{URL}{body['uuid']}/decide/", {"decision": "approve", "reason": "x",
                                                                      "version": body["version"]}, format="json")
    assert refused.status_code == 403 and "supervisor" in refused.json()["detail"]
    missing = api(supervisor).post(f"{URL}{body['uuid']}/decide/", {"decision": "approve", "reason": "x"},
                                   format="json")
    assert missing.status_code == 400 and "version" in missing.json()
    stale = api(supervisor).post(f"{URL}{body['uuid']}/decide/", {"decision": "approve", "reason": "x",
                                                                   "version": body["version"] + 5}, format="json")
    assert stale.status_code == 409
    decided = api(supervisor).post(f"{URL}{body['uuid']}/decide/", {"decision": "approve", "reason": "Her passport",
                                                                     "version": body["version"]}, format="json")
    assert decided.status_code == 200, decided.content
    assert decided.json()["status"] == "approved" and decided.json()["decided_by"] == "sup"
    assert Person.objects.system().get(pk=case.person_id).family_name == "Düzgün"
    again = api(supervisor).post(f"{URL}{body['uuid']}/decide/", {"decision": "refuse", "reason": "x",
                                                                    "version": decided.json()["version"]},
                                 format="json")
    assert again.status_code == 400 and "already been decided" in str(again.json())


def test_an_approved_erasure_shreds_the_person(api, cast, case, supervisor):
    body = _record(api(cast.worker), case, kind="erasure", corrections={}).json()
    response = api(supervisor).post(f"{URL}{body['uuid']}/decide/", {"decision": "approve", "reason": "Her right",
                                                                      "version": body["version"]}, format="json")
    assert response.status_code == 200, response.content
    person = Person.objects.system().get(pk=case.person_id)
    assert person.erased_at and person.erasure_basis == "request"
    assert AuditEvent.objects.filter(action="person.erase").get().details["request"] == body["uuid"]


@pytest.mark.parametrize("change, field, words", [
    ({"corrections": {"citizenships": ["AZ"]}}, "corrections", "cannot be corrected"),
    ({"corrections": {}}, "corrections", "at least one corrected value"),
    ({"details": ""}, "details", ""),
    ({"kind": "delete"}, "kind", ""),
    ({"requested_on": (baku_today() + datetime.timedelta(days=2)).isoformat()}, "requested_on", "future"),
    ({"corrections": {"birth_date": "31.02.1990"}}, "birth_date", "YYYY-MM-DD"),
])
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(api, cast, case, change, field, words):
    response = _record(api(cast.worker), case, **change)
    assert response.status_code == 400, response.content
    assert field in response.json() and words in str(response.json()[field])
    assert not AuditEvent.objects.filter(action="datarequest.record").exists()


def test_outside_the_owner_institution_nothing_is_seen_or_written(api, cast, case, supervisor):
    body = _record(api(cast.worker), case).json()
    # another NGO: does not see the case — a 400 on create, 404 on the request, an empty list
    other = api(cast.worker2)
    assert _record(other, case).status_code == 400
    assert other.get(f"{URL}{body['uuid']}/").status_code == 404
    assert other.post(f"{URL}{body['uuid']}/decide/", {"decision": "approve", "reason": "x",
                                                       "version": body["version"]}, format="json").status_code == 404
    assert other.get(URL).json()["results"] == []
    # the competent authority sees the case through the referral for identification, not the request
    refer_with_consent(cast.worker, case)
    officer = api(cast.officer)
    assert officer.get(f"/api/v1/cases/{case.uuid}/").status_code == 200
    assert officer.get(f"{URL}{body['uuid']}/").status_code == 404
    assert officer.get(URL, {"case": str(case.uuid)}).json()["results"] == []
    assert _record(officer, case).status_code == 403
    page = verified_login(Client(), cast.officer)
    assert page.get(reverse("retention:request", args=[body["uuid"]])).status_code == 404
    # the analyst: aggregates only
    assert api(cast.analyst).get(URL).status_code == 403
    views = AuditEvent.objects.filter(action="datarequest.view")
    assert not views.exclude(actor_username="worker").exists()
