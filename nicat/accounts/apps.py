from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "nicat.accounts"
    label = "accounts"
