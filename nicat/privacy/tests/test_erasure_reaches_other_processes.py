"""An erasure reaches the other processes of the server at once: a key destroyed by one process is no longer opened
by another that had it cached (nicat.privacy.personkeys; docs/security.md, "per-person data keys")."""
import subprocess
import sys

import pytest
from django.db import transaction

from nicat.privacy import personkeys
from tests.support.processes import ROOT, product_env

CONTEXT = "persons_person.family_name"


@pytest.mark.django_db(transaction=True)
def test_a_key_destroyed_by_another_process_is_not_opened_here_from_the_cache(tmp_path, settings):
    """A person is erased through one worker of the server; another worker had opened her values a moment before
    and kept her key in its memory: until then it went on opening what was sealed under it — the audit trail's
    copies of her case's texts, her files — for up to KEY_TTL (10 minutes). Now every process forgets its cached
    keys as soon as the erasure ledger (written by every erasure, on this machine) has changed, and asks the
    database again: the key is gone."""
    settings.NICAT_ERASURE_LEDGER = str(tmp_path / "erased-person-keys.txt")
    with transaction.atomic():
        kid = personkeys.create_key()
        other = personkeys.create_key()
    sealed = personkeys.encrypt(kid, "Məmmədova", CONTEXT)
    kept = personkeys.encrypt(other, "Əliyeva", CONTEXT)
    assert personkeys.decrypt(sealed, CONTEXT) == "Məmmədova"  # cached in this process

    env = product_env(tmp_path, NICAT_ERASURE_LEDGER=settings.NICAT_ERASURE_LEDGER)
    script = ("import django; django.setup()\n"
              "from django.db import transaction\n"
              "from nicat.privacy import personkeys\n"
              f"with transaction.atomic():\n    assert personkeys.destroy({kid!r})\n")
    done = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]

    with pytest.raises(personkeys.KeyErased):
        personkeys.decrypt(sealed, CONTEXT)
    assert personkeys.decrypt(kept, CONTEXT) == "Əliyeva"  # another person's key is unwrapped again, and opens


@pytest.mark.django_db
def test_the_cache_is_kept_while_the_ledger_does_not_change(settings, tmp_path, django_assert_num_queries):
    """Looking at the ledger costs no query: a value whose key this process holds opens without the database."""
    settings.NICAT_ERASURE_LEDGER = str(tmp_path / "erased-person-keys.txt")
    kid = personkeys.create_key()
    sealed = personkeys.encrypt(kid, "Günel", CONTEXT)
    personkeys.decrypt(sealed, CONTEXT)
    with django_assert_num_queries(0):
        for _ in range(3):
            assert personkeys.decrypt(sealed, CONTEXT) == "Günel"
