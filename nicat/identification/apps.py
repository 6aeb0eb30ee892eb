from django.apps import AppConfig


class IdentificationConfig(AppConfig):
    name = "nicat.identification"
    label = "identification"
