"""`nicat token USERNAME`: print a new API token (shown once; only its digest is stored)."""
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand

from nicat.accounts import services
from nicat.accounts.models import User


class Command(BaseCommand):
    help = "Create an API token for USERNAME and print it. It is not stored and cannot be shown again."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="command line",
                            help="What the token is for (shown to its owner and in the admin).")

    def handle(self, *args, **options):
        try:
            user = User.objects.get(username=options["username"], is_active=True)
        except User.DoesNotExist:
            self.stderr.write(f"No active user named {options['username']!r}.")
            sys.exit(2)
        # The operator on the server acts as the system (actor None); audited as token.create.
        try:
            token = services.create_token(actor=None, user=user, name=options["name"])
        except ValidationError as error:
            self.stderr.write(" ".join(error.messages))
            sys.exit(2)
        self.stdout.write(token)
