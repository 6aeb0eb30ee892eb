"""`nicat compiletranslations`: compile the gettext catalogs (.po → .mo) with polib (see nicat.catalogs)."""
from django.conf import settings
from django.core.management.base import BaseCommand

from nicat.catalogs import compile_catalogs


class Command(BaseCommand):
    help = "Compile every .po catalog under LOCALE_PATHS into its .mo file."

    def handle(self, *args, **options):
        count = sum(compile_catalogs(base) for base in settings.LOCALE_PATHS)
        self.stdout.write(f"{count} catalog(s) compiled.")
