from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "nicat.ops"
    label = "ops"
    verbose_name = _("Operations")

    def ready(self):
        from nicat.ops import jobs

        jobs.register_builtin()
