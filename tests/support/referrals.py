"""Test helpers of the referral mechanism: consent in one call, a referral's data, a legal basis.

The institutions a referral travels between are built by the one world builder
(`tests.support.world.build_world`, re-exported here for the tests that import it from this module)."""
import datetime

from django.utils import timezone

from nicat.consent.models import Decision, Method, Purpose
from nicat.consent.services import record_consent
from tests.support.world import build_world

__all__ = ["PNG", "accepted_referral", "build_world", "consent", "legal_basis_data", "referral_data"]


def consent(actor, case, purpose=Purpose.REFERRAL, institution=None, decision=Decision.GIVEN, **extra):
    data = {"purpose": purpose, "institution": institution, "decision": decision, "method": Method.WRITTEN,
            "given_at": timezone.now() - datetime.timedelta(minutes=10), **extra}
    return record_consent(actor=actor, case=case, data=data)


def referral_data(to, purpose=Purpose.REFERRAL, **extra):
    return {"to_institution": to, "purpose": purpose, "urgency": "urgent", "message": "Needs a safe place tonight.",
            "shared_sections": ["identity"], **extra}


def accepted_referral(sender, case, to, accepted_by, shared_sections=("medical",)):
    """`sender` refers `case` to `to` with the person's consent, sharing `shared_sections`, and `accepted_by` (a
    member of `to`) accepts it: the usual way a partner comes to see part of a case."""
    from nicat.referrals import services as referrals

    consent(sender, case, Purpose.REFERRAL, to)
    referral = referrals.create_referral(actor=sender, case=case,
                                         data=referral_data(to, shared_sections=list(shared_sections)))
    return referrals.accept_referral(actor=accepted_by, referral=referral, expected_version=referral.version)


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def legal_basis_data(sections=("identity",), basis="court_order", **extra):
    """The legal-basis part of a referral (court order with its number, date and copy)."""
    return {"legal_basis": basis, "legal_basis_reason": "Investigation of the recruiter requires it.",
            "legal_basis_issuing_body": "Baku Grave Crimes Court", "legal_basis_order_number": "2-1/55",
            "legal_basis_order_date": timezone.localdate() - datetime.timedelta(days=3), "legal_basis_copy": PNG,
            "legal_basis_sections": list(sections), **extra}
