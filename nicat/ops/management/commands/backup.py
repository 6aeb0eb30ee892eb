"""`nicat backup FILE` | `nicat backup verify FILE` | `nicat backup generate-key` (docs/operations.md)."""
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Encrypted backup of the database and the uploaded files with NICAT_BACKUP_KEY: "
            "`nicat backup FILE`, `nicat backup verify FILE`, `nicat backup generate-key`.")

    def add_arguments(self, parser):
        parser.add_argument("args", nargs="+", metavar="FILE | verify FILE | generate-key")

    def handle(self, *args, **options):
        from nicat.ops.backup import BackupError, create_backup, describe, new_backup_key, verify_backup

        try:
            if args[0] == "generate-key" and len(args) == 1:
                self.stdout.write(new_backup_key())
            elif args[0] == "verify" and len(args) == 2:
                manifest = verify_backup(args[1])
                self.stdout.write(f"OK {describe(manifest)}")
            elif len(args) == 1:
                manifest = create_backup(args[0])
                self.stdout.write(f"Backup written to {args[0]}: {describe(manifest)}")
            else:
                raise CommandError("Usage: nicat backup FILE | nicat backup verify FILE | nicat backup generate-key")
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
