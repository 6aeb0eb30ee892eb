from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetentionConfig(AppConfig):
    name = "nicat.retention"
    label = "retention"
    verbose_name = _("Retention and erasure")

    def ready(self):
        # Identities kept past their retention period are erased daily by `nicat worker` (or in process in
        # development); `nicat retention run` does the same by hand.
        from nicat.core.jobs import register_periodic

        register_periodic("retention.run", "nicat.retention.services.run_retention_job", every=86400,
                          description="Erase the identities kept longer than their retention period")
