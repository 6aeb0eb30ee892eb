"""`nicat load_embassies --as USERNAME`: add Azerbaijan's embassies and consulates abroad to the directory
(nicat/public/data/embassies.yaml), as the named administrator (audited). Existing entries are kept."""
from django.core.management.base import BaseCommand, CommandError

from nicat.accounts.models import User
from nicat.core.errors import NotAllowed
from nicat.public.embassies import load_embassies


class Command(BaseCommand):
    help = "Add Azerbaijan's embassies and consulates abroad to the directory (existing entries are kept)."

    def add_arguments(self, parser):
        parser.add_argument("--as", dest="username", required=True, help="an administrator's username")

    def handle(self, *args, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        try:
            created = load_embassies(actor=user)
        except NotAllowed as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{created} embassies and consulates added")
