from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "nicat.consent"
    label = "consent"
