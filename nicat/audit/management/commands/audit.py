"""`nicat audit verify | checkpoint | export-checkpoints FILE`."""
import sys

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Verify the audit chain, sign a checkpoint, or export the signed checkpoints for witnesses."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{verify,checkpoint,export-checkpoints}")
        verify = sub.add_parser("verify", help="Check the whole chain and every checkpoint signature. "
                                               "Prints 'OK <n> events' (exit 0) or the first broken sequence (exit 1).")
        verify.add_argument("--witness", metavar="FILE", action="append", default=[],
                            help="Also check against checkpoints exported earlier (repeatable).")
        sub.add_parser("checkpoint", help="Sign a checkpoint of the last event now.")
        export = sub.add_parser("export-checkpoints", help="Write every signed checkpoint and the public keys as JSON.")
        export.add_argument("file", help="Output file ('-' for standard output).")

    def handle(self, *args, subcommand, **options):
        if subcommand == "verify":
            return self._verify(options["witness"], options["verbosity"])
        if subcommand == "checkpoint":
            return self._checkpoint()
        if subcommand == "export-checkpoints":
            return self._export(options["file"])
        raise CommandError(f"Unknown subcommand {subcommand}.")  # pragma: no cover

    def _verify(self, witness_files, verbosity):
        from nicat.audit.verify import verify_chain

        try:
            result = verify_chain(witness_file=witness_files)
        except ValueError as exc:  # unreadable witness file
            raise CommandError(str(exc), returncode=2) from exc
        for warning in result.warnings:
            self.stderr.write(f"WARNING: {warning}")
        self.stdout.write(result.summary())
        if witness_files and result.ok:
            self.stderr.write(f"The witness copies cover events up to {result.witness_head}; the chain head is "
                              f"{result.events}.")
        if verbosity >= 2:
            self.stderr.write(f"{result.checkpoints} stored and {result.witness_checkpoints} witness checkpoints; "
                              f"{result.seconds:.2f} s")
        if not result.ok:
            sys.stdout.flush()
            sys.exit(1)

    def _checkpoint(self):
        from nicat.audit.checkpoints import SigningKeyMissing, create_checkpoint

        try:
            cp = create_checkpoint()
        except SigningKeyMissing as exc:
            raise CommandError(str(exc)) from exc
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Checkpoint at sequence {cp.sequence} {cp.hash} signed by key {cp.public_key_id}")

    def _export(self, path):
        from nicat.audit.checkpoints import write_export

        data = write_export(path)
        if path != "-":
            self.stdout.write(f"{len(data['checkpoints'])} checkpoints written to {path}")
