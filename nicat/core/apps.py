from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "nicat.core"
    label = "core"
    verbose_name = "Nicat core"
