from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "nicat.referrals"
    label = "referrals"

    def ready(self):
        from nicat.access import policy
        from nicat.consent.services import register_event_handler, register_withdrawal_handler
        from nicat.referrals import selectors, services

        # Accepting a referral gives the receiving institution need-to-know access while it is active
        # and the consent it relies on is valid; completion, cancellation or withdrawal end it.
        policy.register_case_grant(selectors.case_grant)
        # ... and shows it only the sections the referral shares.
        policy.register_section_grant(selectors.shared_sections)
        # Withdrawing a consent revokes, in the same transaction, the open referrals that relied on it.
        register_withdrawal_handler(services.revoke_for_withdrawn_consent)
        # Legal bases approved or rejected, consents recorded or withdrawn outside the owner: notices, and
        # the referrals resting on a legal basis start (or are cancelled) with its approval (or rejection).
        register_event_handler(services.on_consent_event)
