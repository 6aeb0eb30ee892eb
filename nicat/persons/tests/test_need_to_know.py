"""Issue 14, items 1 and 2: a person's record follows the visibility of their cases exactly, section by
section. Each test performs an attack that worked before: adopting a person seen through a referral or a
break-glass by opening one's own case with `person_uuid`, and writing sections one may not read."""
import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from nicat.access import policy
from nicat.access import services as access_services
from nicat.accounts.models import Role
from nicat.audit.models import AuditEvent
from nicat.cases.models import Case
from nicat.cases.services import add_note, open_case, update_case
from nicat.consent.models import Consent, Purpose
from nicat.consent.services import withdraw_consent
from nicat.core.errors import NotAllowed
from nicat.persons.models import Person
from nicat.persons.services import update_person
from nicat.referrals import services as referrals
from tests.support.referrals import consent, referral_data
from tests.support.world import make_institution, make_user, verified_login

PHONE = "+994 50 765 43 21"
ADDRESS = "Nizami küçəsi 12, mənzil 4, Gəncə"
REASON = "Person found injured at the border post; need the emergency contact recorded by the NGO."


def fresh(user):
    """The user as a new request sees them (the policy caches memberships and visibility per object)."""
    for attr in ("_nicat_memberships", "_nicat_case_visible"):
        if hasattr(user, attr):
            delattr(user, attr)
    return user


@pytest.fixture
def world(cast):
    from tests.support.referrals import build_world

    return build_world(cast)


@pytest.fixture
def referred_identity_only(world):
    """The first NGO refers its case to the second NGO, sharing identity only; the second NGO accepts."""
    case = world.open_case(person={"phone": PHONE, "address": ADDRESS, "email": "aysel@example.org"},
                           summary="What happened, in her words.")
    given = consent(world.worker, case, Purpose.REFERRAL, world.ngo2)
    referral = referrals.create_referral(actor=world.worker, case=case, data=referral_data(world.ngo2))
    referrals.accept_referral(actor=world.worker2, referral=referral, expected_version=referral.version)
    return case, given


def restrict(world, case, decision_reference):
    """An access-restriction order on `case` that no role is allowed past (`allowed_roles` empty)."""
    from nicat.access import services as restriction_services

    restriction_services.record_restriction_order(
        actor=world.officer, case_reference=case.reference, issued_by="prosecutor",
        issuing_body="Prosecutor General's Office", decision_reference=decision_reference,
        decided_on=timezone.localdate(), allowed_roles=[])


def new_case_body(person_uuid):
    return {"person_uuid": str(person_uuid), "came_to_notice": "self", "scope": "internal",
            "first_contact_at": (timezone.now() - datetime.timedelta(hours=1)).isoformat()}


def _came_to_notice():
    from nicat.cases.models import CameToNotice

    return CameToNotice.values[0]


# --- 1. Adopting a person ---------------------------------------------------------------------------

def test_second_ngo_cannot_adopt_a_person_it_sees_through_a_referral(api, world, referred_identity_only):
    case, given = referred_identity_only
    person = case.person
    client = api(world.worker2)
    # what the referral shares: the name, not the phone
    seen = client.get(f"/api/v1/persons/{person.uuid}/").json()
    assert seen["family_name"] == person.family_name and "phone" not in seen
    body = {**new_case_body(person.uuid), "came_to_notice": _came_to_notice()}
    response = client.post("/api/v1/cases/", body, format="json")
    assert response.status_code == 403, response.content
    message = str(response.json())
    assert "Main Department" in message or "Baş İdarə" in message or "coordinator" in message.lower()
    assert not Case.objects.system().filter(person=person, owner_institution=world.ngo2).exists()
    # the person is still shown only as the referral allows
    again = client.get(f"/api/v1/persons/{person.uuid}/").json()
    assert "phone" not in again and "address" not in again
    # and once the victim withdraws consent, the person is gone for the second NGO: list, detail, search
    withdraw_consent(actor=world.worker, consent=given)
    assert client.get(f"/api/v1/cases/{case.uuid}/").status_code == 404
    assert client.get(f"/api/v1/persons/{person.uuid}/").status_code == 404
    assert str(person.uuid) not in client.get("/api/v1/persons/").content.decode()
    assert client.post("/api/v1/persons/search/", {"q": person.family_name}, format="json").json() == []


