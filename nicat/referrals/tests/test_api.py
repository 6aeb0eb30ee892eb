"""The API of consent and referrals: gating, refusal, legal bases, withdrawal with revocation."""
import base64
import datetime

import pytest
from django.utils import timezone

from nicat.referrals.models import Referral, Status

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def when(minutes=10):
    return (timezone.now() - datetime.timedelta(minutes=minutes)).isoformat()


def give(client, case, purpose="referral", institution=None, decision="given", **extra):
    body = {"case": str(case.uuid), "purpose": purpose, "decision": decision, "method": "written",
            "given_at": when(), **extra}
    if institution is not None:
        body["institution"] = str(institution.uuid)
    return client.post("/api/v1/consents/", body, format="json")


def refer(client, case, to, purpose="referral", **extra):
    return client.post("/api/v1/referrals/", {"case": str(case.uuid), "to_institution": str(to.uuid),
                                              "purpose": purpose, "urgency": "urgent", "message": "Bed needed.",
                                              "shared_sections": ["identity"], **extra}, format="json")


@pytest.fixture
def ngo(api, world):
    return api(world.worker)


@pytest.fixture
def shelter(api, world):
    return api(world.shelter_staff)


def test_referral_without_consent_is_a_400_naming_the_missing_consent(world, ngo):
    case = world.open_case()
    response = refer(ngo, case, world.shelter)
    assert response.status_code == 400
    assert "consent" in response.json() and world.shelter.name in response.json()["consent"][0]
    assert Referral.objects.system().count() == 0


def test_refusal_through_the_api_is_respected(world, ngo):
    case = world.open_case()
    assert give(ngo, case, institution=world.shelter, decision="refused").status_code == 201
    response = refer(ngo, case, world.shelter)
    assert response.status_code == 400 and "consent" in response.json()


def test_consent_validation_errors_are_field_errors(world, ngo):
    case = world.open_case()
    response = give(ngo, case, method="interpreter", expires_at=when(60 * 24))
    assert response.status_code == 400
    assert {"institution", "interpreter_language", "expires_at"} <= set(response.json())
    response = give(ngo, case, purpose="family_contact", signed_form="not base64!!")
    assert response.status_code == 400 and "signed_form" in response.json()
    response = give(ngo, case, purpose="family_contact", signed_form=base64.b64encode(b"GIF89a").decode())
    assert response.status_code == 400 and "signed_form" in response.json()
    response = give(ngo, case, purpose="family_contact", signed_form=base64.b64encode(PNG).decode())
    assert response.status_code == 201 and response.json()["has_form"] is True
    download = ngo.get(f"/api/v1/consents/{response.json()['uuid']}/form/")
    assert download.status_code == 200 and download.content == PNG


def test_full_referral_cycle_and_withdrawal_with_revocation(world, ngo, shelter):
    case = world.open_case()
    consent = give(ngo, case, institution=world.shelter)
    assert consent.status_code == 201, consent.json()
    created = refer(ngo, case, world.shelter)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "pending" and body["case_reference"] == case.reference
    # The shelter sees it in its queue, without access to the case yet.
    queue = shelter.get("/api/v1/referrals/?box=incoming").json()["results"]
    assert [r["uuid"] for r in queue] == [body["uuid"]] and queue[0]["message"] == "Bed needed."
    assert shelter.get(f"/api/v1/cases/{case.uuid}/").status_code == 404
    # Accept: the case becomes visible.
    accepted = shelter.post(f"/api/v1/referrals/{body['uuid']}/accept/", {"version": body["version"]}, format="json")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert accepted.json()["response_seconds"] is not None
    assert shelter.get(f"/api/v1/cases/{case.uuid}/").status_code == 200
    assert shelter.post(f"/api/v1/referrals/{body['uuid']}/accept/", {}, format="json").status_code == 400
    progress = shelter.post(f"/api/v1/referrals/{body['uuid']}/progress/", {"text": "Settled in."}, format="json")
    assert progress.status_code == 200 and progress.json()["status"] == "in_progress"
    # The person withdraws: the referral is revoked and the shelter loses the case at once.
    withdrawn = ngo.post(f"/api/v1/consents/{consent.json()['uuid']}/withdraw/", {"note": "Wants to leave."},
                         format="json")
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "withdrawn"
    assert Referral.objects.system().get(uuid=body["uuid"]).status == Status.REVOKED
    assert shelter.get(f"/api/v1/cases/{case.uuid}/").status_code == 404
    assert shelter.get("/api/v1/referrals/?box=incoming").json()["results"] == []
    assert shelter.get(f"/api/v1/referrals/{body['uuid']}/").status_code == 404
    assert ngo.get(f"/api/v1/referrals/{body['uuid']}/").json()["status"] == "revoked"
    assert ngo.post(f"/api/v1/consents/{consent.json()['uuid']}/withdraw/", {}, format="json").status_code == 400


