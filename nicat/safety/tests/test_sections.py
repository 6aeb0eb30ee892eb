"""Security measures and relatives are sections of their own: invisible to every role and institution not
entitled to them; measures are read only with a reason, which the audit keeps; a referral that shares
"relatives" with consent shows them to the receiver, one that does not share them does not."""
import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from nicat.access import policy
from nicat.accounts.models import Role
from nicat.audit.models import AuditEvent
from nicat.audit.services import reason_text
from nicat.consent.models import Purpose
from nicat.referrals import services as referrals
from nicat.safety import selectors, services
from tests.support.referrals import build_world, consent, referral_data
from tests.support.world import make_institution, make_user

pytestmark = pytest.mark.django_db

REASON = "Preparing the escort to the hearing on Monday."


@pytest.fixture
def world(cast):
    w = build_world(cast)
    w.ngo_supervisor = make_user("ngo.supervisor", cast.ngo, Role.SUPERVISOR)
    w.doctor = make_user("doctor", make_institution("clinic", "medical", is_nonprofit=True), Role.MEDICAL_STAFF)
    w.police = make_institution("district-police", "law_enforcement")
    w.police_officer = make_user("district.officer", w.police, Role.IDENTIFICATION_OFFICER)
    w.police_worker = make_user("district.worker", w.police, Role.CASE_WORKER)
    return w


def _measure(actor, case, **extra):
    return services.add_security_measure(actor=actor, case=case, data={
        "kind": "confidential_address", "address": "Gizli ünvan 9, Gəncə", "responsible_body": "Baş İdarə",
        "starts_on": timezone.localdate(), "review_on": timezone.localdate() + datetime.timedelta(days=60),
        "person_view": "agrees", **extra})


def _reasons(action):
    """The reasons the events of `action` keep (sealed in the trail), as written."""
    return [reason_text(e.reason) for e in AuditEvent.objects.filter(action=action).order_by("sequence")]


def _relative(actor, case, **extra):
    return services.add_relative(actor=actor, case=case, data={
        "relation": "sibling", "given_name": "Elvin", "family_name": "Məmmədov", "phone": "+994 55 765 43 21",
        "contact": "Sumqayıt", "risk": "high", "risk_notes": "Threatened by the recruiter.",
        "measures": "Told to call 102.", **extra})


def test_who_sees_the_security_section(world):
    ngo_case = world.open_case()
    police_case = world.open_case(actor=world.police_worker)
    # The owning institution's supervisor sees it, its case workers do not.
    assert policy.can_see_section(world.ngo_supervisor, ngo_case, "security")
    assert not policy.can_see_section(world.worker, ngo_case, "security")
    # Law enforcement: an identification officer at a law-enforcement institution; not its case workers.
    assert policy.can_see_section(world.police_officer, police_case, "security")
    assert not policy.can_see_section(world.police_worker, police_case, "security")
    # Roles that never see it, and other institutions.
    assert "security" not in policy.visible_sections(world.shelter_staff)
    assert "security" not in policy.visible_sections(world.doctor)
    assert "security" not in policy.visible_sections(world.uz_consul)
    assert not policy.can_see_section(world.ngo_supervisor, police_case, "security")


def test_measures_are_refused_to_others_and_read_only_with_a_reason(world):
    case = world.open_case()
    with pytest.raises(PermissionDenied):
        _measure(world.worker, case)
    measure = _measure(world.ngo_supervisor, case)
    with pytest.raises(PermissionDenied):
        selectors.security_measures(user=world.worker, case=case, reason=REASON)
    with pytest.raises(ValidationError) as excinfo:
        selectors.security_measures(user=world.ngo_supervisor, case=case, reason="  ")
    assert "reason" in excinfo.value.message_dict
    assert not AuditEvent.objects.filter(action="security.list").exists()
    rows = selectors.security_measures(user=world.ngo_supervisor, case=case, reason=REASON)
    assert [m.uuid for m in rows] == [measure.uuid] and rows[0].address == "Gizli ünvan 9, Gəncə"
    event = AuditEvent.objects.get(action="security.list")
    assert reason_text(event.reason) == REASON and event.actor_id == world.ngo_supervisor.pk and event.case_uuid == str(case.uuid)


