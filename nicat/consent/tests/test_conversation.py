"""One consent conversation (issue 15, item 2): every purpose a case needs, answered once, recorded in one
atomic and audited submission, printed for signature, and back to where the user came from. The owner
institution alone records it: another institution's user cannot, on the page or through the API."""
import datetime

from django.urls import reverse
from django.utils import timezone

from nicat.audit.models import AuditEvent
from nicat.consent.conversation import TOPIC_BY_KEY
from nicat.consent.models import Consent
from nicat.consent.services import consent_is_valid
from tests.support.world import make_institution, verified_login


def _form(world, **answers):
    data = {"given_by": "person", "method": "written",
            "given_at": (timezone.localtime() - datetime.timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"),
            "note": ""}
    for topic in TOPIC_BY_KEY:  # every row by its purpose's key, whatever the list holds and in whatever order
        data[f"{topic}-answer"] = "not_asked"
    for key, value in answers.items():
        data[key.replace("__", "-")] = value
    return data


def test_one_conversation_covers_a_whole_stay_and_goes_back_to_next(client, world):
    case = world.open_case()
    shelter = str(world.shelter.uuid)
    verified_login(client, world.worker)
    url = reverse("consent:conversation", args=[case.uuid])
    page = client.get(url + "?next=/assistance/").content.decode()
    assert 'data-topic="shelter"' in page and 'data-topic="psychological"' in page
    assert 'name="next" value="/assistance/"' in page
    areas = {f"{a}__answer": "given" for a in ("legal", "education", "psychological", "medical", "vocational",
                                               "employment", "housing")}
    response = client.post(url, {**_form(world, referral__answer="given", referral__institution=shelter,
                                         shelter__answer="given", shelter__institution=shelter,
                                         research__answer="refused", **areas), "next": "/assistance/"})
    assert response.status_code == 302 and response["Location"] == "/assistance/"
    recorded = Consent.objects.system().filter(case=case)
    assert recorded.count() == 10  # referral, shelter, seven areas, research refused; nothing for "not asked"
    assert recorded.filter(purpose="research", decision="refused").exists()
    assert not recorded.filter(purpose="family_contact").exists()
    assert consent_is_valid(case=case, purpose="service", service="shelter", institution=world.shelter)
    assert consent_is_valid(case=case, purpose="service", service="employment", institution=world.shelter)
    event = AuditEvent.objects.get(action="consent.conversation", case_uuid=str(case.uuid))
    assert event.details["answers"]["research"] == "refused" and "family_contact" in event.details["not_asked"]


def test_all_or_nothing_and_the_answers_are_kept(client, world):
    case = world.open_case()
    verified_login(client, world.worker)
    url = reverse("consent:conversation", args=[case.uuid])
    response = client.post(url, _form(world, referral__answer="given", shelter__answer="given",
                                      shelter__institution=str(world.shelter.uuid)))
    assert response.status_code == 400
    body = response.content.decode()
    assert "Name the institution this answer is for." in body
    assert not Consent.objects.system().filter(case=case).exists()
    # The shelter answer typed before the error is still selected.
    row = body.split('data-topic="shelter"', 1)[1].split("</tr>", 1)[0]
    import re

    given = re.search(r'<input[^>]*value="given"[^>]*>', row).group(0)
    assert "checked" in given


def test_an_unsafe_next_is_ignored(client, world):
    case = world.open_case()
    verified_login(client, world.worker)
    url = reverse("consent:conversation", args=[case.uuid])
    for bad in ("//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"):
        response = client.post(url, {**_form(world, research__answer="given"), "next": bad})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("cases:detail", args=[case.uuid])), bad


def test_a_foreign_institution_cannot_record_answers_page_and_api(client, api, world):
    case = world.open_case()
    # An institution that does not see the case: 404, page and API, nothing written.
    verified_login(client, world.worker2)
    url = reverse("consent:conversation", args=[case.uuid])
    assert client.get(url).status_code == 404
    assert client.post(url, _form(world, research__answer="given")).status_code == 404
    body = {"case": str(case.uuid), "method": "written",
            "answers": [{"topic": "research", "answer": "given"}]}
    assert api(world.worker2).post("/api/v1/consents/conversation/", body, format="json").status_code == 404
    # An institution that sees the case through a referral: refused with the reason, on the same page.
    from nicat.referrals.services import accept_referral, create_referral
    from tests.support.referrals import consent

    consent(world.worker, case, "referral", world.shelter)
    referral = create_referral(actor=world.worker, case=case, data={
        "to_institution": world.shelter, "purpose": "referral", "shared_sections": ["identity"], "message": "x"})
    accept_referral(actor=world.shelter_staff, referral=referral, expected_version=referral.version)
    before = Consent.objects.system().filter(case=case).count()
    verified_login(client, world.shelter_staff)
    page = client.get(url).content.decode()
    assert 'data-testid="conversation-refusal"' in page and "owns the case" in page
    response = client.post(url, _form(world, research__answer="given", family_contact__answer="refused"))
    assert response.status_code == 403
    assert "owns the case" in response.content.decode() and 'data-testid="conversation-form"' in \
        response.content.decode()
    refused = api(world.shelter_staff).post("/api/v1/consents/conversation/", body, format="json")
    assert refused.status_code == 403 and "owns the case" in str(refused.json())
    assert Consent.objects.system().filter(case=case).count() == before