def test_decline_cancel_complete_through_the_api(world, ngo, shelter):
    case = world.open_case()
    give(ngo, case, institution=world.shelter)
    first = refer(ngo, case, world.shelter).json()
    assert shelter.post(f"/api/v1/referrals/{first['uuid']}/decline/", {}, format="json").status_code == 400
    declined = shelter.post(f"/api/v1/referrals/{first['uuid']}/decline/", {"reason": "No place.", "version": first["version"]},
                            format="json")
    assert declined.json()["status"] == "declined"
    second = refer(ngo, case, world.shelter).json()
    assert shelter.post(f"/api/v1/referrals/{second['uuid']}/cancel/", {"reason": "x"}, format="json").status_code \
        == 404
    assert ngo.post(f"/api/v1/referrals/{second['uuid']}/cancel/", {"reason": "Found a family placement.",
                                                                   "version": second["version"]},
                    format="json").json()["status"] == "cancelled"
    third = refer(ngo, case, world.shelter).json()
    accepted = shelter.post(f"/api/v1/referrals/{third['uuid']}/accept/", {"version": third["version"]}, format="json")
    done = shelter.post(f"/api/v1/referrals/{third['uuid']}/complete/",
                        {"text": "Left for home.", "version": accepted.json()["version"]}, format="json")
    assert done.json()["status"] == "completed"
    assert shelter.get(f"/api/v1/cases/{case.uuid}/").status_code == 404
    closed = ngo.get(f"/api/v1/referrals/?box=outgoing&state=closed&case={case.uuid}").json()["results"]
    assert {r["status"] for r in closed} == {"declined", "cancelled", "completed"}


