from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "nicat.access"
    label = "access"

    def ready(self):
        from nicat.access import grants

        grants.register()
