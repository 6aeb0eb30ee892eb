"""`nicat hotline escalate [--now ISO-TIME]`: escalate the urgent-contact alerts nobody acknowledged in time.

Meant to be run every minute by the job worker or cron; safe to run from several places at once."""
import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


class Command(BaseCommand):
    help = "Hotline jobs: escalate unacknowledged alerts of urgent contacts to the supervisors."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{escalate}")
        escalate = sub.add_parser("escalate", help="Escalate alerts not acknowledged within "
                                                   "NICAT_HOTLINE_ESCALATE_MINUTES.")
        escalate.add_argument("--now", default="", help="the time to judge by (ISO 8601; default: now)")

    def handle(self, *args, subcommand, now="", **options):
        from nicat.hotline.services import escalate_overdue

        when = None
        if now:
            try:
                when = datetime.datetime.fromisoformat(now)
            except ValueError as exc:
                raise CommandError(f"--now: not an ISO 8601 time: {now}", returncode=2) from exc
            if timezone.is_naive(when):
                when = timezone.make_aware(when)
        escalated = escalate_overdue(now=when)
        self.stdout.write(f"{len(escalated)} alert(s) escalated")
