"""Backups that restore: the drill (demo world → backup → a new, empty database → restore → the audit
chain verifies, every person decrypts with the kept keys, counts match), and the refusals."""
import base64
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection
from django.test import override_settings

from nicat.ops.backup import BackupError, create_backup, new_backup_key, restore_backup, verify_backup

ROOT = Path(__file__).resolve().parents[3]
KEY = new_backup_key()

CHECK = """
import json
from django.core.management import call_command
from nicat.persons.models import Person
from nicat.ops.backup import table_counts
from nicat.consent.models import Consent
people = list(Person.objects.system().all())
names = sum(1 for p in people if p.family_name or p.given_name)
forms = [c.signed_form.open("rb").read().decode() for c in Consent.objects.system().exclude(signed_form="")]
call_command("audit", "verify")
print(json.dumps({"persons": len(people), "named": names, "counts": table_counts(), "forms": forms}))
"""
FORM = b"%PDF-1.4 the signed consent of the drill"


def _env(database_url, var_dir):
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "nicat.settings", "DATABASE_URL": database_url,
            "NICAT_VAR_DIR": str(var_dir), "NICAT_BACKUP_KEY": KEY, "NICAT_LOG_FORMAT": "plain",
            "PYTHONPATH": str(ROOT)}


def _nicat(env, *args):
    return subprocess.run([sys.executable, "-m", "nicat", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture
def empty_database(tmp_path):
    """A new, empty database of the engine under test, as an operator creates it after a disaster
    (docs/operations.md §1 and §3): on PostgreSQL owned by a role of its own that is not a superuser, with
    pg_trgm created in it by the superuser — an extension the restoring role does not own (its COMMENT in the
    dump made `pg_restore` fail until it was told to leave comments out)."""
    if connection.vendor == "postgresql":
        import psycopg

        name = f"nicat_drill_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        db = settings.DATABASES["default"]
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE ROLE "{name}" LOGIN')
            cursor.execute(f'CREATE DATABASE "{name}" OWNER "{name}"')
        with psycopg.connect(f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{name}", autocommit=True) as own:
            own.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        yield f"postgresql://{name}@{db['HOST']}:{db['PORT']}/{name}"
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'DROP ROLE IF EXISTS "{name}"')
    else:
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"


@pytest.fixture
def superusers_extension():
    """On PostgreSQL, the live database holds pg_trgm created by the superuser (installations that followed the
    guide before it stopped asking for it): its dump carries the extension and its COMMENT."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        existed = cursor.fetchone() is not None
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    yield
    if not existed:
        with connection.cursor() as cursor:
            cursor.execute("DROP EXTENSION IF EXISTS pg_trgm")


@pytest.mark.django_db(transaction=True)
def test_restore_drill(tmp_path, empty_database, superusers_extension):
    from nicat.privacy.storage import encrypted_storage
    from nicat.web import demo

    media = tmp_path / "media"
    with override_settings(MEDIA_ROOT=media, NICAT_BACKUP_KEY=KEY):
        demo.build_world(seed=7, cases=4, password="drill-password-123")
        stored = encrypted_storage().save("drill/statement.txt", ContentFile(b"a scanned statement"))
        # a signed consent form: sealed under the key of the case's person (nicat.privacy.storage)
        from nicat.cases.models import Case
        from nicat.consent.models import Consent

        consent = Consent(case=Case.objects.system().first(), purpose="family_contact", decision="given",
                          method="written")
        consent.signed_form.save("consent.pdf", ContentFile(FORM))
        assert consent.signed_form.storage.sealed_person_key(consent.signed_form.name)
        from nicat.audit.checkpoints import sign_head

        sign_head()
        backup = tmp_path / "nicat.backup"
        manifest = create_backup(backup)
        assert manifest["counts"]["persons_person"] >= 4
        assert f"media/{stored}" in manifest["members"]
        assert verify_backup(backup)["audit_head"] == manifest["audit_head"]
        assert b"drill" not in backup.read_bytes() and b"persons_person" not in backup.read_bytes()

    # The disaster: the database and the files are gone. A new empty database, the kept keys (the
    # development keys of the test settings live in the environment), the backup key, and the backup.
    var = tmp_path / "var"
    var.mkdir()
    (var / "media").mkdir()
    signing = Path(settings.VAR_DIR) / "audit-signing.key"
    if signing.exists():  # the audit signing key is kept apart too (docs/operations.md)
        (var / "audit-signing.key").write_bytes(signing.read_bytes())
        (var / "audit-signing.key").chmod(0o600)
    env = _env(empty_database, var)
    done = _nicat(env, "restore", str(backup))
    assert done.returncode == 0, done.stderr
    assert "Row counts match" in done.stdout
    assert (var / "media" / stored).read_bytes() == (media / stored).read_bytes()

    check = _nicat(env, "shell", "-c", CHECK)
    assert check.returncode == 0, check.stderr
    assert "OK" in check.stdout  # nicat audit verify
    result = __import__("json").loads(check.stdout.strip().splitlines()[-1])
    assert result["persons"] == manifest["counts"]["persons_person"] == result["named"]
    assert result["counts"] == manifest["counts"]
    assert FORM.decode() in result["forms"]  # the form opens with the restored (wrapped) person key

    again = _nicat(env, "restore", str(backup))  # never over a database in use
    assert again.returncode == 1 and "not empty" in again.stderr


@pytest.mark.django_db
def test_restore_refuses_a_database_that_is_not_empty(tmp_path):
    with override_settings(NICAT_BACKUP_KEY=KEY, MEDIA_ROOT=tmp_path / "media"):
        with pytest.raises(BackupError, match="not empty"):
            restore_backup(tmp_path / "whatever.backup")


@pytest.mark.django_db(transaction=True)
def test_verify_detects_damage_truncation_and_the_wrong_key(tmp_path):
    with override_settings(NICAT_BACKUP_KEY=KEY, MEDIA_ROOT=tmp_path / "media"):
        backup = tmp_path / "b.backup"
        create_backup(backup)
        data = backup.read_bytes()
        damaged = tmp_path / "damaged.backup"
        damaged.write_bytes(data[:200] + bytes([data[200] ^ 1]) + data[201:])
        with pytest.raises(BackupError, match="altered or damaged"):
            verify_backup(damaged)
        cut = tmp_path / "cut.backup"
        cut.write_bytes(data[:-1000])
        with pytest.raises(BackupError):
            verify_backup(cut)
    with override_settings(NICAT_BACKUP_KEY=new_backup_key()):
        with pytest.raises(BackupError, match="another backup key"):
            verify_backup(backup)


def test_the_backup_key_is_never_a_field_key():
    field_key = settings.NICAT_FIELD_KEYS[0]
    with override_settings(NICAT_BACKUP_KEY=field_key):
        with pytest.raises(BackupError, match="must not be a field key"):
            verify_backup("unused")
    with override_settings(NICAT_BACKUP_KEY=""):
        with pytest.raises(BackupError, match="not set"):
            verify_backup("unused")
    with override_settings(NICAT_BACKUP_KEY=base64.urlsafe_b64encode(b"short").decode()):
        with pytest.raises(BackupError, match="32 bytes"):
            verify_backup("unused")


@pytest.mark.django_db(transaction=True)
def test_a_copy_left_by_a_killed_backup_or_restore_is_removed_by_the_next_run(tmp_path, monkeypatch):
    """A backup copies the database into a working directory before encrypting it, and a restore or verification
    decrypts the backup into one; a run killed meanwhile (SIGKILL, out of memory) left that copy in the temporary
    directory for good — the wrapped keys of persons erased since included, which `nicat retention reapply` puts
    right in a restored database but never in a forgotten copy. The next run removes the directories of runs whose
    process is gone, and leaves those of a run still going."""
    import tempfile

    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        killed_backup = temp / f"nicat-backup-{gone.pid}-x1y2z3"
        killed_restore = temp / f"nicat-restore-{gone.pid}-a1b2c3"
        still_going = temp / f"nicat-verify-{running.pid}-q9w8e7"
        other = temp / f"someone-else-{gone.pid}-abc"
        for directory in (killed_backup, killed_restore, still_going, other):
            directory.mkdir()
            (directory / "database.sqlite3").write_bytes(b"SQLite format 3\x00 a copy")
        with override_settings(NICAT_BACKUP_KEY=KEY, MEDIA_ROOT=tmp_path / "media"):
            create_backup(tmp_path / "b.backup")
            assert not killed_backup.exists() and not killed_restore.exists()
            assert still_going.exists() and other.exists()
            verify_backup(tmp_path / "b.backup")
        # the run's own working directory is gone too
        assert sorted(p.name for p in temp.iterdir()) == sorted([still_going.name, other.name])
    finally:
        running.kill()
        running.wait()