def test_the_api_records_a_conversation_for_the_owner(api, world):
    case = world.open_case()
    response = api(world.worker).post("/api/v1/consents/conversation/", {
        "case": str(case.uuid), "method": "oral", "answers": [
            {"topic": "shelter", "answer": "given", "institution": str(world.shelter.uuid)},
            {"topic": "employment", "answer": "refused"},
            {"topic": "research", "answer": "not_asked"}]}, format="json")
    assert response.status_code == 201, response.json()
    assert {(c["purpose"], c["service"], c["decision"]) for c in response.json()} == {
        ("service", "shelter", "given"), ("service", "employment", "refused")}


def test_the_form_for_signature_lists_every_purpose_and_is_audited(client, world):
    case = world.open_case()
    verified_login(client, world.worker)
    client.post(reverse("consent:conversation", args=[case.uuid]), _form(world, research__answer="refused"))
    page = client.get(reverse("consent:conversation_print", args=[case.uuid])).content.decode()
    assert 'data-testid="consent-print"' in page and "Signature of the person" in page
    research = page.split("Use for research", 1)[1].split("</tr>", 1)[0]
    assert "Refused" in research
    assert AuditEvent.objects.filter(action="consent.form_print", case_uuid=str(case.uuid)).exists()


def test_plan_agreement_accepts_the_consent_given_to_the_providing_institution(world):
    """The bug: a consent "Service — State shelter — Employment" was rejected and one naming no institution
    demanded. A consent for the service given to the institution responsible for the goal satisfies it; one
    given to another institution does not."""
    import pytest
    from django.core.exceptions import ValidationError

    from nicat.assistance.services import add_goal, create_plan, record_agreement
    from tests.support.referrals import consent

    case = world.open_case()
    plan = create_plan(actor=world.worker, case=case)
    add_goal(actor=world.worker, plan=plan, area="employment", description="A job.",
             responsible_institution=world.shelter)
    other = make_institution("other-ngo", "ngo", is_nonprofit=True)
    consent(world.worker, case, "service", other, service="employment")
    plan.refresh_from_db()
    with pytest.raises(ValidationError, match="Employment"):
        record_agreement(actor=world.worker, plan=plan, expected_version=plan.version)
    consent(world.worker, case, "service", world.shelter, service="employment")
    plan.refresh_from_db()
    record_agreement(actor=world.worker, plan=plan, expected_version=plan.version)
    plan.refresh_from_db()
    assert plan.status == "agreed"


def test_a_consent_refusal_links_to_the_conversation_and_back(client, world):
    """Admission without the shelter consent: the refusal names the missing consent and links to the consent
    conversation with `next` pointing back to the admission form."""
    from nicat.assistance.models import Facility
    from nicat.assistance.services import register_facility
    from nicat.referrals.services import accept_referral, create_referral
    from tests.support.referrals import consent

    case = world.open_case()
    facility = register_facility(actor=world.admin, institution=world.shelter, kind="shelter",
                                 capacity={"women": 2, "men": 1, "children": 1})
    assert Facility.objects.filter(pk=facility.pk).exists()
    consent(world.worker, case, "referral", world.shelter)
    referral = create_referral(actor=world.worker, case=case, data={
        "to_institution": world.shelter, "purpose": "referral", "shared_sections": ["identity"], "message": "x"})
    accept_referral(actor=world.shelter_staff, referral=referral, expected_version=referral.version)
    verified_login(client, world.shelter_staff)
    url = reverse("assistance:admit", args=[facility.uuid])
    response = client.post(url, {"case_reference": case.reference, "group": "women"})
    body = response.content.decode()
    assert response.status_code == 400 and "No consent is recorded" in body
    link = body.split('data-testid="consent-refusal-link"', 1)[1].split('href="', 1)[1].split('"', 1)[0]
    assert link.startswith(reverse("consent:conversation", args=[case.uuid]))
    assert link.endswith("?next=" + url)




def test_the_residence_permit_is_a_topic_of_the_conversation_page_api_and_printed_form(client, api, world):
    """Applying for a temporary residence permit is made only on the person's request: the conversation asks it
    with the other purposes, and the answer is a consent that the permit's gate finds."""
    case = world.open_case()
    verified_login(client, world.worker)
    url = reverse("consent:conversation", args=[case.uuid])
    assert 'data-topic="residence_permit"' in client.get(url).content.decode()
    response = client.post(url, _form(world, residence_permit__answer="given", research__answer="refused"))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert consent_is_valid(case=case, purpose="residence_permit")
    page = client.get(reverse("consent:conversation_print", args=[case.uuid])).content.decode()
    assert "Given" in page.split("Applying for a temporary residence permit", 1)[1].split("</tr>", 1)[0]
    other = world.open_case()
    response = api(world.worker).post("/api/v1/consents/conversation/", {
        "case": str(other.uuid), "method": "oral", "answers": [{"topic": "residence_permit", "answer": "refused"}]},
        format="json")
    assert response.status_code == 201, response.json()
    assert [(c["purpose"], c["decision"]) for c in response.json()] == [("residence_permit", "refused")]
