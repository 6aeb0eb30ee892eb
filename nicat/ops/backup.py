"""Encrypted backups that restore (docs/operations.md).

A backup is one file: a tar stream of the database (PostgreSQL: `pg_dump --format=custom` of one
snapshot; SQLite: a copy made with SQLite's online backup API), the uploaded files (already sealed with
the field keys) and `manifest.json` (row counts per table, audit head, sha256 of each member, versions),
encrypted with NICAT_BACKUP_KEY — a key of its own, refused if it equals a field or index key, so that
whoever holds the backups cannot read them with the keys of the running system, nor the reverse.

Encryption: AES-256-GCM over 1 MiB chunks (a STREAM construction): each chunk's nonce is a random prefix,
the chunk number and a last-chunk flag, and the file header is authenticated with every chunk, so chunks
cannot be reordered, dropped, or the file truncated without `verify` saying so. Memory stays small
whatever the size of the database.
"""
import base64
import binascii
import contextlib
import datetime
import hashlib
import io
import json
import os
import platform
import shutil
import sqlite3
import struct
import subprocess
import tarfile
import tempfile
from pathlib import Path

import django
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import connection
from django.utils import timezone

MAGIC = b"NICATBK1"
CHUNK = 1024 * 1024
FORMAT = "nicat-backup/1"
MANIFEST = "manifest.json"


class BackupError(Exception):
    """A backup cannot be made, read or restored; the message says why and what to do."""


# --- working directories -------------------------------------------------------------------------------------

def _process_gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # another user's process: alive
        return False
    return False


