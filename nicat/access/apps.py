from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "nicat.access"
    label = "access"
    verbose_name = _("Access")

    def ready(self):
        from nicat.access import grants, policy
        from nicat.core.models import register_scope
        from nicat.core.reads import register_case_visibility, register_sections

        register_scope(policy.scope)
        register_sections(policy.visible_sections)
        register_case_visibility(policy.learn_case_visibility)
        grants.register()
