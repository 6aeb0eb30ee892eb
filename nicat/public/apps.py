from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "nicat.public"
    label = "public"
