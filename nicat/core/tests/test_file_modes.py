"""Issue 14, item 9: var/nicat.sqlite3, its WAL and the keys under var/ used to be created 0644."""
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent("""
    import os, stat, django
    django.setup()
    from django.db import connection
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS t (x integer)")
        cursor.execute("INSERT INTO t VALUES (1)")
        var = os.environ["NICAT_VAR_DIR"]
        from nicat.audit.checkpoints import signing_key
        signing_key()
        for name in ("", "nicat.sqlite3", "nicat.sqlite3-wal", "nicat.sqlite3-shm", "dev.env", "audit-signing.key"):
            print(name or "var", oct(stat.S_IMODE(os.stat(os.path.join(var, name)).st_mode)))
""")


def _run(var_dir):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "NICAT_AUDIT_SIGNING_KEY", "NICAT_AUDIT_SIGNING_KEY_FILE")}
    env.update(DJANGO_SETTINGS_MODULE="nicat.settings", NICAT_DEV="1", NICAT_VAR_DIR=str(var_dir))
    result = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120,
                            preexec_fn=lambda: os.umask(0o022))
    assert result.returncode == 0, result.stderr[-2000:]
    return dict(line.split() for line in result.stdout.splitlines())


def test_var_the_database_its_wal_and_keys_are_private_from_the_start(tmp_path):
    modes = _run(tmp_path / "var")
    assert modes == {"var": "0o700", "nicat.sqlite3": "0o600", "nicat.sqlite3-wal": "0o600",
                     "nicat.sqlite3-shm": "0o600", "dev.env": "0o600", "audit-signing.key": "0o600"}


def test_files_an_earlier_version_left_world_readable_are_tightened(tmp_path):
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    os.chmod(var, 0o755)
    for name in ("nicat.sqlite3", "audit-signing.key"):
        (var / name).write_bytes(b"")
        os.chmod(var / name, 0o644)
    from nicat.core.files import private_sqlite, private_var

    private_var(var)
    private_sqlite(var / "nicat.sqlite3")
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    assert {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in Path(var).iterdir()} == {
        "nicat.sqlite3": "0o600", "audit-signing.key": "0o600"}


def test_a_database_in_a_shared_directory_leaves_the_directory_as_it_was(tmp_path):
    """DATABASE_URL=sqlite:////tmp/nicat.sqlite3: the file is private, /tmp is not Nicat's to close (it was
    set to 0700, and PostgreSQL's initdb run as another user then failed in it)."""
    from nicat.core.files import private_sqlite

    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    private_sqlite(shared / "nicat.sqlite3")
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    assert stat.S_IMODE((shared / "nicat.sqlite3").stat().st_mode) == 0o600
    private_sqlite(tmp_path / "new" / "nicat.sqlite3")  # a directory it creates is private
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700
