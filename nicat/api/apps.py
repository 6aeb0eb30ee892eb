from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "nicat.api"
    label = "api"
