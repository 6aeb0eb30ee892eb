"""`nicat load_vocabularies`: upsert nicat/vocab/data/*.yaml into the database now.

Migrations already do this; the command is for checking an edited file against a database
without writing a migration first (`--check` validates the files only).
"""
from django.core.management.base import BaseCommand, CommandError

from nicat.vocab.loader import read_all
from nicat.vocab.services import load_vocabularies


class Command(BaseCommand):
    help = "Load the reference vocabularies from nicat/vocab/data/*.yaml (upsert; never deletes)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="only validate the data files")
        parser.add_argument("--data-dir", help="read the files from this directory instead")

    def handle(self, *args, check=False, data_dir=None, **options):
        try:
            if check:
                vocabularies = read_all(data_dir)
                for name, entries in vocabularies.items():
                    self.stdout.write(f"{name}: {len(entries)}")
                return
            counts = load_vocabularies(actor=None, data_dir=data_dir)  # audited as vocab.load
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(", ".join(f"{k} {v}" for k, v in counts.items()))
