"""`nicat work_reminders`: notify the people concerned of tasks, follow-ups and stays due within a day (run it
hourly from cron or a timer; each deadline is reminded once). The work list shows them anyway."""
from django.core.management.base import BaseCommand

from nicat.work.services import send_deadline_reminders


class Command(BaseCommand):
    help = "Notify assignees and institutions of work due within --days days (once per deadline)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=1)

    def handle(self, *args, **options):
        count = send_deadline_reminders(days=options["days"])
        self.stdout.write(f"{count} reminder(s) sent")
