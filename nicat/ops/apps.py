from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "nicat.ops"
    label = "ops"
    verbose_name = _("Operations")

    def ready(self):
        from nicat.ops import jobs

        jobs.register_builtin()
        # Job results are for the operator's metrics and logs, not for the admin (a failed job's traceback
        # could quote a value): django-tasks-db's admin page is not offered.
        from django.contrib import admin
        from django_tasks_db.models import DBTaskResult

        if admin.site.is_registered(DBTaskResult):
            admin.site.unregister(DBTaskResult)
