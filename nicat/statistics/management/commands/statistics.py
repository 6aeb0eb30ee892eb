"""`nicat statistics import-ctdc FILE --dataset NAME` and
`nicat statistics table --dataset NAME --by COL[,COL…] [--k K] --format json`."""
import json
import os
import sys
import tempfile

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Statistics sources: import a published CTDC dataset; print a frequency table with small cells suppressed."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{import-ctdc,table,release}")
        imp = sub.add_parser("import-ctdc", help="Import a published CTDC CSV file as a statistics source "
                                                 "(replaces a dataset of the same name). Exit 1: invalid file, "
                                                 "nothing written.")
        imp.add_argument("file", help="the CTDC CSV file")
        imp.add_argument("--dataset", required=True, help="the name to keep it under")
        imp.add_argument("--source", default="Counter Trafficking Data Collaborative (CTDC)",
                         help="the source to cite")
        table = sub.add_parser("table", help="Counts of a dataset by one or more of its columns.")
        table.add_argument("--dataset", required=True)
        table.add_argument("--by", required=True, help="COL[,COL…] — the dataset's own column names")
        table.add_argument("--k", type=int, default=None, help="withhold cells of fewer than K records")
        table.add_argument("--format", choices=["json"], default="json")
        rel = sub.add_parser("release", help="A k-anonymous release of Nicat's cases (CTDC victim format, CSV).")
        rel.add_argument("file", help="the CSV file to write ('-' for standard output)")
        rel.add_argument("--format", choices=["ctdc"], default="ctdc")
        rel.add_argument("--k", type=int, default=11, help="every quasi-identifier combination occurs at least K "
                                                          "times (default 11, as CTDC)")

    def handle(self, *args, subcommand, **options):
        if subcommand == "import-ctdc":
            return self._import(options["file"], options["dataset"], options["source"])
        if subcommand == "release":
            return self._release(options["file"], options["k"])
        return self._table(options["dataset"], options["by"], options["k"])

    def _release(self, path, k):
        from nicat.statistics.services import ctdc_release

        try:
            if path == "-":
                result = ctdc_release(actor=None, k=k, fh=self.stdout)
            else:
                # Written beside the target and renamed when complete: never a half-written release.
                directory = os.path.dirname(os.path.abspath(path))
                fd, temp = tempfile.mkstemp(dir=directory, prefix=".nicat-release-", suffix=".csv")
                try:
                    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                        result = ctdc_release(actor=None, k=k, fh=fh)
                    os.replace(temp, path)
                finally:
                    if os.path.exists(temp):
                        os.unlink(temp)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages), returncode=1) from exc
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc.strerror}", returncode=1) from exc
        self.stderr.write(f"{len(result.rows)} of {result.cases} cases released with k = {k}; "
                          f"{result.left_out} left out; values blanked: {result.blanked or 'none'}; "
                          f"{result.refused} left out because the person refused research")

    def _import(self, path, dataset, source):
        from nicat.statistics.services import InvalidFile, import_ctdc

        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}", returncode=1) from exc
        try:
            ds = import_ctdc(actor=None, data=data, dataset=dataset, source=source)
        except InvalidFile as exc:
            for problem in exc.problems:
                self.stderr.write(f"{path}: {problem}")
            self.stderr.write("Nothing was imported.")
            sys.exit(1)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages), returncode=1) from exc
        self.stdout.write(f"Imported {ds.row_count} rows, {len(ds.columns)} columns as dataset {ds.name}.")

    def _table(self, dataset, by, k):
        from nicat.statistics.selectors import dataset_named, dataset_table

        columns = [c.strip() for c in by.split(",") if c.strip()]
        try:
            result = dataset_table(dataset=dataset_named(dataset), by=columns, k=k)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages), returncode=1) from exc
        self.stdout.write(json.dumps(result, ensure_ascii=False))
