"""`nicat htcds export FILE` / `nicat htcds import FILE [--skip-invalid]` (JSON or CSV by extension).

What it tells the operator — the problems of a file and the counts — is in the active language: Django
activates none for a management command, so that is the installation's LANGUAGE_CODE (Azerbaijani)."""
import os
import sys
import tempfile

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _


def _format(path):
    ext = os.path.splitext(path)[1].lower()
    if ext not in (".json", ".csv"):
        raise CommandError(_("%(file)s: name a .json or .csv file.") % {"file": path}, returncode=1)
    return ext[1:]


class Progress:
    """A progress bar on the console (standard error) for long files; silent when not a terminal."""

    def __init__(self, stream):
        self.stream = stream
        self.active = hasattr(stream, "isatty") and stream.isatty()
        self.last = -1

    def __call__(self, done, total=None, what="exported"):
        if not self.active:
            return
        if total:
            percent = int(done * 100 / total)
            if percent == self.last and done != total:
                return
            self.last = percent
            bar = "#" * (percent // 4)
            self.stream.write(f"\r[{bar:<25}] {percent:3d}% {done}/{total} {what}")
        elif done % 500 == 0:
            self.stream.write(f"\r{done} {what}")
        self.stream.flush()

    def end(self):
        if self.active:
            self.stream.write("\n")


class Command(BaseCommand):
    help = "HTCDS 2.0 exchange: export every case, or import a file (checked whole before anything is written)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{export,import}")
        exp = sub.add_parser("export", help="Write every case as HTCDS JSON or CSV (by the file's extension).")
        exp.add_argument("file")
        imp = sub.add_parser("import", help="Import an HTCDS JSON or CSV file. Exit 1 when a row is invalid "
                                            "(nothing written), unless --skip-invalid.")
        imp.add_argument("file")
        imp.add_argument("--skip-invalid", action="store_true", help="write the valid rows and list the others")

    def handle(self, *args, subcommand, file, **options):
        fmt = _format(file)
        progress = Progress(sys.stderr)
        if subcommand == "export":
            from nicat.exchange.services import export

            text, count = export(actor=None, fmt=fmt, progress=progress)
            progress.end()
            directory = os.path.dirname(os.path.abspath(file))
            fd, temp = tempfile.mkstemp(dir=directory, prefix=".nicat-htcds-")
            try:
                with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                    fh.write(text)
                os.replace(temp, file)
            finally:
                if os.path.exists(temp):
                    os.unlink(temp)
            self.stdout.write(_("Exported %(cases)d cases to %(file)s.") % {"cases": count, "file": file})
            return
        from nicat.exchange.services import InvalidFile, import_file

        try:
            with open(file, encoding="utf-8-sig") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(_("Cannot read %(file)s: %(error)s") % {"file": file, "error": exc},
                               returncode=1) from exc
        try:
            result = import_file(actor=None, text=text, fmt=fmt, skip_invalid=options["skip_invalid"],
                                 progress=progress, restore=True)  # the operator's restore of a registry
        except InvalidFile as exc:
            progress.end()
            for problem in exc.problems:
                self.stderr.write(f"{file}: {problem}")
            self.stderr.write(_("Nothing was imported."))
            sys.exit(1)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages), returncode=1) from exc
        progress.end()
        for problem in result["skipped"]:
            self.stderr.write(_("%(file)s: skipped %(problem)s") % {"file": file, "problem": problem})
        self.stdout.write(_("Imported %(cases)d cases, %(persons)d persons and %(organisations)d organisations.")
                          % {k: result[k] for k in ("cases", "persons", "organisations")})
        if result["skipped"]:
            self.stdout.write(_("%(rows)d invalid rows were skipped.") % {"rows": len({p.row for p in result["skipped"]})})
