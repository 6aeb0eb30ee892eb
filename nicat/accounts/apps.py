from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "nicat.accounts"
    label = "accounts"
    verbose_name = _("Staff accounts")

    def ready(self):
        from nicat.accounts import signals  # noqa: F401  (audits sign-in, sign-out, failures, lock-outs)
