from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "nicat.access"
    label = "access"
