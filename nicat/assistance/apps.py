from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "nicat.assistance"
    label = "assistance"
