"""Test helpers of the identification app: the consent a referral for identification needs, the referral, and a
recognised case with its screening and decision."""
import datetime

from django.utils import timezone

from nicat.consent.models import Decision, GivenBy, Method, Purpose
from nicat.consent.services import record_consent


def identification_consent(actor, case, decision=Decision.GIVEN, **extra):
    """Record the person's consent (or refusal) to the referral for identification, by the legal
    representative where the person is (or may be) a child."""
    data = {"purpose": Purpose.IDENTIFICATION, "decision": decision, "method": Method.WRITTEN,
            "given_at": timezone.now() - datetime.timedelta(minutes=10)}
    age = case.person.age_on(timezone.localdate())
    if age is None or age < 18:
        data.update(given_by=GivenBy.LEGAL_REPRESENTATIVE, representative_name="Guardianship authority",
                    representative_relation="guardian", child_view="Agrees to talk to the police.")
    data.update(extra)
    return record_consent(actor=actor, case=case, data=data)


def refer_with_consent(actor, case, **kw):
    """Record the consent for identification, then refer the case to the competent authority."""
    from nicat.identification.services import refer_for_identification

    identification_consent(actor, case)
    return refer_for_identification(actor=actor, case=case, **kw)


FACTS = "Recruited by her cousin Rauf for a hotel job in Dubai"
REASON = "Forced to work in the cousin's restaurant without pay"


def recognised_case(world, api, **person):
    """A case of the first NGO (tests.support.referrals.build_world), screened with facts, referred for
    identification with consent and recognised by the Main Department's officer with reasons, the offences
    the person is released from and a document: (case, the decision's uuid)."""
    from nicat.cases.models import Case

    case = world.open_case(person={"given_name": "Aysel", "family_name": "Zeynalova",
                                   "birth_date": datetime.date(1994, 2, 3), **person})
    screened = api(world.worker).post("/api/v1/screenings/", {
        "case": str(case.uuid), "acts": ["recruitment"], "acts_facts": FACTS}, format="json")
    assert screened.status_code == 201, screened.data
    refer_with_consent(world.worker, case)
    decided = api(world.officer).post("/api/v1/identification/decisions/", {
        "case": str(case.uuid), "outcome": "recognised", "version": Case.objects.system().get(pk=case.pk).version,
        "decided_on": timezone.localdate().isoformat(), "reason": REASON, "release_from_liability": True,
        "liability_note": "Used a forged passport under duress",
        "documents": [{"title": "Inquiry report", "date": "2026-01-05", "reference": "MD-9"}],
        "certificate_language": "en"}, format="json")
    assert decided.status_code == 201, decided.data
    return case, decided.data["uuid"]
