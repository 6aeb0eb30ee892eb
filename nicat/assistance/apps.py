from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "nicat.assistance"
    label = "assistance"
    verbose_name = _("Protection and rehabilitation")

    def ready(self):
        from nicat.access import policy
        from nicat.assistance.services.foreigners import end_for_withdrawn_consent
        from nicat.assistance.services.plans import cancel_for_withdrawn_consent
        from nicat.cases import services as case_services
        from nicat.consent.services import register_withdrawal_handler

        policy.register_case_grant(shelter_residents_grant)
        # A withdrawal of the consent to return or to contact the family ends the returns being prepared and
        # the family tracings in its own transaction.
        register_withdrawal_handler(end_for_withdrawn_consent)
        # A withdrawal of the consent to a service cancels the actions planned under it.
        register_withdrawal_handler(cancel_for_withdrawn_consent)
        policy.register_case_partners(shelter_of_the_stay)
        # Closing a case anywhere (the case edit page, PATCH /api/v1/cases/…) needs the final plan review:
        # registered with the cases app when it offers the hook (see docs/assistance.md, "Closing a case").
        register_close_check = getattr(case_services, "register_close_check", None)
        if register_close_check is not None:
            from nicat.assistance.services.closing import closing_problems

            register_close_check(closing_problems)


def shelter_residents_grant(user, institution_ids):
    """A shelter sees the cases of the people staying there now (admitted, or transferred in).

    Admission itself needs the case to be visible already (an accepted referral) and the person's
    consent to stay at that very shelter; a transfer carries the consent for the receiving shelter.
    The access ends when the stay ends (unless another grant, such as the referral, remains).
    """
    from django.db.models import Q

    from nicat.access import policy
    from nicat.assistance.models import Stay

    return Q(pk__in=policy.rule_table(Stay).filter(facility__institution_id__in=institution_ids,
                                                  ended_at__isnull=True).values("case_id"))


def shelter_of_the_stay(case):
    """The institutions whose facility the person of `case` stays at now: they work on the case (payments,
    nicat.access.predicates.payer_for)."""
    from nicat.assistance.models import Stay

    return Stay.objects.of(case).filter(ended_at__isnull=True).values_list("facility__institution_id", flat=True)
