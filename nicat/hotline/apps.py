from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotlineConfig(AppConfig):
    name = "nicat.hotline"
    label = "hotline"
    verbose_name = _("Hotline")

    def ready(self):
        # Urgent alerts nobody acknowledged are escalated to the supervisors: checked every minute by
        # `nicat worker` (in process in development); `nicat hotline escalate` does the same by hand.
        from nicat.core.jobs import register_periodic

        register_periodic("hotline.escalate", "nicat.hotline.services.escalate_overdue", every=60,
                          description="Escalate urgent hotline alerts nobody acknowledged")
