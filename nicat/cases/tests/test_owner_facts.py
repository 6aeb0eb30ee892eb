"""A case's own facts — its status, how and when it began, its scope — are its owner's to change, and a case
is closed only through its close page (the plan's final review, the stay, the closing roles, the supervisor's
approval). A receiving institution that sees the narrative through an accepted referral may add to it; it may
not close, reopen or re-date the owner's case, through the API or the edit page (found by an adversarial
review: both succeeded)."""
import datetime

import pytest
from django.urls import reverse

from nicat.audit.models import AuditEvent
from nicat.cases.models import Case
from nicat.cases.services import update_case
from nicat.referrals.services import accept_referral, create_referral
from nicat.work.models import Approval, ApprovalSetting
from tests.support.referrals import consent, referral_data
from tests.support.world import build_world, verified_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast):
    return build_world(cast)


@pytest.fixture
def shared(world):
    """A case of the NGO shared with the assistance centre (identity and narrative), the referral accepted."""
    case = world.open_case(summary="Promised a job abroad.")
    consent(world.worker, case, institution=world.centre)
    referral = create_referral(actor=world.worker, case=case,
                               data=referral_data(world.centre, shared_sections=["identity", "narrative"]))
    accept_referral(actor=world.centre_worker, referral=referral, expected_version=referral.version)
    case.refresh_from_db()
    return case


def fresh(case):
    return Case.objects.system().get(pk=case.pk)


@pytest.mark.parametrize("change", [
    {"status": "Closed", "closure_reason": "DeclinedFurtherAssistance"},
    {"status": "FollowUp"},
    {"first_contact_at": "2001-01-01T00:00:00Z"},
    {"came_to_notice": "hotline"},
    {"scope": "transnational"},
])
def test_a_receiving_institution_cannot_change_the_owners_case_facts_through_the_api(world, shared, api, change):
    before = fresh(shared)
    response = api(world.centre_worker).patch(f"/api/v1/cases/{shared.uuid}/", {**change, "version": before.version},
                                              format="json")
    assert response.status_code == 403, response.content
    assert "owns the case" in response.json()["detail"]
    after = fresh(shared)
    assert (after.status, after.first_contact_at, after.came_to_notice, after.scope, after.version) == (
        before.status, before.first_contact_at, before.came_to_notice, before.scope, before.version)


def test_a_receiving_institution_still_adds_to_the_narrative_it_was_given(world, shared, api):
    response = api(world.centre_worker).patch(f"/api/v1/cases/{shared.uuid}/", {
        "summary": "Promised a job abroad; kept in a flat in Dubai.", "status": shared.status,
        "version": shared.version}, format="json")
    assert response.status_code == 200, response.content
    assert fresh(shared).summary == "Promised a job abroad; kept in a flat in Dubai."


def test_the_edit_page_of_a_receiving_institution_shows_the_owners_facts_and_ignores_what_is_posted(
        world, shared, client):
    verified_login(client, world.centre_worker)
    url = reverse("cases:edit", args=[shared.uuid])
    page = client.get(url).content.decode()
    assert "Changed only by the institution that owns the case." in page
    response = client.post(url, {
        "came_to_notice": "hotline", "first_contact_at": "2001-01-01T10:00", "scope": "transnational",
        "status": "Closed", "closure_reason": "DeclinedFurtherAssistance", "summary": "Seen at the centre.",
        "version": shared.version})
    assert response.status_code == 302
    after = fresh(shared)
    assert after.summary == "Seen at the centre."
    assert (after.status, after.first_contact_at, after.came_to_notice, after.scope) == (
        shared.status, shared.first_contact_at, shared.came_to_notice, shared.scope)


def test_the_owner_closes_only_through_the_close_page_where_the_approval_is_asked(cast, api, client):
    ApprovalSetting.objects.create(institution=cast.ngo, case_close=True)
    case = cast.open_case()
    response = api(cast.worker).patch(f"/api/v1/cases/{case.uuid}/", {
        "status": "Closed", "closure_reason": "DeclinedFurtherAssistance", "version": case.version}, format="json")
    assert response.status_code == 400 and "Close the case" in str(response.json()["status"])
    # Without a reason too: the way to close is said at once, beside what else is missing.
    response = api(cast.worker).patch(f"/api/v1/cases/{case.uuid}/", {"status": "Closed", "version": case.version},
                                      format="json")
    assert response.status_code == 400 and "Close the case" in str(response.json()["status"])
    assert "closure_reason" in response.json()
    verified_login(client, cast.worker)
    page = client.post(reverse("cases:edit", args=[case.uuid]), {
        "came_to_notice": case.came_to_notice, "scope": case.scope, "status": "Closed",
        "closure_reason": "DeclinedFurtherAssistance", "version": case.version,
        "first_contact_at": case.first_contact_at.strftime("%Y-%m-%dT%H:%M")})
    assert page.status_code == 200 and "Close the case" in page.content.decode()
    assert fresh(case).status == "Active" and fresh(case).version == case.version
    # The close page asks the supervisor instead of closing.
    client.post(reverse("assistance:close", args=[case.uuid]), {
        "version": case.version, "status": "Closed", "closure_reason": "DeclinedFurtherAssistance"})
    assert fresh(case).status == "Active"
    assert Approval.objects.system().filter(case=case, kind="case_close", status="pending").exists()


def test_the_owner_reopens_and_re_dates_its_own_case(cast):
    case = cast.open_case(status="Closed", closure_reason="Duplicate")
    case = update_case(actor=cast.worker, case=case, data={"status": "Active", "closure_reason": ""},
                       expected_version=case.version)
    assert fresh(case).status == "Active"
    earlier = case.first_contact_at - datetime.timedelta(days=3)
    update_case(actor=cast.worker, case=case, data={"first_contact_at": earlier}, expected_version=case.version)
    assert fresh(case).first_contact_at == earlier


def test_the_minute_the_form_sends_back_is_no_change_of_the_first_contact(cast):
    """The form shows the first contact to the minute; saving the summary must neither refuse a receiving
    institution for it nor cut the seconds off the stored time."""
    case = cast.open_case()
    stored = fresh(case).first_contact_at
    shown = stored.replace(second=0, microsecond=0)
    update_case(actor=cast.worker, case=case, data={"first_contact_at": shown, "summary": "Met at the border."},
                expected_version=case.version)
    assert fresh(case).first_contact_at == stored and fresh(case).summary == "Met at the border."


@pytest.mark.parametrize("route,action", [("cases:person_edit", "person.view"), ("cases:edit", "case.view")])
def test_an_edit_form_filled_with_stored_values_is_a_recorded_read(cast, client, route, action):
    """The person's form shows their names, birth date, phone and address; the case's its summary: both reads
    are in the audit trail, naming the case (neither was)."""
    case = cast.open_case(person={"phone": "+994 50 123 45 67", "address": "Gizli küçə 3"})
    verified_login(client, cast.worker)
    before = AuditEvent.objects.count()
    page = client.get(reverse(route, args=[case.uuid]))
    assert page.status_code == 200
    if route == "cases:person_edit":
        assert "Gizli küçə 3" in page.content.decode()
    events = AuditEvent.objects.order_by("sequence")[before:]
    assert [(e.action, e.case_uuid, e.details.get("form")) for e in events] == [(action, str(case.uuid), "edit")]
