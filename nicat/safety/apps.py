from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "nicat.safety"
    label = "safety"
