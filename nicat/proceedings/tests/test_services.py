"""The rules of the proceedings' services: the safety check before each appearance, dated stages,
the verdict and confiscation, release from liability, compensation linked to the verdict, the version
check, bad input refused with a sentence and nothing written, suspects found by any spelling."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from nicat.audit.models import AuditEvent
from nicat.core.errors import ConcurrentEdit
from nicat.proceedings import services
from nicat.proceedings.checks import register_appearance_check, unregister_appearance_check
from nicat.proceedings.models import Appearance, ReleaseRequest, Stage, StageChange
from tests.support.world import verified_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def refusing_check():
    def check(*, actor, case, hearing, mode):
        raise ValidationError({"hearing": "Assess the victim's safety before the appearance."})

    register_appearance_check(check)
    yield check
    unregister_appearance_check(check)


def _new_hearing(c, days=9):
    return services.schedule_hearing(actor=c.officer, criminal_case=c.cc, data={
        "starts_at": timezone.now() + datetime.timedelta(days=days), "court": "Bakı Apellyasiya Məhkəməsi",
        "purpose": "trial"})


def test_an_appearance_waits_for_the_safety_check(police_case, refusing_check, client):
    c = police_case
    hearing = _new_hearing(c)
    with pytest.raises(ValidationError, match="Assess the victim's safety"):
        services.plan_appearance(actor=c.officer, hearing=hearing, data={"mode": "in_person", "person_view": "agrees"})
    assert not Appearance.objects.system().filter(hearing=hearing).exists()
    # The page says why, and records nothing.
    verified_login(client, c.officer)
    page = client.post(reverse("proceedings:appearance_add", args=[hearing.uuid]), {"mode": "in_person", "person_view": "agrees"})
    assert page.status_code == 400 and "Assess the victim" in page.content.decode()
    assert not Appearance.objects.system().filter(hearing=hearing).exists()


def test_a_passed_check_is_kept_with_the_appearance(police_case):
    c = police_case

    def check(*, actor, case, hearing, mode):
        assert case == c.case and hearing.criminal_case == c.cc
        return "safety-assessment:level-medium"

    register_appearance_check(check)
    try:
        appearance = services.plan_appearance(actor=c.officer, hearing=_new_hearing(c), data={"mode": "video", "person_view": "agrees"})
    finally:
        unregister_appearance_check(check)
    assert "safety-assessment:level-medium" in appearance.safety_checked
    event = AuditEvent.objects.filter(action="appearance.create").order_by("-pk").first()
    assert "safety-assessment:level-medium" in event.details["checks"]


def test_stages_are_dated_and_in_order(police_case):
    c = police_case
    assert list(StageChange.objects.system().filter(criminal_case=c.cc).values_list("to_stage", flat=True)) == [
        "inquiry", "preliminary_investigation", "in_court"]
    with pytest.raises(ValidationError) as e:
        services.change_stage(actor=c.officer, criminal_case=c.cc, stage="appeal",
                              changed_on=c.cc.stage_since - datetime.timedelta(days=1), expected_version=c.cc.version)
    assert "changed_on" in e.value.message_dict
    with pytest.raises(ValidationError):
        services.change_stage(actor=c.officer, criminal_case=c.cc, stage="in_court",
                              changed_on=timezone.localdate(), expected_version=c.cc.version)
    stale = c.cc.version - 1
    with pytest.raises(ConcurrentEdit):
        services.change_stage(actor=c.officer, criminal_case=c.cc, stage="appeal", changed_on=timezone.localdate(),
                              expected_version=stale)
    c.cc.refresh_from_db()
    assert c.cc.stage == Stage.IN_COURT


def test_verdict_and_confiscation(police_case, api):
    c = police_case
    client = api(c.officer)
    url = f"/api/v1/proceedings/criminal-cases/{c.cc.uuid}/verdict/"
    bad = client.post(url, {"verdict_on": "2031-01-01", "verdict_court": "X", "verdict_outcome": "conviction",
                            "version": c.cc.version}, format="json")
    assert bad.status_code == 400
    c.cc.refresh_from_db()
    assert c.cc.verdict_on is None and c.cc.stage == "in_court"
    missing = client.post(url, {"verdict_on": str(timezone.localdate()), "verdict_court": "Bakı Ağır Cinayətlər "
                                "Məhkəməsi", "verdict_outcome": "conviction", "version": c.cc.version}, format="json")
    assert missing.status_code == 400 and "sentence_summary" in missing.json()
    ok = client.post(url, {"verdict_on": str(timezone.localdate()), "verdict_court": "Bakı Ağır Cinayətlər Məhkəməsi",
                           "verdict_outcome": "conviction", "sentence_summary": "8 years of imprisonment",
                           "confiscation_amount": "15000.00", "confiscation_description": "A car",
                           "version": c.cc.version}, format="json")
    assert ok.status_code == 200, ok.content
    body = ok.json()
    assert body["stage"] == "verdict" and body["verdict_outcome"] == "conviction"
    assert body["confiscation_amount"] == "15000.00" and body["stage_changes"][-1]["to_stage"] == "verdict"
    stale = client.post(f"/api/v1/proceedings/criminal-cases/{c.cc.uuid}/stage/",
                        {"stage": "appeal", "changed_on": str(timezone.localdate()), "version": 1}, format="json")
    assert stale.status_code == 409


def test_compensation_links_to_the_criminal_case_and_shows_its_verdict(police_case, client, api):
    from nicat.assistance.models import CompensationClaim

    c = police_case
    services.change_stage(actor=c.officer, criminal_case=c.cc, stage="appeal", changed_on=timezone.localdate(),
                          expected_version=c.cc.version)
    services.record_verdict(actor=c.officer, criminal_case=c.cc, expected_version=c.cc.version, data={
        "verdict_on": timezone.localdate(), "verdict_court": "Bakı Apellyasiya Məhkəməsi",
        "verdict_outcome": "conviction", "sentence_summary": "7 years"})
    claim = CompensationClaim.objects.system().create(case=c.case, claimed_amount="5000.00",
                                                      claimed_on=timezone.localdate(), paid_from="aid_fund")
    other = CompensationClaim.objects.system().create(case=c.open_case(actor=c.officer), claimed_amount="10.00",
                                                      claimed_on=timezone.localdate())
    with pytest.raises(ValidationError):
        services.link_compensation(actor=c.officer, claim=other, criminal_case=c.cc, expected_version=other.version)
    r = api(c.officer).post(f"/api/v1/proceedings/criminal-cases/{c.cc.uuid}/link-compensation/",
                            {"claim": str(claim.uuid), "claim_version": claim.version}, format="json")
    assert r.status_code == 200, r.content
    claim.refresh_from_db()
    assert claim.criminal_case == c.cc and claim.version == 2
    verified_login(client, c.officer)
    page = client.get(reverse("proceedings:case", args=[c.case.uuid])).content.decode()
    assert "2026/144-0071" in page and "Bakı Apellyasiya Məhkəməsi" in page
    # The assistance page shows the claim's criminal case and verdict to those who see the file.
    assistance = client.get(reverse("assistance:case", args=[c.case.uuid])).content.decode()
    assert 'data-testid="claim-criminal-case"' in assistance and "2026/144-0071" in assistance


def test_release_from_liability(police_case, client):
    c = police_case
    verified_login(client, c.officer)
    bad = client.post(reverse("proceedings:release_add", args=[c.case.uuid]),
                      {"liability": "administrative", "offence": "", "requested_on": "", "authority": ""})
    assert bad.status_code == 400 and not ReleaseRequest.objects.system().exists()
    ok = client.post(reverse("proceedings:release_add", args=[c.case.uuid]), {
        "liability": "criminal", "offence": "Used a forged passport given by the trafficker",
        "requested_on": str(timezone.localdate()), "authority": "Baku City Prosecutor's Office",
        "criminal_case": str(c.cc.uuid)})
    assert ok.status_code == 302
    release = ReleaseRequest.objects.system().get()
    assert release.criminal_case == c.cc and release.outcome == "pending"
    services.decide_release(actor=c.officer, release=release, outcome="granted", decided_on=timezone.localdate(),
                            expected_version=release.version)
    release.refresh_from_db()
    assert release.outcome == "granted" and release.decided_on == timezone.localdate()
    assert "Used a forged passport" in client.get(reverse("proceedings:case", args=[c.case.uuid])).content.decode()


def test_a_suspect_is_found_by_any_spelling_of_the_name(police_case, api):
    c = police_case
    other = c.open_case(actor=c.officer)
    services.add_perpetrator(actor=c.officer, case=other, data={
        "given_name": "Rauf", "family_name": "Гасымов", "roles": [c.perpetrator.roles.first()]})
    found = api(c.officer).post("/api/v1/proceedings/perpetrators/search/", {"name": "Rauf Qasimov"}, format="json").json()["results"]
    assert sorted(p["case"] for p in found) == sorted([str(c.case.uuid), str(other.uuid)])
    # Another police body finds nothing of the Main Department's suspects.
    from nicat.accounts.models import Role
    from tests.support.world import make_institution, make_user

    stranger = make_user("x.officer", make_institution("x-police", "law_enforcement"), Role.IDENTIFICATION_OFFICER)
    assert api(stranger).post("/api/v1/proceedings/perpetrators/search/", {"name": "Rauf Qasımov"}, format="json").json()["results"] == []


def test_bad_input_is_refused_with_a_sentence(police_case, api):
    c = police_case
    client = api(c.officer)
    r = client.post("/api/v1/proceedings/perpetrators/", {"case": str(c.case.uuid), "roles": []}, format="json")
    assert r.status_code == 400 and "roles" in r.json()
    r = client.post("/api/v1/proceedings/perpetrators/", {"case": str(c.case.uuid), "roles": ["recruiter"],
                                                           "family_name": "Bad\u202eName"}, format="json")
    assert r.status_code == 400 and "family_name" in r.json()
    r = client.post("/api/v1/proceedings/criminal-cases/", {"case": str(c.case.uuid), "number": "",
                                                             "articles": ["nope"], "investigating_body": "x",
                                                             "opened_on": "2099-01-01"}, format="json")
    assert r.status_code == 400 and {"number", "articles", "investigating_body"} <= set(r.json())
    r = client.patch(f"/api/v1/proceedings/perpetrators/{c.perpetrator.uuid}/", {"organisation": "Gang"},
                     format="json")
    assert r.status_code == 400 and "version" in r.json()
    r = client.patch(f"/api/v1/proceedings/perpetrators/{c.perpetrator.uuid}/",
                     {"organisation": "Gang", "version": c.perpetrator.version}, format="json")
    assert r.status_code == 200 and r.json()["organisation"] == "Gang" and r.json()["version"] == 2
