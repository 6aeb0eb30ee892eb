"""Test helpers of the identification app: the consent a referral for identification needs, and the referral."""
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
