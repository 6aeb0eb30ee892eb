from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "nicat.access"
    label = "access"
    verbose_name = _("Access")

    def ready(self):
        from nicat.access import grants, policy
        from nicat.core.models import register_scope

        register_scope(policy.scope)
        grants.register()
