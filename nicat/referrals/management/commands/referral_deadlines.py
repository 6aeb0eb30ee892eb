"""`nicat referral_deadlines`: notify both sides of referrals unanswered past their deadline (run it every
few minutes from cron or a timer; each referral is flagged once). Dashboards show overdue referrals anyway."""
from django.core.management.base import BaseCommand

from nicat.referrals.services import flag_overdue


class Command(BaseCommand):
    help = "Notify both institutions of every referral still unanswered after its deadline (once each)."

    def handle(self, *args, **options):
        count = flag_overdue()
        self.stdout.write(f"{count} overdue referral(s) flagged")
