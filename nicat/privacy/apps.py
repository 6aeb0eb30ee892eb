from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "nicat.privacy"
    label = "privacy"
