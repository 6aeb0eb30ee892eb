"""Who sees what of the criminal proceedings: law enforcement the investigation file; an NGO that a
referral with consent shares the hearings with, the dates of hearings only; everybody else nothing —
on the pages and through the API, and no record can be made to point at another institution's case."""
import pytest
from django.urls import reverse

from nicat.accounts.models import Role
from nicat.audit.models import AuditEvent
from nicat.proceedings.models import CriminalCase, Hearing, Perpetrator
from nicat.proceedings.tests.helpers import fresh, share
from tests.support.world import make_institution, make_user, verified_login

pytestmark = pytest.mark.django_db

NUMBER = "2026/144-0071"


def test_police_see_the_investigation_file(client, police_case, api):
    c = police_case
    verified_login(client, c.officer)
    page = client.get(reverse("proceedings:case", args=[c.case.uuid])).content.decode()
    assert NUMBER in page and "Qasımov" in page and "Bakı Ağır Cinayətlər Məhkəməsi" in page
    body = api(c.officer).get("/api/v1/proceedings/criminal-cases/", {"case": str(c.case.uuid)}).json()
    assert [r["number"] for r in body["results"]] == [NUMBER]
    assert [s["to_stage"] for s in body["results"][0]["stage_changes"]] == [
        "inquiry", "preliminary_investigation", "in_court"]
    assert AuditEvent.objects.filter(action="criminal_case.list", actor=c.officer).exists()


