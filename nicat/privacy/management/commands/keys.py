"""`nicat keys rotate | status | generate`: the field-encryption keyring (NICAT_FIELD_KEYS).

Rotating to a new key (see docs/security.md):
  1. `nicat keys generate` prints a new key.
  2. Put it FIRST in NICAT_FIELD_KEYS, keep the old keys after it, restart Nicat: new writes use it.
  3. `nicat keys rotate` re-seals every case value and file under it; interrupt and re-run at will.
  4. `nicat keys status` shows what each key still protects. Never drop a key the audit trail
     still uses (the trail is append-only; its sealed values keep their key).
`rotate` also names (`--dry-run`: only names) and re-seals every value or file about a case found under another
person's data key than its case's person's (docs/matching.md, "The keys follow the case").
"""
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from nicat.privacy.crypto import keyring, new_key


class Command(BaseCommand):
    help = "Manage the field-encryption keys: rotate (re-seal under the newest key), status, generate."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        rotate = sub.add_parser("rotate", help="Re-encrypt every encrypted value and file under the newest key, "
                                               "and under its case's person's data key what is under another's. "
                                               "Resumable: a re-run continues where an interrupted one stopped.")
        rotate.add_argument("--batch-size", type=int, default=500, help="Rows per transaction (default 500).")
        rotate.add_argument("--dry-run", action="store_true", help="Count what would change; change nothing.")
        sub.add_parser("status", help="How many values each key protects (case data, files, audit trail).")
        sub.add_parser("generate", help="Print a new random key to put first in NICAT_FIELD_KEYS.")

    def handle(self, *args, **options):
        action = options["action"]
        if action == "generate":
            self.stdout.write(new_key())
            return
        if action == "status":
            return self.status()
        return self.rotate(batch_size=max(1, options["batch_size"]), dry_run=options["dry_run"])

    def status(self):
        from nicat.privacy.rotation import key_usage

        ring = keyring()
        usage = key_usage()
        self.stdout.write(f"Newest key: {ring.current_id}; keys in NICAT_FIELD_KEYS: {', '.join(ring.by_id)}")
        for kid in list(ring.by_id) + sorted(set(usage["case_data"]) | set(usage["audit"]) | set(usage["files"])
                                              - set(ring.by_id)):
            state = "newest" if kid == ring.current_id else ("retired" if kid in ring.by_id else "MISSING")
            self.stdout.write(f"  {kid} ({state}): case data {usage['case_data'].get(kid, 0)}, "
                              f"files {usage['files'].get(kid, 0)}, audit trail {usage['audit'].get(kid, 0)}")
        self.stdout.write(f"  under persons' own data keys: {usage['person_keys']} values and files")
        if usage["plaintext"]:
            self.stdout.write(f"  not encrypted yet: {usage['plaintext']} values (`nicat keys rotate` encrypts them)")

    def rotate(self, *, batch_size, dry_run):
        from nicat.core import trail as audit
        from nicat.privacy.rotation import rotate

        ring = keyring()
        self.stdout.write(f"{'Dry run: ' if dry_run else ''}re-sealing under key {ring.current_id} "
                          f"(keyring: {', '.join(ring.by_id)}).")

        def progress(table, count):
            self.stdout.write(f"  {table}: {count.rows} rows checked, {count.resealed} re-sealed, "
                              f"{count.plaintext} plain values encrypted, {count.failed} unreadable"
                              + (f", {count.moved} moved under the person's own data key" if count.moved else ""))

        report = rotate(batch_size=batch_size, dry_run=dry_run, progress=progress)
        totals = report.as_details()
        self.stdout.write(
            f"{'Interrupted' if report.interrupted else 'Finished'}: {totals['values']} values checked, "
            f"{totals['resealed']} re-sealed, {totals['plaintext_encrypted']} plain values encrypted, "
            f"{totals['already_current']} already under the newest key, {totals['changed_meanwhile']} changed "
            f"meanwhile (already new), {totals['failed']} unreadable, {totals['moved_to_person_keys']} person values "
            f"moved under the person's own data key, "
            f"{totals['under_another_persons_key'] + totals['files']['under_another_persons_key']} under another "
            f"person's data key than their case's person's{'' if dry_run else ' (re-sealed under hers)'}"
            f"{' (dry run: nothing was changed)' if dry_run else ''}.")
        # a case given to another record (a merge, an undone merge) whose values were not re-sealed with it: erasing
        # that other person would destroy them, erasing hers would leave them readable in older copies
        for place in report.rekeyed[:50]:
            self.stdout.write(f"  under another person's data key: {place}")
        for place in report.lost[:50]:
            self.stderr.write(f"  lost (under another person's destroyed data key; restore it from a backup taken "
                              f"before that erasure): {place}")
        for failure in report.failures[:50]:
            self.stderr.write(f"  unreadable: {failure}")
        if not dry_run:
            with transaction.atomic():
                audit.record(actor=None, action="keys.rotate", details=totals)
        if report.interrupted:
            raise CommandError("Interrupted. Run `nicat keys rotate` again to continue.")
        if report.failures:
            self.stderr.write("Some values could not be opened with any key in NICAT_FIELD_KEYS; they were left "
                              "as they are. Put the missing key back (after the newest) and run again.")
            sys.exit(1)