@contextlib.contextmanager
def _workdir(kind):
    """A private (0700) working directory for a backup, a verification or a restore, in the system's temporary
    directory (TMPDIR), named after the process: `nicat-<kind>-<pid>-<random>`. It holds a copy of the database
    (a backup's before it is encrypted, a restore's or verification's once decrypted: its identifying columns
    sealed, the rest — and persons' wrapped keys — as in the database) and is removed at the end. A run killed
    meanwhile (SIGKILL, out of memory, a reboot without a cleared /tmp) could not remove it: such directories,
    whose process is gone, are removed by the next backup, verification or restore, so that no copy outlives
    the erasures made since (a restored database is brought up to date by `nicat retention reapply`; a
    forgotten copy would not be)."""
    base = Path(tempfile.gettempdir())
    for left in base.glob("nicat-*-*-*"):
        parts = left.name.split("-")
        if (len(parts) >= 4 and parts[1] in ("backup", "verify", "restore") and parts[2].isdigit()
                and int(parts[2]) != os.getpid() and left.is_dir() and _process_gone(int(parts[2]))):
            shutil.rmtree(left, ignore_errors=True)
    tmp = tempfile.mkdtemp(prefix=f"nicat-{kind}-{os.getpid()}-")
    try:
        os.chmod(tmp, 0o700)
        yield Path(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --- the key ----------------------------------------------------------------------------------------------

def new_backup_key():
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def backup_key(text=None):
    text = (text if text is not None else settings.NICAT_BACKUP_KEY).strip()
    if not text:
        raise BackupError("NICAT_BACKUP_KEY is not set. Create one with `nicat backup generate-key` and keep it "
                          "apart from the field keys (docs/operations.md).")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise BackupError("NICAT_BACKUP_KEY is not base64.") from None
    if len(raw) != 32:
        raise BackupError("NICAT_BACKUP_KEY must be 32 bytes, base64url-encoded (`nicat backup generate-key`).")
    from nicat.privacy.crypto import keyring

    if raw in keyring().keys or text == settings.NICAT_INDEX_KEY.strip():
        raise BackupError("NICAT_BACKUP_KEY must not be a field key or the index key: a backup key of its own "
                          "keeps backups and the running system apart.")
    return raw


def key_id(raw):
    return hashlib.sha256(b"nicat-backup-key\x00" + raw).hexdigest()[:8]


# --- the encrypted stream ---------------------------------------------------------------------------------

class EncryptingWriter(io.RawIOBase):
    def __init__(self, out, raw_key):
        self.out, self.aead = out, AESGCM(raw_key)
        self.prefix = os.urandom(7)
        self.header = MAGIC + key_id(raw_key).encode("ascii") + self.prefix
        self.out.write(self.header)
        self.buffer = bytearray()
        self.counter = 0
        self.finished = False

    def writable(self):
        return True

    def write(self, data):
        self.buffer += data
        while len(self.buffer) > CHUNK:  # keep at least one byte back for the last chunk
            self._emit(bytes(self.buffer[:CHUNK]), final=False)
            del self.buffer[:CHUNK]
        return len(data)

    def _emit(self, chunk, *, final):
        nonce = self.prefix + struct.pack(">I", self.counter) + (b"\x01" if final else b"\x00")
        sealed = self.aead.encrypt(nonce, chunk, self.header)
        self.out.write(struct.pack(">I", len(sealed)) + sealed)
        self.counter += 1

    def close(self):
        if not self.finished:
            self._emit(bytes(self.buffer), final=True)
            self.buffer.clear()
            self.finished = True
        super().close()


class DecryptingReader(io.RawIOBase):
    def __init__(self, src, raw_key):
        self.src = src
        head = src.read(len(MAGIC) + 8 + 7)
        if len(head) < len(MAGIC) + 15 or not head.startswith(MAGIC):
            raise BackupError("This is not a Nicat backup file (or it is cut short at its start).")
        kid = head[len(MAGIC):len(MAGIC) + 8].decode("ascii", "replace")
        if kid != key_id(raw_key):
            raise BackupError(f"This backup was made with another backup key (key id {kid}, NICAT_BACKUP_KEY is "
                              f"{key_id(raw_key)}).")
        self.header, self.prefix, self.aead = head, head[-7:], AESGCM(raw_key)
        self.counter, self.pending, self.done = 0, b"", False

    def readable(self):
        return True

    def _next_chunk(self):
        size = self.src.read(4)
        if len(size) < 4:
            raise BackupError("The backup file is cut short: its last part is missing.")
        sealed = self.src.read(struct.unpack(">I", size)[0])
        for final in (b"\x00", b"\x01"):
            nonce = self.prefix + struct.pack(">I", self.counter) + final
            try:
                plain = self.aead.decrypt(nonce, sealed, self.header)
            except Exception:
                continue
            self.counter += 1
            if final == b"\x01":
                self.done = True
                if self.src.read(1):
                    raise BackupError("The backup file has data after its last part.")
            return plain
        raise BackupError(f"Part {self.counter} of the backup does not open: the file was altered or damaged.")

    def readinto(self, buffer):
        while not self.pending and not self.done:
            self.pending = self._next_chunk()
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


# --- what the manifest says ---------------------------------------------------------------------------------

def table_counts(conn=None):
    conn = conn or connection
    counts = {}
    with conn.cursor() as cursor:
        for table in sorted(conn.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {conn.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def _audit_head(cursor, quote):
    cursor.execute(f"SELECT sequence, hash FROM {quote('audit_auditevent')} ORDER BY sequence DESC LIMIT 1")
    row = cursor.fetchone()
    return {"sequence": row[0], "hash": row[1]} if row else {"sequence": 0, "hash": None}


def _versions():
    from importlib.metadata import PackageNotFoundError, version

    try:
        nicat_version = version("nicat")
    except PackageNotFoundError:  # pragma: no cover - run from a checkout
        nicat_version = "unknown"
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        server = cursor.fetchone()[0]
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
        migrations = {}
        for app, name in cursor.fetchall():
            migrations[app] = name
    return {"nicat": nicat_version, "django": django.get_version(), "python": platform.python_version(),
            "database": connection.vendor, "server": server, "migrations": migrations}


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


# --- PostgreSQL tools ----------------------------------------------------------------------------------------

def _pg_args(db):
    args = ["--dbname", db["NAME"]]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            args += [flag, str(db[key])]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _run(cmd, env):
    try:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(f"{cmd[0]} is not installed (Debian: apt-get install postgresql-client).") from None
    if done.returncode != 0:
        raise BackupError(f"{cmd[0]} failed: {done.stderr.strip()[-500:]}")


# --- backup --------------------------------------------------------------------------------------------------

def create_backup(path, *, raw_key=None):
    """Write the encrypted backup to `path` (atomically: a partial file never carries the final name).
    Returns the manifest."""
    raw_key = raw_key or backup_key()
    path = Path(path)
    db = settings.DATABASES["default"]
    with _workdir("backup") as tmp:
        if connection.vendor == "postgresql":
            dump = tmp / "database.pgdump"
            # One snapshot for the counts, the audit head and pg_dump: the manifest describes exactly the dump.
            with connection.cursor() as cursor:
                cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                try:
                    cursor.execute("SELECT pg_export_snapshot()")
                    snapshot = cursor.fetchone()[0]
                    counts = table_counts()
                    head = _audit_head(cursor, connection.ops.quote_name)
                    args, env = _pg_args(db)
                    _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                          "--file", str(dump), *args], env)
                finally:
                    cursor.execute("COMMIT")
        elif connection.vendor == "sqlite":
            dump = tmp / "database.sqlite3"
            connection.ensure_connection()
            target = sqlite3.connect(dump)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
            copy = sqlite3.connect(dump)
            try:
                cursor = copy.cursor()
                tables = [r[0] for r in cursor.execute(
                    "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
                counts = {t: cursor.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
                head = _audit_head(cursor, lambda n: f'"{n}"')
            finally:
                copy.close()
        else:  # pragma: no cover
            raise BackupError(f"Backups of a {connection.vendor} database are not supported.")
        members = {dump.name: {"size": dump.stat().st_size, "sha256": _sha256(dump)}}
        media = Path(settings.MEDIA_ROOT)
        media_files = sorted(p for p in media.rglob("*") if p.is_file()) if media.is_dir() else []
        for f in media_files:
            members["media/" + f.relative_to(media).as_posix()] = {"size": f.stat().st_size, "sha256": _sha256(f)}
        from nicat.privacy.crypto import keyring

        manifest = {
            "format": FORMAT,
            "created": timezone.now().isoformat(),
            "versions": _versions(),
            "database": connection.vendor,
            "counts": counts,
            "audit_head": head,
            "field_key_ids": list(keyring().by_id),
            "backup_key_id": key_id(raw_key),
            "members": members,
        }
        manifest_bytes = json.dumps(manifest, indent=2, sort_keys=True).encode()
        partial = path.with_name(path.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                writer = EncryptingWriter(out, raw_key)
                with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                    tar.add(dump, arcname=dump.name)
                    for f in media_files:
                        tar.add(f, arcname="media/" + f.relative_to(media).as_posix())
                    info = tarfile.TarInfo(MANIFEST)
                    info.size, info.mtime = len(manifest_bytes), int(timezone.now().timestamp())
                    tar.addfile(info, io.BytesIO(manifest_bytes))
                writer.close()
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return manifest


# --- read back ------------------------------------------------------------------------------------------------

def _safe_member(name):
    parts = Path(name).parts
    return bool(parts) and not Path(name).is_absolute() and ".." not in parts


def unpack(path, into, *, raw_key=None):
    """Decrypt and unpack a backup into the directory `into`, checking every member against the manifest.
    Returns the manifest. Raises BackupError on any damage."""
    raw_key = raw_key or backup_key()
    into = Path(into)
    try:
        src = open(path, "rb")
    except OSError as exc:
        raise BackupError(f"The backup file cannot be read: {exc.strerror}.") from None
    with src:
        reader = io.BufferedReader(DecryptingReader(src, raw_key), buffer_size=CHUNK)
        try:
            with tarfile.open(fileobj=reader, mode="r|") as tar:
                for member in tar:
                    if not member.isfile() or not _safe_member(member.name):
                        raise BackupError(f"The backup holds an unexpected entry ({member.name!r}).")
                    target = into / member.name
                    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                    with tar.extractfile(member) as fh, open(target, "wb") as out:
                        shutil.copyfileobj(fh, out, CHUNK)
        except tarfile.TarError as exc:
            raise BackupError(f"The backup's content is damaged ({exc}).") from None
    manifest_path = into / MANIFEST
    if not manifest_path.exists():
        raise BackupError("The backup has no manifest: it is incomplete.")
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    found = {p.relative_to(into).as_posix() for p in into.rglob("*") if p.is_file()} - {MANIFEST}
    if found != set(manifest["members"]):
        raise BackupError("The backup's files differ from its manifest.")
    for name, meta in manifest["members"].items():
        if _sha256(into / name) != meta["sha256"]:
            raise BackupError(f"{name} in the backup does not match its checksum.")
    return manifest


def verify_backup(path, *, raw_key=None):
    with _workdir("verify") as tmp:
        return unpack(path, tmp, raw_key=raw_key)


# --- restore --------------------------------------------------------------------------------------------------

def database_is_empty():
    with connection.cursor() as cursor:
        return connection.introspection.table_names(cursor) == []


def restore_backup(path, *, raw_key=None):
    """Restore into an EMPTY database (and an empty media directory). Returns (manifest, counts after)."""
    db = settings.DATABASES["default"]
    if not database_is_empty():
        raise BackupError(f"The database {db['NAME']} is not empty. A restore goes only into an empty database: "
                          f"create a new one, point DATABASE_URL at it, and run `nicat restore` again.")
    media = Path(settings.MEDIA_ROOT)
    if media.is_dir() and any(media.iterdir()):
        raise BackupError(f"The media directory {media} is not empty. Move it aside and run `nicat restore` again.")
    with _workdir("restore") as tmp:
        manifest = unpack(path, tmp, raw_key=raw_key)
        if manifest["database"] != connection.vendor:
            raise BackupError(f"This is a backup of a {manifest['database']} database; DATABASE_URL names a "
                              f"{connection.vendor} one.")
        if connection.vendor == "postgresql":
            args, env = _pg_args(db)
            connection.close()
            # --no-comments: an extension created in the new database by the superuser (pg_trgm, §1 of
            # docs/operations.md) is not the restoring role's, and its COMMENT would stop the restore.
            _run(["pg_restore", "--no-owner", "--no-privileges", "--no-comments", "--exit-on-error", "--single-transaction",
                  *args, str(tmp / "database.pgdump")], env)
        else:
            connection.close()
            source = sqlite3.connect(tmp / "database.sqlite3")
            target = sqlite3.connect(db["NAME"])
            try:
                source.backup(target)
            finally:
                source.close()
                target.close()
        if (tmp / "media").is_dir():
            media.mkdir(parents=True, exist_ok=True, mode=0o700)
            shutil.copytree(tmp / "media", media, dirs_exist_ok=True)
    counts = table_counts()
    return manifest, counts


def describe(manifest):
    head = manifest["audit_head"]
    created = datetime.datetime.fromisoformat(manifest["created"])
    return (f"{manifest['format']} of a {manifest['database']} database, made {created:%Y-%m-%d %H:%M:%S %Z}; "
            f"{sum(manifest['counts'].values())} rows in {len(manifest['counts'])} tables, "
            f"{sum(1 for m in manifest['members'] if m.startswith('media/'))} files; audit head {head['sequence']}")
