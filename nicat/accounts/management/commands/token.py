"""`nicat token USERNAME`: print a new API token (shown once; only its digest is stored)."""
import sys

from django.core.management.base import BaseCommand

from nicat.accounts.models import User
from nicat.accounts.tokens import issue_token


class Command(BaseCommand):
    help = "Create an API token for USERNAME and print it. It is not stored and cannot be shown again."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the token is for (shown in the admin).")

    def handle(self, *args, **options):
        try:
            user = User.objects.get(username=options["username"], is_active=True)
        except User.DoesNotExist:
            self.stderr.write(f"No active user named {options['username']!r}.")
            sys.exit(2)
        self.stdout.write(issue_token(user=user, name=options["name"]))