def test_legal_basis_through_the_api(world, ngo, api):
    case = world.open_case()
    bases = ngo.get("/api/v1/consents/legal-bases/").json()
    assert "court_order" in [b["code"] for b in bases]
    missing = refer(ngo, case, world.main_department, purpose="law_enforcement", legal_basis="court_order")
    assert missing.status_code == 400
    assert {"legal_basis_reason", "legal_basis_issuing_body", "legal_basis_order_number", "legal_basis_order_date",
            "legal_basis_copy", "legal_basis_sections"} <= set(missing.json())
    made = refer(ngo, case, world.main_department, purpose="law_enforcement", legal_basis="court_order",
                 legal_basis_reason="Court decision 2-1/55 of 1 May 2026",
                 legal_basis_issuing_body="Baku Grave Crimes Court", legal_basis_order_number="2-1/55",
                 legal_basis_order_date=str(timezone.localdate()), legal_basis_sections=["identity"],
                 legal_basis_copy=base64.b64encode(PNG).decode())
    assert made.status_code == 201, made.json()
    body = made.json()
    assert body["legal_basis_used"] == "court_order" and body["legal_basis_status"] == "pending"
    assert body["consent"] is None
    order = body["legal_basis_order"]
    supervisor = api(world.ca_supervisor)
    queue = supervisor.get("/api/v1/legal-basis-orders/?status=pending").json()["results"]
    assert [o["uuid"] for o in queue] == [order] and queue[0]["order_number"] == "2-1/55"
    assert supervisor.get(f"/api/v1/legal-basis-orders/{order}/copy/").content == PNG
    version = supervisor.get(f"/api/v1/legal-basis-orders/{order}/").json()["version"]
    approved = supervisor.post(f"/api/v1/legal-basis-orders/{order}/approve/", {"version": version}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    listing = ngo.get(f"/api/v1/consents/?case={case.uuid}")
    assert listing.status_code == 200


def test_outsiders_see_nothing(world, api):
    case = world.open_case()
    ngo = api(world.worker)
    consent = give(ngo, case, institution=world.shelter).json()
    made = refer(ngo, case, world.shelter).json()
    other = api(world.worker2)
    assert other.get("/api/v1/consents/").json()["results"] == []
    assert other.get(f"/api/v1/consents/{consent['uuid']}/").status_code == 404
    assert other.post(f"/api/v1/consents/{consent['uuid']}/withdraw/", {}, format="json").status_code == 404
    assert other.get("/api/v1/referrals/").json()["results"] == []
    assert other.get(f"/api/v1/referrals/{made['uuid']}/").status_code == 404
    assert other.post(f"/api/v1/referrals/{made['uuid']}/accept/", {}, format="json").status_code == 404
    assert give(other, case, institution=world.shelter).status_code == 400  # case not visible
    assert api(world.analyst).get("/api/v1/referrals/").json()["results"] == []


def test_notifications_api(world, ngo, shelter):
    case = world.open_case()
    give(ngo, case, institution=world.shelter)
    refer(ngo, case, world.shelter)
    items = shelter.get("/api/v1/notifications/?unread=1").json()["results"]
    assert [(n["kind"], n["case_reference"]) for n in items] == [("referral_received", case.reference)]
    assert shelter.post("/api/v1/notifications/mark-read/").json() == {"marked": 1}
    assert shelter.get("/api/v1/notifications/?unread=1").json()["results"] == []


def test_institutions_api_hides_confidential_addresses(world, api):
    ngo = api(world.worker)
    rows = {r["code"]: r for r in ngo.get("/api/v1/institutions/?service=shelter").json()["results"]}
    assert list(rows) == ["state-shelter"] and rows["state-shelter"]["address"] is None
    mine = api(world.shelter_staff).get(f"/api/v1/institutions/{world.shelter.uuid}/").json()
    assert mine["address"] == "Gizli küçə 7, Bakı"
    assert api(world.officer).get(f"/api/v1/institutions/{world.shelter.uuid}/").json()["address"]
    assert ngo.get("/api/v1/institutions/?service=teleport").status_code == 400


def test_receiving_institution_sees_who_consented_only_when_identity_is_shared(world, api):
    import datetime as dt

    from nicat.consent.models import GivenBy
    from nicat.referrals import services
    from tests.support.referrals import consent, referral_data

    case = world.open_case(person={"birth_date": timezone.localdate() - dt.timedelta(days=365 * 15)})
    consent(world.worker, case, "referral", world.shelter, given_by=GivenBy.LEGAL_REPRESENTATIVE,
            representative_name="Rəna Əliyeva", representative_relation="mother", child_view="Agrees.")
    referral = services.create_referral(actor=world.worker, case=case,
                                        data=referral_data(world.shelter, shared_sections=["contacts"]))
    services.accept_referral(actor=world.shelter_staff, referral=referral, expected_version=referral.version)
    row = api(world.shelter_staff).get(f"/api/v1/consents/?case={case.uuid}").json()["results"][0]
    assert row["representative_name"] is None and row["child_view"] is None and row["purpose"] == "referral"
    assert api(world.worker).get(f"/api/v1/consents/?case={case.uuid}").json()["results"][0][
        "representative_name"] == "Rəna Əliyeva"


def test_referral_reads_are_audited_as_before_and_an_outsider_leaves_no_read(world, api):
    """The API reads referrals through `selectors.REFERRALS`: a read is `referral.view` on the case while
    the reader may see the message (not for the receiver of a closed referral), one referral by its id
    whatever `?state=` the list shows; a list that shows a message (free text about the person) is
    `referral.list` naming the cases — it was not recorded before (law 3; the route-by-route sweep,
    tests/test_every_read_audited.py, found it); another NGO's worker gets 404 on every door and leaves no read
    event."""
    from nicat.audit.models import AuditEvent

    case = world.open_case()
    ngo, shelter = api(world.worker), api(world.shelter_staff)
    give(ngo, case, institution=world.shelter)
    made = refer(ngo, case, world.shelter).json()
    uuid = made["uuid"]
    before = AuditEvent.objects.count()
    listed = ngo.get("/api/v1/referrals/").json()["results"]
    assert [r["uuid"] for r in listed] == [uuid] and listed[0]["message"]
    listing = AuditEvent.objects.get(sequence__gt=before, action="referral.list")
    assert listing.details["cases"] == [str(case.uuid)] and listing.details["channel"] == "api"
    assert listed[0]["message"] not in str(listing.details)
    assert ngo.get(f"/api/v1/referrals/{uuid}/?state=closed").status_code == 200
    event = AuditEvent.objects.filter(action="referral.view").latest("sequence")
    assert event.actor_id == world.worker.pk and event.details == {"channel": "api"}
    assert event.case_uuid == str(case.uuid) and event.object_id == str(uuid)
    outsider = api(world.worker2)
    views = AuditEvent.objects.filter(action="referral.view").count()
    assert outsider.get(f"/api/v1/referrals/{uuid}/").status_code == 404
    for door in ("accept", "decline", "cancel", "progress", "complete", "arrival", "return-plan"):
        assert outsider.post(f"/api/v1/referrals/{uuid}/{door}/", {"reason": "No.", "version": 1},
                             format="json").status_code == 404, door
    assert outsider.get(f"/api/v1/referrals/{uuid}/return-plan/").status_code == 404
    assert outsider.get("/api/v1/referrals/not-a-uuid/").status_code == 404
    assert AuditEvent.objects.filter(action="referral.view").count() == views
    assert Referral.objects.system().get(uuid=uuid).status == Status.PENDING
    # The receiver of a closed referral sees its state, not its message: that read is not recorded.
    declined = shelter.post(f"/api/v1/referrals/{uuid}/decline/", {"reason": "No bed.", "version": made["version"]},
                            format="json")
    assert declined.status_code == 200
    views = AuditEvent.objects.filter(action="referral.view").count()
    answer = shelter.get(f"/api/v1/referrals/{uuid}/")
    assert answer.status_code == 200 and answer.json()["message"] is None
    assert AuditEvent.objects.filter(action="referral.view").count() == views
