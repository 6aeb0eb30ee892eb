from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkConfig(AppConfig):
    name = "nicat.work"
    label = "work"
    verbose_name = _("Daily work")

    def ready(self):
        from nicat.access import policy
        from nicat.access.services import register_opening_listener
        from nicat.core import approvals
        from nicat.work import selectors, services

        # A user sees the teams they are on. An approval has no rule of its own: it is seen by those who see its
        # case now (an access-restriction order keeps its supervisors and requester from it too).
        policy.register_record_rule("work.caseteam", selectors.team_rule)

        # The plan, closing a case and a stay extension beyond the standard term wait for a supervisor's
        # approval where the institution asks for it (nicat.assistance calls the gate).
        approvals.register_gate(services.approval_gate)
        # Break-glass openings are told to the owner institution (and filed for review when it asks).
        register_opening_listener(services.on_break_glass)
        # Deadlines approaching: reminded once each, hourly, by `nicat worker` (or in process in development).
        from nicat.core.jobs import register_periodic

        register_periodic("work.reminders", "nicat.work.services.send_deadline_reminders", every=3600,
                          description="Remind the people concerned of work due within a day")
