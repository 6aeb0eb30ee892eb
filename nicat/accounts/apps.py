from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "nicat.accounts"
    label = "accounts"

    def ready(self):
        from nicat.accounts import signals  # noqa: F401  (audits sign-in, sign-out, failures, lock-outs)
