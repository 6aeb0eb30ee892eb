"""`nicat persons reindex | generate N`."""
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Maintain the blind indexes of persons, or generate synthetic persons for benchmarks."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{reindex,generate}")
        sub.add_parser("reindex", help="Recompute every person's blind indexes and tokens (after NICAT_INDEX_KEY "
                                       "changed, or after the normaliser changed).")
        gen = sub.add_parser("generate", help="Insert N synthetic persons (with spelling variants and duplicates) "
                                              "directly, for benchmarks. Never on a production database.")
        gen.add_argument("count", type=int)
        gen.add_argument("--seed", type=int, default=1)
        gen.add_argument("--duplicates", type=float, default=0.02,
                         help="Share of generated persons that re-register an earlier one (default %(default)s).")
        gen.add_argument("--workers", type=int, default=2, help="Processes sealing values (default %(default)s).")
        gen.add_argument("--yes-this-is-a-benchmark-database", dest="confirmed", action="store_true",
                         help="Required unless DEBUG is on: the rows bypass the services and the audit trail.")

    def handle(self, *args, subcommand, **options):
        if subcommand == "reindex":
            from nicat.persons.indexing import every_person, reindex

            n = 0
            for person in every_person().iterator(chunk_size=1000):
                reindex(person)
                n += 1
            self.stdout.write(f"{n} persons reindexed")
            return
        if subcommand == "generate":
            from django.conf import settings

            from nicat.persons.generator import generate

            if options["count"] <= 0:
                raise CommandError("Give a positive number of persons.")
            if not settings.DEBUG and not options["confirmed"]:
                raise CommandError("Synthetic persons bypass the services and the audit trail: only on a benchmark "
                                   "database (pass --yes-this-is-a-benchmark-database).")
            made = generate(options["count"], seed=options["seed"], duplicate_share=options["duplicates"],
                            workers=options["workers"], progress=lambda m: self.stderr.write(m))
            self.stdout.write(f"{made} persons generated")
