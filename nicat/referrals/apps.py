from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "nicat.referrals"
    label = "referrals"
    verbose_name = _("Referrals")

    def ready(self):
        from nicat.access import policy
        from nicat.accounts.services import register_membership_listener
        from nicat.consent.selectors import register_dependents, register_details_grant, register_order_dependents
        from nicat.consent.services import register_event_handler, register_withdrawal_handler
        from nicat.referrals import notify, selectors, services

        # Accepting a referral gives the receiving institution need-to-know access while it is active
        # and the consent it relies on is valid; completion, cancellation or withdrawal end it.
        policy.register_case_grant(selectors.case_grant)
        policy.register_case_partners(selectors.receiving_institution_ids)
        # A referral itself is seen by the staff of its two institutions and of the case's owner.
        policy.register_record_rule("referrals.referral", selectors.parties_rule)
        # ... and shows it only the sections the referral shares.
        policy.register_section_grant(selectors.shared_sections)
        # Withdrawing a consent revokes, in the same transaction, the open referrals that relied on it.
        register_withdrawal_handler(services.revoke_for_withdrawn_consent)
        # Legal bases approved or rejected, consents recorded or withdrawn outside the owner: notices, and
        # the referrals resting on a legal basis start (or are cancelled) with its approval (or rejection).
        register_event_handler(services.on_consent_event)
        # Before a withdrawal the page lists the open referrals relying on the consent; a receiving
        # institution sees who gave the consent when its referral shares the identity section.
        register_dependents(selectors.open_referrals_relying_on)
        # The page of a legal basis lists the referrals resting on it.
        register_order_dependents(selectors.referrals_on_legal_basis)
        register_details_grant(lambda user, case: "identity" in selectors.shared_sections(user, case))
        # A role granted by an administrator is announced to the institution (issue 14, item 7).
        register_membership_listener(notify.announce_role_grant)
        # An expired consent ends the open referrals that rested on it (and, for an embassy, the consent to
        # notify it ends every referral to it), as a withdrawal does.
        from nicat.core.jobs import register_periodic

        register_periodic("referrals.consent_expiry", "nicat.referrals.services.revoke_for_expired_consents",
                          every=300, description="Revoke the open referrals whose consent expired (for an embassy: "
                                                 "also the consent to notify it), and tell the owner, the sender "
                                                 "and the receiver")
