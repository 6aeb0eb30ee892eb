from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SafetyConfig(AppConfig):
    name = "nicat.safety"
    label = "safety"
    verbose_name = _("Safety")

    def ready(self):
        # The risk assessment before each court appearance (issue 17): the proceedings app runs the checks
        # registered under this name (nicat.core.checks); neither app imports the other.
        from nicat.core import checks
        from nicat.safety.services import appearance_check

        checks.register("proceedings.appearance", appearance_check)
