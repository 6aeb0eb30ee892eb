from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "nicat.audit"
    label = "audit"
    verbose_name = _("Audit trail")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from nicat.audit import checkpoints, checks, guard, services  # noqa: F401  (checks registers itself)
        from nicat.core import trail

        guard.connect_signals()
        services.register_checkpointer(checkpoints.checkpoint_after_append)
        trail.register(record=services.record, diff=services.diff)
