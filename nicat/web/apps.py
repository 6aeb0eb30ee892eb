from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "nicat.web"
    label = "web"