def test_the_service_refuses_adoption_whatever_the_edge(world, referred_identity_only):
    case, _given = referred_identity_only
    with pytest.raises(PermissionDenied) as refused:
        open_case(actor=world.worker2, person=case.person, case_data={"came_to_notice": _came_to_notice()})
    assert "Main Department" in str(refused.value) or "coordinator" in str(refused.value)
    assert Case.objects.system().filter(person=case.person).count() == 1


def test_a_person_not_visible_at_all_is_the_same_as_no_person(api, world):
    theirs = world.open_case()
    response = api(world.worker2).post("/api/v1/cases/", {**new_case_body(theirs.person.uuid),
                                                          "came_to_notice": _came_to_notice()}, format="json")
    assert response.status_code == 400 and "person_uuid" in response.json()


def test_supervisor_cannot_adopt_after_break_glass_and_loses_the_person_when_it_ends(api, world):
    sup = make_user("sup", world.main_department, Role.SUPERVISOR)
    case = world.open_case(person={"phone": PHONE, "address": ADDRESS})
    opening = access_services.open_break_glass(actor=sup, case_reference=case.reference, reason=REASON)
    client = api(sup)
    assert client.get(f"/api/v1/persons/{case.person.uuid}/").json()["phone"] == PHONE
    response = client.post("/api/v1/cases/", {**new_case_body(case.person.uuid), "came_to_notice": _came_to_notice()},
                           format="json")
    assert response.status_code == 403, response.content
    assert Case.objects.system().filter(person=case.person).count() == 1
    access_services.end_break_glass(actor=sup, opening=opening)
    assert client.get(f"/api/v1/persons/{case.person.uuid}/").status_code == 404
    assert str(case.person.uuid) not in client.get("/api/v1/persons/").content.decode()
    assert client.post("/api/v1/persons/search/", {"q": case.person.family_name}, format="json").json() == []


def test_own_institution_may_open_a_second_case_for_its_person(api, world):
    case = world.open_case(person={"phone": PHONE})
    colleague = make_user("colleague", world.ngo)
    response = api(colleague).post("/api/v1/cases/", {**new_case_body(case.person.uuid),
                                                      "came_to_notice": _came_to_notice()}, format="json")
    assert response.status_code == 201, response.content
    assert Case.objects.system().filter(person=case.person).count() == 2


def test_the_coordinator_links_through_the_duplicate_review(world):
    """The Main Department's path: the second NGO registers the person anew (the duplicate warning tells it to
    contact the coordinator), the coordinator merges; then the second NGO's case is of the same person."""
    from nicat.persons.models import DuplicateSignal
    from nicat.persons.services import merge_persons

    case = world.open_case(person={"birth_date": datetime.date(1999, 4, 2), "phone": PHONE})
    theirs = world.open_case(actor=world.worker2, person={"birth_date": datetime.date(1999, 4, 2), "phone": PHONE})
    signal = DuplicateSignal.objects.system().get()
    merge_persons(actor=world.officer, survivor=case.person, merged=theirs.person, signal=signal,
                  expected_version=signal.version,
                  reason="Both NGOs confirmed by phone that this is the same woman; the owner agreed.")
    assert Case.objects.system().get(pk=theirs.pk).person_id == case.person_id


# --- 2. Writing what one may not read ----------------------------------------------------------------

@pytest.fixture
def doctor(world):
    clinic = make_institution("clinic", "medical", name_az="Klinika", is_nonprofit=True)
    return make_user("doctor", clinic, Role.MEDICAL_STAFF)


