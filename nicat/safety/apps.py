from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SafetyConfig(AppConfig):
    name = "nicat.safety"
    label = "safety"
    verbose_name = _("Safety")

    def ready(self):
        # The risk assessment before each court appearance (issue 17): the proceedings app runs the checks
        # registered with it and does not import this app.
        from nicat.proceedings.checks import register_appearance_check
        from nicat.safety.services import appearance_check

        register_appearance_check(appearance_check)
