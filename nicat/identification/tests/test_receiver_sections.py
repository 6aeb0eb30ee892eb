"""A partner that accepted a referral sharing only part of a case (here a clinic, given the medical section
with consent) reads and changes in identification only what those sections hold (review A, law 2):

* the status certificate prints the name and birth date: refused without the "identity" section;
* screening facts are the "narrative": not listed, not found, not started, not rewritten without it;
* the decision's reasons, offences and documents are the "narrative": left out of the API's answer;
* marking the residence permit as discussed is the "return" section, and asks for the version read (law 7).

Each test fails on the code before the fix (the clinic printed the certificate, read and rewrote the facts,
read the reasons and closed the owner's residence-permit deadline)."""
import json

import pytest

from nicat.accounts.models import Role
from nicat.audit.models import AuditEvent
from nicat.consent.models import Purpose
from tests.support.identification import FACTS, REASON, recognised_case
from tests.support.referrals import build_world, consent, referral_data
from tests.support.world import make_institution, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast):
    return build_world(cast)


@pytest.fixture
def doctor(world):
    clinic = make_institution("clinic", "medical", name_az="Klinika", is_nonprofit=True)
    return make_user("doctor", clinic, Role.MEDICAL_STAFF)


def _refer_medical_only(world, case, receiver):
    """The owner refers the case to the receiver's institution sharing only the medical section."""
    from nicat.referrals import services as referrals

    institution = receiver.memberships.get().institution
    consent(world.worker, case, Purpose.REFERRAL, institution)
    referral = referrals.create_referral(actor=world.worker, case=case,
                                         data=referral_data(institution, shared_sections=["medical"]))
    referrals.accept_referral(actor=receiver, referral=referral, expected_version=referral.version)
    return referral


def test_a_receiver_without_the_identity_section_cannot_print_the_status_certificate(world, api, doctor, client):
    from tests.support.world import verified_login

    case, decision = recognised_case(world, api)
    _refer_medical_only(world, case, doctor)
    api_client = api(doctor)
    person = api_client.get(f"/api/v1/persons/{case.person.uuid}/").json()
    assert "family_name" not in person  # the policy: no identity for this receiver
    got = api_client.get(f"/api/v1/identification/decisions/{decision}/certificate/?lang=en")
    assert got.status_code == 403, "the certificate (name, birth date) went to a medical-only receiver"
    assert "name and date of birth" in got.json()["detail"]
    verified_login(client, doctor)
    page = client.get(f"/identification/cases/{case.uuid}/certificate.pdf?lang=en")
    assert page.status_code == 403 and page["Content-Type"].startswith("text/html")
    case_page = client.get(f"/cases/{case.uuid}/")
    assert case_page.status_code == 200
    assert "Print the status certificate" not in case_page.content.decode()  # not offered either
    assert "Start a screening" not in case_page.content.decode()
    assert not AuditEvent.objects.filter(action="identification.certificate.print", actor=doctor).exists()
    # The owner's case worker still prints it.
    assert api(world.worker).get(f"/api/v1/identification/decisions/{decision}/certificate/?lang=en").status_code == 200


def test_a_receiver_without_the_narrative_section_reads_no_screening_facts(world, api, doctor, client):
    from nicat.identification.models import Screening
    from tests.support.world import verified_login

    case, decision = recognised_case(world, api)
    _refer_medical_only(world, case, doctor)
    api_client = api(doctor)
    assert "summary" not in api_client.get(f"/api/v1/cases/{case.uuid}/").json()  # the policy: no narrative
    screenings = api_client.get("/api/v1/screenings/", {"case": str(case.uuid)})
    assert screenings.status_code == 200 and screenings.json()["results"] == []
    assert FACTS not in json.dumps(screenings.json(), ensure_ascii=False), "screening facts shown"
    screening = Screening.objects.system().get(case=case)
    assert api_client.get(f"/api/v1/screenings/{screening.uuid}/").status_code == 404
    verified_login(client, doctor)
    assert client.get(f"/identification/cases/{case.uuid}/screenings/{screening.uuid}/").status_code == 404
    # The owner's case worker still reads it.
    own = api(world.worker).get("/api/v1/screenings/", {"case": str(case.uuid)}).json()["results"]
    assert [s["acts_facts"] for s in own] == [FACTS]


