"""`nicat restore FILE`: into an empty database only (docs/operations.md, recovery)."""
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Restore an encrypted backup into an EMPTY database and media directory, then compare the row counts."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        from nicat.ops.backup import BackupError, describe, restore_backup

        try:
            manifest, counts = restore_backup(file)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        differ = sorted(t for t in set(manifest["counts"]) | set(counts) if manifest["counts"].get(t) != counts.get(t))
        if differ:
            raise CommandError(f"Restored, but the row counts differ from the manifest in: {', '.join(differ)}.")
        self.stdout.write(f"Restored {describe(manifest)}. Row counts match. Next: `nicat audit verify`, "
                          f"`nicat retention reapply` (with the erasure ledger kept with the keys), then start "
                          f"Nicat with the field and index keys kept with this backup's key ids "
                          f"({', '.join(manifest['field_key_ids'])}).")