def test_doctor_with_identity_only_cannot_overwrite_contacts(api, world, doctor):
    case = world.open_case(person={"phone": PHONE, "address": ADDRESS, "email": "aysel@example.org"})
    clinic = doctor.memberships.get().institution
    consent(world.worker, case, Purpose.REFERRAL, clinic)
    referral = referrals.create_referral(actor=world.worker, case=case, data=referral_data(clinic))
    referrals.accept_referral(actor=doctor, referral=referral, expected_version=referral.version)
    client = api(doctor)
    person = client.get(f"/api/v1/persons/{case.person.uuid}/").json()
    assert "phone" not in person
    response = client.patch(f"/api/v1/persons/{case.person.uuid}/", {
        "phone": "+994 00 000 00 00", "email": "attacker@example.org", "address": "Elsewhere",
        "version": person["version"]}, format="json")
    assert response.status_code == 403, response.content
    assert "contact" in response.json()["detail"].lower()
    stored = Person.objects.system().get(pk=case.person_id)
    assert (stored.phone, stored.address, stored.email) == (PHONE, ADDRESS, "aysel@example.org")
    # what the referral shares may be corrected (identity), and that is audited
    response = client.patch(f"/api/v1/persons/{case.person.uuid}/", {"patronymic": "Əli qızı",
                                                                      "version": person["version"]}, format="json")
    assert response.status_code == 200, response.content
    assert AuditEvent.objects.filter(action="person.update", actor=doctor).count() == 1


def test_the_service_names_the_section_it_refuses(world, doctor):
    case = world.open_case(person={"phone": PHONE})
    clinic = doctor.memberships.get().institution
    consent(world.worker, case, Purpose.REFERRAL, clinic)
    referral = referrals.create_referral(actor=world.worker, case=case, data=referral_data(clinic))
    referrals.accept_referral(actor=doctor, referral=referral, expected_version=referral.version)
    with pytest.raises(PermissionDenied) as refused:
        update_person(actor=doctor, person=case.person, data={"phone": "1"}, expected_version=case.person.version)
    assert policy.section_label("contacts") in str(refused.value)
    with pytest.raises(PermissionDenied):
        update_case(actor=doctor, case=case, data={"summary": "rewritten"}, expected_version=case.version)
    with pytest.raises(PermissionDenied):
        add_note(actor=doctor, case=case, text="a note on a narrative I may not read")


def test_shelter_after_consents_withdrawn_gets_404(api, world):
    case = world.open_case(person={"phone": PHONE, "address": ADDRESS})
    consents = [consent(world.worker, case, Purpose.REFERRAL, world.shelter),
                consent(world.worker, case, Purpose.SERVICE, world.shelter, service="shelter")]
    for purpose, extra in ((Purpose.REFERRAL, {}), (Purpose.SERVICE, {"service": "shelter"})):
        referral = referrals.create_referral(actor=world.worker, case=case, data=referral_data(
            world.shelter, purpose=purpose, shared_sections=["identity", "contacts"], **extra))
        referrals.accept_referral(actor=world.shelter_staff, referral=referral, expected_version=referral.version)
    client = api(world.shelter_staff)
    person = client.get(f"/api/v1/persons/{case.person.uuid}/").json()
    assert person["phone"] == PHONE
    # the shelter tries to keep the person by opening its own case first
    response = client.post("/api/v1/cases/", {**new_case_body(case.person.uuid), "came_to_notice": _came_to_notice()},
                           format="json")
    assert response.status_code == 403
    for c in consents:
        withdraw_consent(actor=world.worker, consent=Consent.objects.system().get(pk=c.pk))
    response = client.patch(f"/api/v1/persons/{case.person.uuid}/", {"phone": "+994 00 000 00 00",
                                                                      "version": person["version"]}, format="json")
    assert response.status_code == 404
    assert Person.objects.system().get(pk=case.person_id).phone == PHONE
    with pytest.raises(NotAllowed):
        update_person(actor=fresh(world.shelter_staff), person=case.person, data={"phone": "1"},
                      expected_version=person["version"])


