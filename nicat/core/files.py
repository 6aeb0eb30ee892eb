"""Files Nicat keeps under `var/` (the SQLite database with its WAL, development keys, uploads) are
readable by the account that runs Nicat only: directories 0700, files 0600 — created so, and
tightened when an earlier version left them wider. Imported by the settings: no Django here."""
import os
import stat
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal", "-writer")  # -writer: the write turn (nicat.core.sqlite)


def _tighten(path: Path, mode: int):
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(path, mode)


def private_dir(path) -> Path:
    path = Path(path)
    if not path.exists():
        path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    _tighten(path, PRIVATE_DIR)
    return path


def private_file(path, *, create=False) -> Path:
    """Tighten `path` to 0600; with `create`, create it empty with that mode first when missing."""
    path = Path(path)
    if create and not path.exists():
        # a missing parent is created private; an existing one is left as it is: the database may live in a
        # directory shared with others (DATABASE_URL=sqlite:////tmp/…), which is not Nicat's to close
        path.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
        except FileExistsError:
            pass
    _tighten(path, PRIVATE_FILE)
    return path


def private_sqlite(name) -> None:
    """Create the SQLite file 0600 before SQLite does (SQLite gives its WAL and shared-memory files the
    database file's mode), and tighten files an earlier run created wider."""
    name = str(name)
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    private_file(name, create=True)
    for suffix in SQLITE_COMPANIONS:
        private_file(name + suffix)


def private_var(var_dir) -> None:
    """`var/` itself 0700, and the secrets and databases directly in it 0600. On a read-only file
    system (a container with PostgreSQL and keys from the environment) there is nothing to do."""
    try:
        var_dir = private_dir(var_dir)
        children = list(var_dir.iterdir())
    except OSError:
        return
    for child in children:
        if child.is_file() and (child.suffix in (".key", ".env", ".sqlite3") or child.name.endswith(SQLITE_COMPANIONS)
                                or child.name.startswith("dev.env")):
            _tighten(child, PRIVATE_FILE)
