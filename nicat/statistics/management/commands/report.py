"""`nicat report annual --year Y --language az|ru|en [--edition internal|public] [--output DIR]`."""
import os
import tempfile

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "The national annual report as PDF and XLSX."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{annual}")
        annual = sub.add_parser("annual", help="Write annual-report-YEAR-LANGUAGE[-public].pdf and .xlsx.")
        annual.add_argument("--year", type=int, required=True)
        annual.add_argument("--language", choices=["az", "ru", "en"], required=True)
        annual.add_argument("--edition", choices=["internal", "public"], default="internal",
                            help="internal: exact figures (default); public: small cells withheld")
        annual.add_argument("--output", default=".", help="folder to write into (default: the current one)")

    def handle(self, *args, year, language, edition, output, **options):
        from nicat.statistics.services import annual_report

        suffix = "-public" if edition == "public" else ""
        written = []
        for fmt in ("pdf", "xlsx"):
            try:
                content = annual_report(actor=None, year=year, language=language, edition=edition, fmt=fmt)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages), returncode=1) from exc
            path = os.path.join(output, f"annual-report-{year}-{language}{suffix}.{fmt}")
            try:
                fd, temp = tempfile.mkstemp(dir=output, prefix=".nicat-report-")
                with os.fdopen(fd, "wb") as fh:
                    fh.write(content)
                os.replace(temp, path)
            except OSError as exc:
                raise CommandError(f"Cannot write {path}: {exc.strerror}", returncode=1) from exc
            written.append(path)
        self.stdout.write("\n".join(written))