def test_the_page_names_the_section_it_refuses(client, world, doctor):
    case = world.open_case(person={"phone": PHONE})
    clinic = doctor.memberships.get().institution
    consent(world.worker, case, Purpose.REFERRAL, clinic)
    referral = referrals.create_referral(actor=world.worker, case=case, data=referral_data(clinic))
    referrals.accept_referral(actor=doctor, referral=referral, expected_version=referral.version)
    verified_login(client, doctor)
    response = client.get(reverse("cases:person_edit", args=[case.uuid]))
    assert response.status_code == 403
    assert policy.section_label("contacts") in response.content.decode()


# --- Section by section: search and duplicate check show a person only as far as their sections are open ---

def _refer(world, case, institution, receiver, sections):
    consent(world.worker, case, Purpose.REFERRAL, institution)
    referral = referrals.create_referral(actor=world.worker, case=case,
                                         data=referral_data(institution, shared_sections=sections))
    referrals.accept_referral(actor=receiver, referral=referral, expected_version=referral.version)


def test_a_referral_without_identity_shows_no_name_anywhere(api, world, doctor):
    case = world.open_case(person={"phone": PHONE, "birth_date": datetime.date(1995, 3, 4)})
    _refer(world, case, doctor.memberships.get().institution, doctor, ["medical"])
    client = api(doctor)
    assert client.get(f"/api/v1/cases/{case.uuid}/").status_code == 200
    person = client.get(f"/api/v1/persons/{case.person.uuid}/").json()
    assert "family_name" not in person and "phone" not in person
    assert client.post("/api/v1/persons/search/", {"q": case.person.family_name}, format="json").json() == []
    assert client.post("/api/v1/persons/search/", {"birth_date": "1995-03-04"}, format="json").json() == []
    body = client.post("/api/v1/persons/candidates/", {"family_name": case.person.family_name,
                                                       "given_name": case.person.given_name}, format="json").json()
    assert body["candidates"] == [] and case.person.family_name not in str(body)


def test_a_phone_one_may_not_see_does_not_raise_a_candidate(api, world, doctor):
    case = world.open_case(person={"phone": PHONE})
    _refer(world, case, doctor.memberships.get().institution, doctor, ["identity"])
    client = api(doctor)
    names = {"family_name": case.person.family_name, "given_name": case.person.given_name}
    by_name = client.post("/api/v1/persons/candidates/", names, format="json").json()["candidates"]
    with_phone = client.post("/api/v1/persons/candidates/", {**names, "phone": PHONE}, format="json").json()
    assert [c["probability"] for c in with_phone["candidates"]] == [c["probability"] for c in by_name]
    # the owner's worker, who sees the contacts, gets the stronger match
    owner = api(world.worker).post("/api/v1/persons/candidates/", {**names, "phone": PHONE}, format="json").json()
    assert owner["candidates"][0]["probability"] > by_name[0]["probability"]


