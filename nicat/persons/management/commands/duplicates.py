"""`nicat duplicates scan`: find likely duplicates across the whole registry for the coordinator."""
from django.core.management.base import BaseCommand

from nicat.persons.duplicates import SCAN_MIN_PROBABILITY


class Command(BaseCommand):
    help = "Find likely duplicate person records across the registry and list them for the coordinator's review."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{scan}")
        scan = sub.add_parser("scan", help="Compare persons that share a keyed index token and raise a signal for "
                                           "every likely duplicate pair (existing pairs are not raised again).")
        scan.add_argument("--min-probability", type=float, default=SCAN_MIN_PROBABILITY,
                          help="Lowest match probability raised (default %(default)s).")
        scan.add_argument("--block-cap", type=int, default=None,
                          help="Largest block of persons compared pairwise, for every kind of token "
                               "(default: a cap per kind, see nicat.privacy.indexes.SCAN_BLOCK_CAPS).")
        scan.add_argument("--dry-run", action="store_true", help="Count, but raise no signal and store no weights.")
        scan.add_argument("--no-learning", action="store_true",
                          help="Keep the current match weights instead of re-estimating them from the registry.")

    def handle(self, *args, subcommand, **options):
        from nicat.persons.duplicates import scan

        result = scan(min_probability=options["min_probability"], block_cap=options["block_cap"],
                      record=not options["dry_run"], learn=not options["no_learning"],
                      progress=(lambda m: self.stderr.write(m)) if options["verbosity"] > 1 else None)
        self.stdout.write(
            f"{result.persons} persons, {result.pairs} pairs compared, {result.matches} likely duplicates, "
            f"{result.new_signals} new signals for review{', match weights re-estimated' if result.trained else ''} "
            f"({result.seconds} s)")
