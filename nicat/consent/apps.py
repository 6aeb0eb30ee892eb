from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "nicat.consent"
    label = "consent"
    verbose_name = _("Consent")

    def ready(self):
        from django.utils.translation import gettext

        from nicat.access import policy
        from nicat.audit import actions
        from nicat.consent import legal_bases
        from nicat.consent.selectors import approver_orders

        policy.register_record_rule("consent.legalbasisuse", approver_orders)
        # The audit trail's reason of a legal basis's request, approval and rejection (services: "legal basis: <code>").
        actions.register_reason(legal_bases.AUDIT_REASON_PREFIX, lambda code: gettext("Legal basis: %(basis)s")
                                % {"basis": legal_bases.label(code)})
