from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "nicat.privacy"
    label = "privacy"
    verbose_name = _("Privacy")

    def ready(self):
        from nicat.privacy.fields import unwrap_keys_before_converters

        unwrap_keys_before_converters()  # a list unwraps its persons' keys in one query, not one per person
