from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "nicat.consent"
    label = "consent"
    verbose_name = _("Consent")

    def ready(self):
        from nicat.access import policy
        from nicat.consent.selectors import approver_orders

        policy.register_record_rule("consent.legalbasisuse", approver_orders)
