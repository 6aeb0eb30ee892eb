"""`nicat retention run [--dry-run] [--date YYYY-MM-DD] | reapply | status` (docs/operations.md §8).

run      erase (crypto-shredding) every person whose last case closed longer ago than the retention period
         in force (legal parameter retention.person_after_closure_months); --dry-run only counts.
reapply  after restoring a backup made before some erasures: destroy again every person key named in the
         erasure ledger (NICAT_ERASURE_LEDGER) and mark those persons erased.
status   the period in force, how many persons are due, how many are erased.
"""
import datetime
import os

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Retention of persons' identities: run (erase what is due), reapply (after a restore), status."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="Erase the identities kept longer than their retention period.")
        run.add_argument("--dry-run", action="store_true", help="Count what is due; change nothing.")
        run.add_argument("--date", help="Run as on this day (YYYY-MM-DD; default today in Baku).")
        sub.add_parser("reapply", help="Destroy again the person keys named in the erasure ledger (after a restore).")
        sub.add_parser("status", help="The period in force and how many persons are due or erased.")

    def handle(self, *args, **options):
        action = options["action"]
        if action == "run":
            return self.run(options)
        if action == "reapply":
            return self.reapply()
        return self.status()

    def run(self, options):
        from nicat.retention.services import run_retention

        today = None
        if options.get("date"):
            try:
                today = datetime.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("--date must be YYYY-MM-DD.") from None
        report = run_retention(today=today, dry_run=options["dry_run"])
        self.stdout.write(f"Retention period in force on {report.today.isoformat()}: {report.months} months after "
                          f"the last case closed (cases closed before {report.closed_before.isoformat()}).")
        self.stdout.write(f"Hotline contacts that led to no case: {report.contact_months} months (started before "
                          f"{report.contacts_before.isoformat()}).")
        if report.dry_run:
            self.stdout.write(f"Dry run: {report.due} persons are due for erasure and {report.contacts} hotline "
                              f"contacts for blanking; nothing was changed.")
        else:
            self.stdout.write(f"{report.erased} person records erased ({report.due} persons were due); "
                              f"{report.contacts} hotline contacts blanked.")

    def reapply(self):
        from nicat.privacy import personkeys
        from nicat.retention.services import reapply_ledger

        if not os.path.exists(personkeys.ledger_path()):
            self.stderr.write(f"No erasure ledger at {personkeys.ledger_path()}: nothing to erase again. If this "
                              f"installation ever erased anyone, put the ledger kept with the keys there (or set "
                              f"NICAT_ERASURE_LEDGER) and run this again.")
        found, erased = reapply_ledger()
        self.stdout.write(f"Erasure ledger: {found} key ids; {erased} person records erased again.")

    def status(self):
        from nicat.core.calendar import baku_today
        from nicat.retention.services import due_persons, registry_persons

        months, cutoff, persons = due_persons(baku_today())
        self.stdout.write(f"Retention period in force: {months} months after the last case closed.")
        self.stdout.write(f"Due for erasure today (last case closed before {cutoff.isoformat()}): {persons.count()}")
        self.stdout.write(f"Erased so far: {registry_persons().filter(erased_at__isnull=False).count()}")
