"""`nicat otp USERNAME`: development mode only — the current one-time code of a demo user, so that a
newcomer signs in without an authenticator app on a phone. Exit 2 outside development mode
(NICAT_DEV=1), for an unknown user, or for a user who is not one of the demo world's."""
import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from nicat.web import demo


class Command(BaseCommand):
    help = ("Development mode only (NICAT_DEV=1): print the current one-time code of a demo user, for the "
            "second sign-in step. Enrols an authenticator for the user if they have none.")

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        if not getattr(settings, "NICAT_DEV", False):
            self.stderr.write("nicat otp works only in development mode (NICAT_DEV=1): in production every "
                              "person signs in with their own authenticator app.")
            sys.exit(2)
        if username not in {spec[0] for spec in demo.USERS}:
            self.stderr.write(f"{username!r} is not a demo user. Demo users: "
                              + ", ".join(spec[0] for spec in demo.USERS))
            sys.exit(2)
        code = demo.one_time_code(username)
        if code is None:
            self.stderr.write(f"No active user named {username!r}: build the demo world first (nicat demo).")
            sys.exit(2)
        self.stdout.write(code)
