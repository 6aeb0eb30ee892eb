from django.apps import AppConfig


class HotlineConfig(AppConfig):
    name = "nicat.hotline"
    label = "hotline"
