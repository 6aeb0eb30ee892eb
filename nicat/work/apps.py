from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkConfig(AppConfig):
    name = "nicat.work"
    label = "work"
    verbose_name = _("Daily work")

    def ready(self):
        from nicat.access.policy import register_record_rule
        from nicat.access.services import register_opening_listener
        from nicat.core import approvals
        from nicat.work import selectors, services

        # An approval is seen by the supervisors of its institution and by its requester too.
        register_record_rule("work.approval", selectors.approval_parties)

        # The plan, closing a case and a stay extension beyond the standard term wait for a supervisor's
        # approval where the institution asks for it (nicat.assistance calls the gate).
        approvals.register_gate(services.approval_gate)
        # Break-glass openings are told to the owner institution (and filed for review when it asks).
        register_opening_listener(services.on_break_glass)
        # Deadlines approaching: reminded once each, hourly, by `nicat worker` (or in process in development).
        from nicat.core.jobs import register_periodic

        register_periodic("work.reminders", "nicat.work.services.send_deadline_reminders", every=3600,
                          description="Remind the people concerned of work due within a day")