def test_referral_sharing_hearings_shows_the_ngo_dates_not_the_file(client, police_case, api):
    c = police_case
    share(c, c.case, c.ngo, c.worker, ["identity", "hearings"])
    verified_login(client, c.worker)
    page = client.get(reverse("proceedings:case", args=[c.case.uuid]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Bakı Ağır Cinayətlər Məhkəməsi" in text and 'data-testid="hearing"' in text
    assert NUMBER not in text and "Qasımov" not in text and "Dayı" not in text
    assert 'data-testid="investigation-file"' not in text
    # The case page shows the panel with the next hearing, never the file.
    detail = client.get(reverse("cases:detail", args=[c.case.uuid])).content.decode()
    assert 'data-testid="next-hearing"' in detail and NUMBER not in detail and "Qasımov" not in detail
    ngo = api(c.worker)
    hearings = ngo.get("/api/v1/proceedings/hearings/").json()["results"]
    assert [h["court"] for h in hearings] == ["Bakı Ağır Cinayətlər Məhkəməsi"]
    assert hearings[0]["appearance"]["status"] == "required" and hearings[0]["appearance"]["mode"] == "video"
    assert ngo.get("/api/v1/proceedings/criminal-cases/").status_code == 403
    assert ngo.get(f"/api/v1/proceedings/criminal-cases/{c.cc.uuid}/").status_code == 403
    assert ngo.get(f"/api/v1/proceedings/perpetrators/{c.perpetrator.uuid}/").status_code == 403
    # Reading them is no licence to write.
    assert ngo.patch(f"/api/v1/proceedings/hearings/{c.hearing.uuid}/", {"court": "X", "version": 1},
                     format="json").status_code == 403
    assert client.get(reverse("proceedings:hearing_add", args=[c.cc.uuid])).status_code == 403


def test_referral_without_the_hearings_section_shows_nothing_of_the_proceedings(client, police_case, api):
    c = police_case
    share(c, c.case, c.ngo, c.worker, ["identity"])
    verified_login(client, c.worker)
    assert client.get(reverse("proceedings:case", args=[c.case.uuid])).status_code == 403
    detail = client.get(reverse("cases:detail", args=[c.case.uuid])).content.decode()
    assert 'data-testid="proceedings-panel"' not in detail
    assert api(c.worker).get("/api/v1/proceedings/hearings/").json()["results"] == []


def test_law_enforcement_referral_shares_the_file_with_other_police(client, police_case, api):
    c = police_case
    district = make_institution("district-police", "law_enforcement")
    investigator = make_user("investigator", district, Role.IDENTIFICATION_OFFICER)
    from nicat.consent.models import Purpose

    share(c, c.case, district, investigator, ["identity", "investigation"], purpose=Purpose.LAW_ENFORCEMENT)
    body = api(investigator).get("/api/v1/proceedings/criminal-cases/").json()
    assert [r["number"] for r in body["results"]] == [NUMBER]
    # The hearings section was not shared: not shown.
    assert api(investigator).get("/api/v1/proceedings/hearings/").json()["results"] == []


@pytest.mark.parametrize("role", [Role.CASE_WORKER, Role.SHELTER_STAFF, Role.MEDICAL_STAFF,
                                  Role.CONSULAR_OFFICER, Role.HOTLINE_OPERATOR, Role.ANALYST])
def test_roles_not_entitled_see_nothing_even_at_the_owner(police_case, api, role):
    c = police_case
    user = make_user(f"md-{role}", c.main_department, role)
    client = api(user)
    assert client.get(f"/api/v1/proceedings/criminal-cases/{c.cc.uuid}/").status_code == 403
    assert client.get("/api/v1/proceedings/perpetrators/").status_code == 403
    hearings = client.get("/api/v1/proceedings/hearings/")
    if role == Role.CASE_WORKER:  # a case worker of the owner accompanies the victim: the hearings
        assert [h["uuid"] for h in hearings.json()["results"]] == [str(c.hearing.uuid)]
    else:
        assert hearings.status_code == 403


def test_an_ngo_supervisor_never_sees_the_file_of_its_own_case(police_case, api):
    """`investigation` is for law enforcement only, even on a case the NGO owns."""
    c = police_case
    sup = make_user("ngo.sup", c.ngo, Role.SUPERVISOR)
    own = c.open_case()
    assert api(sup).get("/api/v1/proceedings/criminal-cases/").status_code == 403
    assert api(sup).post("/api/v1/proceedings/perpetrators/", {"case": str(own.uuid), "family_name": "X",
                                                                "roles": ["recruiter"]},
                         format="json").status_code == 403


def test_other_police_without_a_referral_get_404(police_case, api, client):
    c = police_case
    district = make_institution("district-police", "law_enforcement")
    other = make_user("other.officer", district, Role.IDENTIFICATION_OFFICER)
    client_api = api(other)
    assert client_api.get(f"/api/v1/proceedings/criminal-cases/{c.cc.uuid}/").status_code == 404
    assert client_api.get(f"/api/v1/proceedings/hearings/{c.hearing.uuid}/").status_code == 404
    assert client_api.get("/api/v1/proceedings/perpetrators/").json()["results"] == []
    verified_login(client, other)
    assert client.get(reverse("proceedings:case", args=[c.case.uuid])).status_code == 404
    assert client.get(reverse("proceedings:stage", args=[c.cc.uuid])).status_code == 404
    # Stage change of a foreign criminal case through the page: 404, nothing changed.
    response = client.post(reverse("proceedings:stage", args=[c.cc.uuid]),
                           {"stage": "appeal", "changed_on": "2026-01-01", "version": c.cc.version})
    assert response.status_code == 404
    c.cc.refresh_from_db()
    assert c.cc.stage == "in_court"


def test_records_cannot_point_at_a_foreign_case(police_case, api):
    """An officer of another police body sends the uuids of the Main Department's case, criminal case and
    suspect: each is refused as not visible (400) and nothing is written."""
    c = police_case
    district = make_institution("district-police", "law_enforcement")
    other = make_user("other.officer", district, Role.IDENTIFICATION_OFFICER)
    own = c.open_case(actor=other)
    client = api(other)
    before = (Perpetrator.objects.system().count(), CriminalCase.objects.system().count(),
              Hearing.objects.system().count())
    r = client.post("/api/v1/proceedings/perpetrators/", {"case": str(c.case.uuid), "family_name": "Intruder",
                                                           "roles": ["recruiter"]}, format="json")
    assert r.status_code == 400 and "case" in r.json()
    r = client.post("/api/v1/proceedings/hearings/", {"criminal_case": str(c.cc.uuid), "court": "X",
                                                      "starts_at": "2030-01-01T10:00:00+04:00"}, format="json")
    assert r.status_code == 400 and "criminal_case" in r.json()
    # Its own criminal case may not name the Main Department's suspect.
    r = client.post("/api/v1/proceedings/criminal-cases/", {
        "case": str(own.uuid), "number": "D-1", "articles": ["144-1"], "investigating_body": str(district.uuid),
        "opened_on": "2026-01-05", "perpetrators": [str(c.perpetrator.uuid)]}, format="json")
    assert r.status_code == 400 and "perpetrators" in r.json()
    r = client.post("/api/v1/proceedings/release-requests/", {
        "case": str(own.uuid), "criminal_case": str(c.cc.uuid), "liability": "administrative",
        "offence": "x", "requested_on": "2026-01-05", "authority": "Court"}, format="json")
    assert r.status_code == 400 and "criminal_case" in r.json()
    assert (Perpetrator.objects.system().count(), CriminalCase.objects.system().count(),
            Hearing.objects.system().count()) == before


def test_withdrawn_consent_closes_the_hearings_again(police_case, api):
    c = police_case
    referral = share(c, c.case, c.ngo, c.worker, ["identity", "hearings"])
    assert api(c.worker).get("/api/v1/proceedings/hearings/").json()["results"]
    from nicat.consent.services import withdraw_consent

    withdraw_consent(actor=c.officer, consent=referral.consent, note="The person withdrew it.",
                     expressed_by_person=True)
    fresh(c.worker)
    assert api(c.worker).get("/api/v1/proceedings/hearings/").json()["results"] == []
