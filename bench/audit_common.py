"""Shared set-up of the audit benchmarks: a throw-away database with the whole Django stack.

SQLite (default): a fresh file under a temporary directory, with the project's settings (WAL,
IMMEDIATE). PostgreSQL: pass --postgres URL (or set NICAT_BENCH_POSTGRES_URL or
NICAT_TEST_POSTGRES_URL); a database `nicat_bench_audit` is created on that server, and dropped
afterwards.
"""
import base64
import datetime
import hashlib
import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = os.environ.get("NICAT_BENCH_DB", "nicat_bench_audit")  # another name beside a bench already running


def setup_django(postgres_url=None):
    """Configure the environment, django.setup(), migrate; return a cleanup function."""
    sys.path.insert(0, str(ROOT))
    tmp = tempfile.mkdtemp(prefix="nicat-bench-audit-")
    os.environ.update({
        "NICAT_DEV": "1",
        "NICAT_VAR_DIR": tmp,
        "SECRET_KEY": "bench-secret-key",
        "NICAT_FIELD_KEYS": base64.urlsafe_b64encode(b"b" * 32).decode(),
        "NICAT_INDEX_KEY": base64.urlsafe_b64encode(b"x" * 32).decode(),
        "DJANGO_SETTINGS_MODULE": "nicat.settings",
        "LOG_LEVEL": "WARNING",
    })
    admin_url = None
    if postgres_url:
        parts = urlsplit(postgres_url)
        admin_url = postgres_url
        _pg_admin(admin_url, f"DROP DATABASE IF EXISTS {BENCH_DB}", f"CREATE DATABASE {BENCH_DB}")
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + BENCH_DB))
    else:
        # a file another run reuses (stats_national.py --keep / --reuse), or a throw-away one
        os.environ["DATABASE_URL"] = "sqlite:///" + (os.environ.get("NICAT_BENCH_SQLITE")
                                                      or os.path.join(tmp, "bench.sqlite3"))

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)

    def cleanup():
        from django.db import connections

        connections.close_all()
        if admin_url:
            _pg_admin(admin_url, f"DROP DATABASE IF EXISTS {BENCH_DB}")
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)

    return cleanup


def _pg_admin(url, *statements):
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for sql in statements:
            conn.execute(sql)


def postgres_url_from(argv_value):
    return argv_value or os.environ.get("NICAT_BENCH_POSTGRES_URL") or os.environ.get("NICAT_TEST_POSTGRES_URL") or None


def bulk_insert_chain(n, batch=20000):
    """Append n valid events (a correct hash chain) with one bulk INSERT/COPY per batch."""
    from django.db import connection, transaction

    from nicat.audit.chain import canonical_text
    from nicat.audit.services import chain_head

    columns = ("sequence", "occurred_at", "actor_id", "actor_username", "institution_id", "action", "object_type",
               "object_id", "case_reference", "case_uuid", "reason", "ip", "request_id", "changes", "details",
               "prev_hash", "hash")
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    actions = ["case.view", "case.update", "person.view", "note.create", "api.read"]
    with transaction.atomic():
        seq, prev = chain_head()
    done = 0
    while done < n:
        rows = []
        for _ in range(min(batch, n - done)):
            seq += 1
            occurred = start + datetime.timedelta(seconds=seq, microseconds=seq % 1000000)
            fields = {
                "occurred_at": occurred, "actor_id": None, "actor_username": f"user{seq % 50}",
                "institution_id": None, "action": actions[seq % 5], "object_type": "cases.case",
                "object_id": "3f1c9a52-7d0e-4b8e-9c1f-%012d" % (seq % 10000),
                "case_reference": "NCT-2026-%06d" % (seq % 10000),
                "case_uuid": "3f1c9a52-7d0e-4b8e-9c1f-%012d" % (seq % 10000),
                "reason": "" if seq % 7 else "routine review", "ip": "10.0.%d.%d" % (seq % 250, seq % 200),
                "request_id": "%032x" % seq,
                "changes": {"status": ["open", "closed"]} if seq % 5 == 1 else {},
                "details": {"fields": ["status"]} if seq % 3 == 0 else {},
            }
            digest = hashlib.sha256(canonical_text(sequence=seq, prev_hash=prev, **fields).encode()).hexdigest()
            rows.append((seq, fields, prev, digest))
            prev = digest
        _insert(connection, columns, rows)
        done += len(rows)
    return seq


def _insert(connection, columns, rows):
    from django.db import transaction

    from nicat.audit.models import canonical_json

    def values(seq, f, prev, digest):
        occurred = f["occurred_at"]
        if connection.vendor == "sqlite":
            occurred = str(occurred.replace(tzinfo=None))
        return (seq, occurred, f["actor_id"], f["actor_username"], f["institution_id"], f["action"],
                f["object_type"], f["object_id"], f["case_reference"], f["case_uuid"], f["reason"], f["ip"],
                f["request_id"], canonical_json(f["changes"]), canonical_json(f["details"]), prev, digest)

    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                raw = cursor.cursor
                with raw.copy(f"COPY audit_auditevent ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(values(*row))
            else:
                placeholders = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO audit_auditevent ({', '.join(columns)}) VALUES ({placeholders})",
                                   [values(*row) for row in rows])
