from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "nicat.access"
    label = "access"

    def ready(self):
        from nicat.access import grants, policy
        from nicat.core.models import register_scope

        register_scope(policy.scope)
        grants.register()
