from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "nicat.privacy"
    label = "privacy"
    verbose_name = _("Privacy")

    def ready(self):
        from nicat.core import prepared
        from nicat.privacy.fields import sealed_columns, unwrap_keys_before_converters, unwrap_keys_of

        unwrap_keys_before_converters()  # a list unwraps its persons' keys in one query, not one per person
        prepared.register_key_unwrapping(sealed_columns, unwrap_keys_of)  # and so do the compiled hot reads
