"""Tampered or foreign ids and forged fields that would widen access: a clear refusal, nothing changed."""
import uuid

from django.urls import reverse
from django.utils import timezone

from nicat.cases.models import Case, CaseNote
from tests.support.world import verified_login


def test_forged_owner_institution_on_the_intake_page_is_ignored(client, cast):
    verified_login(client, cast.worker)
    r = client.post(reverse("cases:new"), {
        "person-given_name": "Aynur", "case-came_to_notice": "hotline",
        "case-first_contact_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "case-scope": "internal",
        "case-owner_institution": str(cast.ngo2.uuid), "owner_institution": str(cast.ngo2.pk)})
    assert r.status_code == 302
    assert Case.objects.system().get().owner_institution == cast.ngo
    assert not Case.objects.visible_to(cast.worker2).exists()


def test_forged_owner_institution_in_the_api_is_ignored(cast, api):
    client = api(cast.worker)
    r = client.post("/api/v1/cases/", {"person": {"given_name": "Aynur"}, "owner_institution": str(cast.ngo2.uuid)},
                    format="json")
    assert r.status_code == 201 and r.json()["owner_institution"] == str(cast.ngo.uuid)
    case_uuid = r.json()["uuid"]
    r = client.patch(f"/api/v1/cases/{case_uuid}/", {"owner_institution": str(cast.ngo2.uuid), "version": 1},
                     format="json")
    assert r.status_code == 200
    assert Case.objects.system().get(uuid=case_uuid).owner_institution == cast.ngo


def test_tampered_and_foreign_ids_answer_404_and_change_nothing(client, cast, api):
    theirs = cast.open_case(actor=cast.worker2)
    verified_login(client, cast.worker)
    for url in (f"/cases/{uuid.uuid4()}/", "/cases/not-a-uuid/", f"/cases/{theirs.uuid}/",
                f"/cases/{theirs.uuid}/edit/", f"/cases/{theirs.uuid}/person/"):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("cases:note_add", args=[theirs.uuid]), {"text": "snooping"}).status_code == 404
    assert client.post(reverse("cases:edit", args=[theirs.uuid]), {"status": "Closed"}).status_code == 404
    c = api(cast.worker)
    for url in (f"/api/v1/cases/{theirs.uuid}/", "/api/v1/cases/not-a-uuid/", f"/api/v1/cases/{uuid.uuid4()}/",
                f"/api/v1/persons/{theirs.person.uuid}/", f"/api/v1/cases/{theirs.uuid}/notes/"):
        assert c.get(url).status_code == 404, url
    assert c.post(f"/api/v1/cases/{theirs.uuid}/notes/", {"text": "x"}, format="json").status_code == 404
    assert c.patch(f"/api/v1/cases/{theirs.uuid}/", {"status": "Closed", "version": 1},
                   format="json").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "Active" and not CaseNote.objects.system().filter(case=theirs).exists()
    assert c.post("/api/v1/cases/", {"person_uuid": str(theirs.person.uuid)}, format="json").status_code == 400
