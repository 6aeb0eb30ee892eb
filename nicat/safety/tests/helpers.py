"""A high-risk assessment and the people around a case, for the safety tests."""
import datetime

from django.utils import timezone

from nicat.safety import services

REVIEW = timezone.localdate() + datetime.timedelta(days=30)


def assess(actor, case, level="high", occasion="family_contact", factors=("traffickers", "family_involvement")):
    return services.record_assessment(actor=actor, case=case, data={
        "occasion": occasion, "level": level, "factors": list(factors),
        "reasons": "The recruiter is a cousin and calls the family every week.", "review_on": REVIEW})