def test_measures_pages_and_api(world, api):
    case = world.open_case()
    _measure(world.ngo_supervisor, case, description="Escort by the district police.")
    url = reverse("safety:measures", args=[case.uuid])
    client = Client()
    client.force_login(world.worker)
    assert client.get(url).status_code == 403
    client.force_login(world.ngo_supervisor)
    first = client.get(url)
    assert first.status_code == 200 and "Gizli ünvan" not in first.content.decode()
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400 and "Gizli ünvan" not in refused.content.decode()
    shown = client.post(url, {"reason": REASON})
    assert shown.status_code == 200 and "Gizli ünvan 9, Gəncə" in shown.content.decode()
    assert _reasons("security.list") == [REASON]

    owner_api = api(world.ngo_supervisor)
    no_reason = owner_api.get("/api/v1/security-measures/", {"case": str(case.uuid)})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    listed = owner_api.get("/api/v1/security-measures/", {"case": str(case.uuid), "reason": "Court escort planning"})
    assert listed.status_code == 200 and listed.json()["results"][0]["address"] == "Gizli ünvan 9, Gəncə"
    assert "Court escort planning" in _reasons("security.list")
    assert api(world.worker).get("/api/v1/security-measures/", {"reason": REASON}).status_code == 403
    # A change goes through the version check; its answer shows the measure, so it needs a reason like a read
    # (a PATCH of only the version showed the address without one: found by the third review).
    uuid = listed.json()["results"][0]["uuid"]
    detail = f"/api/v1/security-measures/{uuid}/"
    for body in ({"version": 1}, {"ends_on": "2027-06-01", "version": 1}):
        bare = owner_api.patch(detail, body, format="json")
        assert bare.status_code == 400 and "reason" in bare.json() and "Gizli" not in bare.content.decode()
    assert not AuditEvent.objects.filter(action="security.update").exists()
    stale = owner_api.patch(detail + "?reason=Court+escort+planning", {"ends_on": "2027-06-01", "version": 7},
                            format="json")
    assert stale.status_code == 409, stale.content
    ok = owner_api.patch(detail + "?reason=Court+escort+planning", {"ends_on": "2027-06-01", "version": 1},
                         format="json")
    assert ok.status_code == 200 and ok.json()["version"] == 2
    assert AuditEvent.objects.filter(action="security.update").exists()
    assert _reasons("security.view") == ["Court escort planning"]


def test_relatives_are_invisible_to_roles_and_institutions_not_entitled(world, api):
    case = world.open_case()
    relative = _relative(world.worker, case)
    assert [r.uuid for r in selectors.case_relatives(user=world.worker, case=case)] == [relative.uuid]
    shelter_case = world.open_case(actor=world.shelter_staff)
    with pytest.raises(PermissionDenied):  # the shelter's own case: its staff's role does not see relatives
        _relative(world.shelter_staff, shelter_case)
    for outsider in (world.worker2, world.centre_worker, world.officer):
        assert api(outsider).get("/api/v1/relatives-at-risk/").json()["results"] == []
        assert api(outsider).get(f"/api/v1/relatives-at-risk/{relative.uuid}/").status_code == 404
    assert api(world.shelter_staff).get("/api/v1/relatives-at-risk/").status_code == 403


def test_a_referral_sharing_relatives_with_consent_shows_them_to_the_receiver(world, api):
    case = world.open_case()
    relative = _relative(world.worker, case)
    consent(world.worker, case, Purpose.REFERRAL, world.centre)
    referral = referrals.create_referral(actor=world.worker, case=case, data=referral_data(
        world.centre, shared_sections=["identity", "relatives"]))
    referrals.accept_referral(actor=world.centre_worker, referral=referral, expected_version=referral.version)
    assert policy.can_see_section(world.centre_worker, case, "relatives")
    body = api(world.centre_worker).get("/api/v1/relatives-at-risk/", {"case": str(case.uuid)}).json()
    assert [r["given_name"] for r in body["results"]] == ["Elvin"]
    client = Client()
    client.force_login(world.centre_worker)
    page = client.get(reverse("safety:case", args=[case.uuid])).content.decode()
    assert "Elvin Məmmədov" in page
    # Never the security measures: no purpose shares them.
    assert not policy.can_see_section(world.centre_worker, case, "security")
    assert relative.uuid


def test_a_referral_without_the_relatives_section_does_not_show_them(world, api):
    case = world.open_case()
    relative = _relative(world.worker, case)
    consent(world.worker, case, Purpose.REFERRAL, world.centre)
    referral = referrals.create_referral(actor=world.worker, case=case, data=referral_data(world.centre))
    referrals.accept_referral(actor=world.centre_worker, referral=referral, expected_version=referral.version)
    assert not policy.can_see_section(world.centre_worker, case, "relatives")
    assert api(world.centre_worker).get("/api/v1/relatives-at-risk/", {"case": str(case.uuid)}).json()["results"] == []
    assert api(world.centre_worker).get(f"/api/v1/relatives-at-risk/{relative.uuid}/").status_code == 404
    client = Client()
    client.force_login(world.centre_worker)
    page = client.get(reverse("safety:case", args=[case.uuid]))
    assert page.status_code == 200 and "Elvin" not in page.content.decode()
    assert client.get(reverse("safety:relative_edit", args=[relative.uuid])).status_code == 403


def test_relatives_are_found_only_by_blind_index(world, api):
    case = world.open_case()
    relative = _relative(world.worker, case)
    other = world.open_case(actor=world.worker2)
    _relative(world.worker2, other)
    assert len(relative.name_index) == 64 and relative.name_index != "Elvin"
    # Any spelling and order of the full name, or the phone in another format.
    for query in ({"name": "Mammadov Elvin"}, {"name": "Мамедов Эльвин"}, {"phone": "0557654321"}):
        found = selectors.find_relatives(user=world.worker, **query)
        assert [r.uuid for r in found] == [relative.uuid], query  # not the other NGO's relative
    assert selectors.find_relatives(user=world.worker, name="Elvin") == []  # a part of the name is no key
    body = api(world.worker).post("/api/v1/relatives-at-risk/search/", {"phone": "+994557654321"}, format="json").json()
    assert [r["uuid"] for r in body["results"]] == [str(relative.uuid)]
    assert AuditEvent.objects.filter(action="relative.search").exists()
