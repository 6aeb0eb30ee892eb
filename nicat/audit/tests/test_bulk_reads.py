"""Issue 14, item 6: a list, a search or a duplicate check records which persons and cases it showed (one
event carrying their uuids), and "who accessed this record" and the subject-access report show such reads."""
import datetime

import pytest
from django.urls import reverse

from nicat.accounts.models import Role
from nicat.audit.models import AuditEvent
from nicat.audit.selectors import case_accessors, case_trail, person_trail
from nicat.consent.models import Purpose
from nicat.referrals import services as referrals
from tests.support.referrals import build_world, consent, referral_data
from tests.support.world import make_user


@pytest.fixture
def world(cast):
    return build_world(cast)


@pytest.fixture
def shared(world):
    """The first NGO's case, referred to the second NGO (identity only) and accepted."""
    case = world.open_case(person={"birth_date": datetime.date(1995, 3, 4),
                                   "documents": [{"type": "passport", "number": "AA 1234567", "country": ""}]})
    consent(world.worker, case, Purpose.REFERRAL, world.ngo2)
    referral = referrals.create_referral(actor=world.worker, case=case, data=referral_data(world.ngo2))
    referrals.accept_referral(actor=world.worker2, referral=referral, expected_version=referral.version)
    return case


def test_lists_and_searches_record_the_ids_they_showed(api, client, world, shared):
    other = world.open_case(actor=world.worker2, person={"given_name": "Nərmin", "family_name": "Quliyeva"})
    c = api(world.worker2)
    c.get("/api/v1/persons/")
    c.get("/api/v1/cases/")
    c.post("/api/v1/persons/search/", {"q": "Aysel Məmmədova"}, format="json")
    c.post("/api/v1/persons/candidates/", {"family_name": "Məmmədova", "given_name": "Aysel"}, format="json")
    client.force_login(world.worker2)
    client.get(reverse("cases:list"))
    by = {e.action + "/" + e.details["channel"]: e.details
          for e in AuditEvent.objects.filter(actor=world.worker2, action__in=(
              "person.list", "case.list", "person.search", "person.duplicate_check"))}
    assert set(by["person.list/api"]["persons"]) == {str(shared.person.uuid), str(other.person.uuid)}
    assert set(by["case.list/api"]["cases"]) == {str(shared.uuid), str(other.uuid)}
    assert set(by["case.list/api"]["persons"]) == {str(shared.person.uuid), str(other.person.uuid)}
    assert by["person.search/api"]["persons"] == [str(shared.person.uuid)]
    assert by["person.search/api"]["cases"] == [str(shared.uuid)]
    assert by["person.duplicate_check/api"]["persons"] == [str(shared.person.uuid)]
    assert set(by["case.list/web"]["cases"]) == {str(shared.uuid), str(other.uuid)}
    assert by["person.list/api"]["shown"] == 2


def test_the_access_report_and_who_accessed_show_bulk_reads(api, client, world, shared):
    api(world.worker2).get("/api/v1/persons/")            # the second NGO lists persons: the referred one is shown
    api(world.worker2).post("/api/v1/persons/search/", {"q": "Aysel"}, format="json")
    unrelated = world.open_case(actor=world.worker2, person={"given_name": "Nərmin", "family_name": "Quliyeva"})
    trail = list(person_trail(person=shared.person))
    bulk = [(e.action, e.actor_username) for e in trail if e.action in ("person.list", "person.search")]
    assert ("person.list", "worker2") in bulk and ("person.search", "worker2") in bulk
    assert any(e.action == "person.list" for e in case_trail(case=shared))
    assert "worker2" in {row["actor_username"] for row in case_accessors(case=shared)}
    # a list that did not show the person is not in their report
    world.worker2._nicat_memberships = None
    api(world.worker2).post("/api/v1/persons/search/", {"q": "Nərmin Quliyeva"}, format="json")
    assert len([e for e in person_trail(person=shared.person) if e.action == "person.search"]) == 1
    assert any(e.action == "person.search" for e in person_trail(person=unrelated.person))
    # the supervisor's pages show them
    supervisor = make_user("ngo.supervisor", world.ngo, Role.SUPERVISOR)
    client.force_login(supervisor)
    report = client.get(reverse("audit:person_report", args=[shared.person.uuid])).content.decode()
    assert "person.list" in report and "worker2" in report
    who = client.get(reverse("audit:case", args=[shared.uuid])).content.decode()
    assert "worker2" in who


def test_an_export_is_in_the_report_of_every_case_it_held(world, shared):
    from nicat.cases.exports import export_cases

    export_cases(actor=world.worker, filters={}, fmt="csv")
    assert any(e.action == "cases.export" for e in case_trail(case=shared))
    assert any(e.action == "cases.export" for e in person_trail(person=shared.person))