def test_the_intake_page_never_links_an_existing_person(client, world, referred_identity_only):
    case, _given = referred_identity_only
    verified_login(client, world.worker2)
    response = client.post(reverse("cases:new"), {
        "person_uuid": str(case.person.uuid), "person-person_uuid": str(case.person.uuid),
        "person-given_name": "Aysel", "case-came_to_notice": _came_to_notice(), "case-scope": "internal",
        "case-first_contact_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    mine = Case.objects.system().get(owner_institution=world.ngo2)
    assert mine.person_id != case.person_id


def test_the_name_search_s_visibility_probe_is_the_person_rule_exactly(world, referred_identity_only):
    """policy.visible_person_ids (what the name search asks for its thousands of candidates) lets through
    the same persons as Person.objects.visible_to: a person registered elsewhere but seen through an
    accepted referral, one's own persons, not another NGO's, and not a person whose case is restricted."""
    case, _given = referred_identity_only
    others = world.open_case(actor=world.worker2)          # the second NGO's own person
    restricted = world.open_case()                          # the first NGO's person, under an order
    restrict(world, restricted, "PGO-78/2026")
    ids = list(Person.objects.system().values_list("pk", flat=True)) + [10 ** 9]
    for user in (world.worker, world.worker2, world.officer):
        expected = set(Person.objects.visible_to(fresh(user)).values_list("pk", flat=True))
        assert policy.visible_person_ids(fresh(user), ids) == expected, user.username
    assert case.person_id in policy.visible_person_ids(fresh(world.worker2), ids)
    assert others.person_id not in policy.visible_person_ids(fresh(world.worker), ids)
    assert restricted.person_id not in policy.visible_person_ids(fresh(world.worker), ids)


def test_the_api_reads_of_persons_are_audited_and_an_outsider_reads_nothing(api, world):
    """The persons API reads through `selectors.PERSONS`: person.list names the persons shown, for the
    acting institution; person.view names the person; another NGO's worker gets 404 on read and write and
    leaves no read event."""
    case = world.open_case()
    person = case.person
    own = api(world.worker)
    assert [row["uuid"] for row in own.get("/api/v1/persons/").json()["results"]] == [str(person.uuid)]
    listed = AuditEvent.objects.filter(action="person.list", actor_id=world.worker.pk).latest("sequence")
    assert listed.details == {"channel": "api", "shown": 1, "persons": [str(person.uuid)]}
    assert listed.institution_id == world.ngo.pk
    body = own.get(f"/api/v1/persons/{person.uuid}/").json()
    assert body["family_name"] == person.family_name
    viewed = AuditEvent.objects.filter(action="person.view", actor_id=world.worker.pk).latest("sequence")
    assert viewed.details == {"channel": "api"} and viewed.object_id == str(person.uuid)
    assert viewed.case_uuid == "" and viewed.institution_id is None
    views = AuditEvent.objects.filter(action="person.view").count()
    outsider = api(world.worker2)
    assert outsider.get("/api/v1/persons/").json()["results"] == []
    assert outsider.get(f"/api/v1/persons/{person.uuid}/").status_code == 404
    assert outsider.patch(f"/api/v1/persons/{person.uuid}/", {"family_name": "X", "version": person.version},
                          format="json").status_code == 404
    assert outsider.get("/api/v1/persons/not-a-uuid/").status_code == 404
    assert AuditEvent.objects.filter(action="person.view").count() == views
    assert Person.objects.system().get(pk=person.pk).family_name == person.family_name


def test_the_name_search_s_narrowing_holds_every_visible_person(world, referred_identity_only):
    """policy.person_id_sources (the rule of Person.objects.visible_to taken apart, each part read from an
    index) holds every person a user may see — registered at home, of a case owned at home though
    registered elsewhere, seen through an accepted referral — and another NGO's own persons not at all."""
    case, _given = referred_identity_only
    others = world.open_case(actor=world.worker2)          # the second NGO's own person
    moved = world.open_case(actor=world.worker2)           # registered by the second NGO, its case now the first's
    Case.objects.system().filter(pk=moved.pk).update(owner_institution=world.ngo)
    restricted = world.open_case()
    restrict(world, restricted, "PGO-79/2026")
    for user in (world.worker, world.worker2, world.officer, world.analyst):
        reach = _reach(user)
        visible = set(Person.objects.visible_to(fresh(user)).values_list("pk", flat=True))
        assert visible <= reach, user.username
        # a superset only by the persons a restriction hides: the search then asks visible_person_ids
        assert reach - visible <= {restricted.person_id}, user.username
    assert policy.person_id_sources(fresh(world.analyst)) == []
    assert moved.person_id in _reach(world.worker) and others.person_id not in _reach(world.worker)
    assert case.person_id in _reach(world.worker2)


def _reach(user):
    return {pk for source in policy.person_id_sources(fresh(user)) for row in source for pk in row.values()}


@pytest.mark.parametrize("narrowed", [True, False], ids=["narrowed by the sources", "asked per person"])
def test_the_name_search_finds_the_same_persons_narrowed_or_not(world, referred_identity_only, monkeypatch, narrowed):
    """Whether the search narrows the holders first (a worker whose institution holds a small part of the
    registry) or asks about each holder, a worker finds exactly the persons they may see: the second NGO
    finds the person referred to it and its own, never the first NGO's other persons or a restricted one."""
    from nicat.persons import selectors

    monkeypatch.setattr(selectors, "NARROW_SHARE", float("inf") if narrowed else 0.0)
    case, _given = referred_identity_only                   # Aysel Məmmədova of the first NGO, referred
    own = world.open_case(actor=world.worker2, person={"given_name": "Leyla", "family_name": "Məmmədova"})
    gunel = world.open_case(person={"given_name": "Günel", "family_name": "Məmmədova"})  # the first NGO's only
    moved = world.open_case(actor=world.worker2, person={"given_name": "Sevinc", "family_name": "Məmmədova"})
    Case.objects.system().filter(pk=moved.pk).update(owner_institution=world.ngo)
    restricted = world.open_case(actor=world.worker2, person={"given_name": "Nigar", "family_name": "Məmmədova"})
    restrict(world, restricted, "PGO-80/2026")
    asked = []
    real = policy.visible_person_ids
    monkeypatch.setattr(policy, "visible_person_ids", lambda user, ids, **kw: asked.extend(ids) or real(user, ids, **kw))

    found = {r["person"].pk for r in selectors.search_persons(user=fresh(world.worker2), q="Мамедова")}
    assert found == {case.person_id, own.person_id, moved.person_id}  # moved: registered by the second NGO
    # narrowed, the first NGO's Günel is never even asked about for the second NGO's worker
    assert (gunel.person_id in asked) is not narrowed
    first = {r["person"].pk for r in selectors.search_persons(user=fresh(world.worker), q="Mammadova")}
    assert moved.person_id in first and own.person_id not in first and restricted.person_id not in first
    assert case.person_id in first and gunel.person_id in first


def test_the_case_list_s_count_is_the_number_of_cases_it_lists(world, referred_identity_only, api, client):
    """The list's heading counts the cases part by part of the access rule (policy.count_visible_cases): for
    every user and filter the same number as the cases listed — a case seen through an accepted referral
    counted once, another NGO's never, a restricted one not at all."""
    from nicat.cases import selectors as case_selectors
    from nicat.cases.models import CaseStatus

    case, _given = referred_identity_only
    world.open_case(actor=world.worker2)
    closed = world.open_case()
    Case.objects.system().filter(pk=closed.pk).update(status=CaseStatus.CLOSED)
    restricted = world.open_case()
    restrict(world, restricted, "PGO-81/2026")
    filters = [{}, {"status": CaseStatus.CLOSED}, {"reference": case.reference}, {"reference": "NCT"},
               {"opened_from": timezone.localdate()}]
    for user in (world.worker, world.worker2, world.officer, world.analyst):
        for given in filters:
            listed = case_selectors.case_list(user=fresh(user), **given)
            assert case_selectors.case_count(user=fresh(user), **given) == listed.count(), (user.username, given)
    assert case_selectors.case_count(user=fresh(world.worker2)) == 2        # its own and the referred one
    assert case_selectors.case_count(user=fresh(world.worker), reference=case.reference) == 1
    assert case_selectors.case_count(user=fresh(world.analyst)) == 0
    # the API's list counts the same way (CaseViewSet.count_listed), cursor pages and numbered pages alike
    for user in (world.worker, world.worker2):
        client = api(user)
        for given in ({}, {"status": CaseStatus.CLOSED}, {"reference": case.reference}):
            expected = case_selectors.case_list(user=fresh(user), **given).count()
            for paging in ({}, {"page": 1}):
                answer = client.get("/api/v1/cases/", {**given, **paging}).json()
                assert answer["count"] == expected == len(answer["results"]), (user.username, given, paging)
    # and the dashboard's figures: the active cases and those in follow-up this user may see
    Case.objects.system().filter(pk=case.pk).update(status=CaseStatus.FOLLOW_UP)
    for user in (world.worker, world.worker2):
        verified_login(client, user)
        figures = client.get(reverse("web:dashboard")).context
        listed = case_selectors.case_list(user=fresh(user))
        assert figures["open_count"] == listed.filter(status=CaseStatus.ACTIVE).count(), user.username
        assert figures["followup_count"] == listed.filter(status=CaseStatus.FOLLOW_UP).count() == 1, user.username