def test_a_receiver_without_the_narrative_section_reads_no_decision_reasons(world, api, doctor):
    case, decision = recognised_case(world, api)
    _refer_medical_only(world, case, doctor)
    got = api(doctor).get(f"/api/v1/identification/decisions/{decision}/")
    assert got.status_code == 200
    body = got.json()
    shown = json.dumps(body, ensure_ascii=False)
    assert REASON not in shown and "forged passport" not in shown, "the decision's reasons and offences shown"
    assert "Inquiry report" not in shown and not {"reason", "liability_note", "documents"} & set(body)
    # The decision itself stays: the status the case shows, its date and the deciding body.
    assert body["outcome"] == "recognised" and body["decided_on"] and body["institution"]
    owner = api(world.worker).get(f"/api/v1/identification/decisions/{decision}/").json()
    assert owner["reason"] == REASON and owner["documents"][0]["title"] == "Inquiry report"


def test_a_medical_only_receiver_cannot_rewrite_the_owners_screening(world, api, doctor):
    case = world.open_case()
    draft = api(world.worker).post("/api/v1/screenings/", {"case": str(case.uuid), "acts_facts": FACTS},
                                   format="json").json()
    _refer_medical_only(world, case, doctor)
    changed = api(doctor).patch(f"/api/v1/screenings/{draft['uuid']}/", {
        "version": draft["version"], "acts_facts": "Nothing happened, she travelled on her own.",
        "acts": []}, format="json")
    assert changed.status_code == 404, "a receiver without the narrative section rewrote the facts"
    assert api(world.worker).get(f"/api/v1/screenings/{draft['uuid']}/").json()["acts_facts"] == FACTS
    assert not AuditEvent.objects.filter(actor=doctor, action__startswith="identification.screening").exists()


def test_a_medical_only_receiver_cannot_start_a_screening_of_the_case(world, api, doctor):
    from nicat.identification.models import Screening

    case = world.open_case()
    _refer_medical_only(world, case, doctor)
    sent = api(doctor).post("/api/v1/screenings/", {"case": str(case.uuid), "acts_facts": "She came on her own."},
                            format="json")
    assert sent.status_code == 403 and "what happened" in sent.json()["detail"]
    assert not Screening.objects.system().filter(case=case).exists()


def test_a_medical_only_receiver_cannot_mark_the_residence_permit_as_discussed(world, api, doctor, client):
    from nicat.identification.models import Identification
    from tests.support.world import term, verified_login

    case, _decision = recognised_case(world, api, citizenships=[term("country", "UZ")])
    _refer_medical_only(world, case, doctor)
    version = Identification.objects.system().get(case=case).version
    verified_login(client, doctor)
    page = client.post(f"/identification/cases/{case.uuid}/residence-permit/", {"version": version})
    assert page.status_code == 403 and "travel documents" in page.content.decode()
    row = Identification.objects.system().get(case=case)
    assert row.residence_permit_discussed_on is None, \
        "a doctor who sees neither identity nor return closed the owner's residence-permit deadline"
    assert not AuditEvent.objects.filter(action="identification.residence_permit_discussed").exists()


def test_marking_the_residence_permit_as_discussed_asks_for_the_version_read(world, api, client):
    from nicat.identification.models import Identification
    from tests.support.world import term, verified_login

    case, _decision = recognised_case(world, api, citizenships=[term("country", "UZ")])
    version = Identification.objects.system().get(case=case).version
    verified_login(client, world.worker)
    for stale in ({}, {"version": version - 1}):  # none given, or an old one: refused, nothing written
        client.post(f"/identification/cases/{case.uuid}/residence-permit/", stale)
        assert Identification.objects.system().get(case=case).residence_permit_discussed_on is None, stale
    page = client.post(f"/identification/cases/{case.uuid}/residence-permit/", {"version": version}, follow=True)
    assert page.status_code == 200
    assert Identification.objects.system().get(case=case).residence_permit_discussed_on is not None
    assert AuditEvent.objects.filter(action="identification.residence_permit_discussed", actor=world.worker).exists()
