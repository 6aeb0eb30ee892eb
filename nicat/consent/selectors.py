"""Reads of consent, through the access policy."""
from nicat.access import policy
from nicat.audit import services as audit
from nicat.consent.models import Consent, LegalBasisUse


def case_consents(*, user, case):
    return (Consent.objects.visible_to(user).filter(case=case)
            .select_related("institution", "interpreter_language", "recorded_by", "recorded_by_institution"))


def case_legal_basis_uses(*, user, case):
    return LegalBasisUse.objects.visible_to(user).filter(case=case).select_related("institution", "used_by",
                                                                                    "used_by_institution")


def consent_detail(*, user, uuid):
    return policy.get_visible_or_404(Consent.objects, user, uuid=uuid)


def consent_form(*, user, uuid):
    """(bytes, content type) of the signed form; the read is audited."""
    consent = consent_detail(user=user, uuid=uuid)
    if not consent.has_form or not details_visible(user, consent.case):
        return consent, None, ""
    audit.record(actor=user, action="consent.form.view", obj=consent, case=consent.case,
                 institution=policy.acting_institution(user), details={"purpose": consent.purpose})
    with consent.signed_form.open("rb") as fh:
        data = fh.read()
    return consent, data, consent.form_content_type


_details_grants = []
_dependents = []


def register_details_grant(fn):
    """`fn(user, case) -> bool`: may a user outside the owner institution see who gave the consents of
    `case`? (referrals: when an active referral shares "identity"; registered in AppConfig.ready())."""
    _details_grants.append(fn)
    return fn


def register_dependents(fn):
    """`fn(consent) -> list`: what still relies on a consent, shown before it is withdrawn (referrals:
    the open referrals that rest on it; registered in AppConfig.ready())."""
    _dependents.append(fn)
    return fn


def dependents(consent):
    return [item for fn in _dependents for item in fn(consent)]


def details_visible(user, case):
    """Who gave the consent (a representative's name, the child's view, notes, the signed form) is identifying:
    the owner institution's staff see it, a receiving institution only when the referral shares "identity"."""
    if case.owner_institution_id in policy.case_institution_ids(user):
        return True
    return any(grant(user, case) for grant in _details_grants)
