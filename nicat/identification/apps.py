from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentificationConfig(AppConfig):
    name = "nicat.identification"
    label = "identification"
    verbose_name = _("Identification")

    def ready(self):
        from nicat.access import policy

        # The screening data (data/*.yaml) is read and validated on first use; its tests
        # (tests/test_indicator_data.py) fail on a broken file before it ships.
        policy.register_case_grant(referred_for_identification)
        policy.register_section_grant(identification_sections)
        # Withdrawing the consent a referral for identification rests on ends the Main Department's access
        # (the grant requires it) in the withdrawal's transaction, audited and announced.
        from nicat.consent.services import register_withdrawal_handler
        from nicat.identification.services import end_for_withdrawn_consent

        register_withdrawal_handler(end_for_withdrawn_consent)
        # A possible victim not referred for identification in time: the owner institution is told once.
        from nicat.core.jobs import register_periodic

        register_periodic("identification.deadlines", "nicat.identification.services.remind_overdue_referrals",
                          every=300, description="Remind owners of possible victims not referred for identification "
                                                 "within the referral hours")


def referral_basis_q(prefix="identification__"):
    """A Q over Case (through `prefix`) that the referral for identification rests on a valid consent for
    identification or an approved legal basis — without it the Main Department sees nothing."""
    from django.db.models import Q

    from nicat.consent.models import OrderStatus
    from nicat.consent.services import valid_consent_q

    return Q(**{f"{prefix}legal_basis_use__status": OrderStatus.APPROVED}) | valid_consent_q(f"{prefix}consent__")


def referred_for_identification(user, institution_ids):
    """Identification officers of the competent authority see the cases referred to it for identification,
    while the referral rests on the person's valid consent or an approved legal basis."""
    from django.db.models import Q

    from nicat.access.predicates import competent_authority_ids

    competent = competent_authority_ids(user) & set(institution_ids)
    if not competent:
        return None
    return Q(identification__referred_to_id__in=competent, identification__referred_at__isnull=False) & \
        referral_basis_q()


def identification_sections(user, case, institution_ids):
    """The competent authority's identification officers see the whole case referred to them
    (within what their role may see): the inquiry needs identity, account and investigation. Opened to the
    competent authorities among `institution_ids`."""
    from nicat.access import sections
    from nicat.access.predicates import competent_authority_ids
    from nicat.identification.models import Identification

    competent = competent_authority_ids(user) & set(institution_ids)
    if not competent:
        return None
    row = (Identification.objects.of(case).filter(referred_to_id__in=competent, referred_at__isnull=False)
           .filter(referral_basis_q(prefix="")).select_related("legal_basis_use").first())
    if row is None:
        return None
    if row.legal_basis_use_id:  # on a legal basis: never more than the decision names
        return [s for s in sections.CODES if s in set(row.legal_basis_use.sections or ())]
    return sections.CODES
