from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatisticsConfig(AppConfig):
    name = "nicat.statistics"
    label = "statistics"
    verbose_name = _("Statistics")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The analysts' figures come from stored totals recounted from the cases by `nicat worker`
        # (nicat/statistics/totals.py); the statistics page says when they were counted.
        from nicat.core.jobs import register_periodic
        from nicat.statistics.totals import TOTALS_EVERY

        register_periodic("statistics.case_counts", "nicat.statistics.totals.refresh", every=TOTALS_EVERY,
                          description="Recount the stored totals of the cases for the statistics")
        register_periodic("statistics.reports", "nicat.statistics.services.run_scheduled_reports", every=3600,
                          description="Make the annual reports supervisors and analysts ordered every month or year")
