"""Helpers of the proceedings tests."""
from nicat.consent.models import Purpose
from nicat.referrals import services as referral_services
from tests.support.referrals import consent, referral_data


def fresh(user):
    """Forget what the policy remembered about `user` (as a new request would)."""
    for attr in ("_nicat_memberships", "_nicat_policy_memo"):
        if hasattr(user, attr):
            delattr(user, attr)
    return user


def share(cast, case, to, user, sections, purpose=Purpose.REFERRAL):
    """The owner refers `case` to `to` with consent, sharing `sections`; `user` of `to` accepts."""
    consent(cast.officer, case, purpose, to)
    referral = referral_services.create_referral(actor=cast.officer, case=case, data=referral_data(
        to, purpose=purpose, shared_sections=list(sections)))
    referral_services.accept_referral(actor=user, referral=referral, expected_version=referral.version)
    fresh(user)
    return referral
