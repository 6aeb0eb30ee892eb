"""Database triggers that make the audit tables append-only, and the one teardown exception.

Triggers (installed by migration 0002, re-installable with `install_triggers`):

- SQLite: BEFORE UPDATE → RAISE(ABORT); BEFORE DELETE → RAISE(ABORT) unless the SQL function
  `nicat_audit_flush_allowed()` returns 1.
- PostgreSQL: BEFORE UPDATE OR DELETE (per row) → exception; BEFORE TRUNCATE (per statement) →
  exception unless the session/transaction setting `nicat.audit_maintenance` is 'on'.

The exception exists for one reason: Django's test teardown (`flush`, used by every
TransactionTestCase / `django_db(transaction=True)` test) empties every table — with DELETE on
SQLite and TRUNCATE on PostgreSQL. Nicat opens that door only when BOTH hold:
  1. Django's test environment is set up in this process (`setup_test_environment()`, which the
     test runners call and a server never does), and
  2. Django's `flush` management command is executing on the current thread's stack.
On SQLite the predicate is a Python function registered on Nicat's own connections: any other
client (the sqlite3 shell, another program) lacks the function, so its DELETE fails outright.
On PostgreSQL an execute wrapper sets `SET LOCAL nicat.audit_maintenance = 'on'` just before a
TRUNCATE issued under the same two conditions. Anyone with DDL rights can drop the triggers —
they are a guard against mistakes and application bugs, not against a DBA; the hash chain and
the signed checkpoints held by witnesses are what make such a change visible.
"""
import os
import sys

from django.db.backends.signals import connection_created

TABLES = ("audit_auditevent", "audit_auditcheckpoint")
SQLITE_FUNCTION = "nicat_audit_flush_allowed"
PG_SETTING = "nicat.audit_maintenance"


def sqlite_trigger_names(table):
    return [f"{table}_no_update", f"{table}_no_delete"]


def pg_trigger_names(table):
    return [f"{table}_no_change", f"{table}_no_truncate"]


def sqlite_install_sql(table):
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: UPDATE on {table} refused'); END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} "
        f"WHEN {SQLITE_FUNCTION}() IS NOT 1 "
        f"BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: DELETE on {table} refused'); END",
    ]


PG_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION nicat_audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('{PG_SETTING}', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$"""


def pg_install_sql(table):
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}",
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
        f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION nicat_audit_refuse()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION nicat_audit_refuse()",
    ]


def install_triggers(apps, schema_editor):
    """RunPython forward function; also usable by later migrations that rebuild the tables."""
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = [sql for t in TABLES for sql in sqlite_install_sql(t)]
    elif vendor == "postgresql":
        statements = [PG_FUNCTION_SQL] + [sql for t in TABLES for sql in pg_install_sql(t)]
    else:
        raise NotImplementedError(f"No append-only audit triggers for database vendor {vendor!r}.")
    for sql in statements:
        schema_editor.execute(sql, params=None)


def remove_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for t in TABLES:
        if vendor == "sqlite":
            for name in sqlite_trigger_names(t):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        elif vendor == "postgresql":
            for name in pg_trigger_names(t):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {t}")


def missing_triggers(connection) -> list:
    """Names of the append-only triggers that are not installed (empty when all are)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            wanted = [n for t in TABLES for n in sqlite_trigger_names(t)]
        elif connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            wanted = [n for t in TABLES for n in pg_trigger_names(t)]
        else:
            return []
        present = {row[0] for row in cursor.fetchall()}
    return [n for n in wanted if n not in present]


# --- the teardown exception --------------------------------------------------------------------

_FLUSH_FILE = os.path.join("django", "core", "management", "commands", "flush.py")


def _test_environment_active():
    try:
        from django.test.utils import _TestState
    except ImportError:  # pragma: no cover
        return False
    return hasattr(_TestState, "saved_data")


def _flush_on_stack():
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_filename.endswith(_FLUSH_FILE) and frame.f_code.co_name == "handle":
            return True
        frame = frame.f_back
    return False


def flush_allowed() -> bool:
    return _test_environment_active() and _flush_on_stack()


def _sqlite_flush_allowed():
    return 1 if flush_allowed() else 0


def _pg_flush_wrapper(execute, sql, params, many, context):
    if isinstance(sql, str) and sql.lstrip()[:8].upper() == "TRUNCATE" and flush_allowed():
        context["cursor"].cursor.execute(f"SET LOCAL {PG_SETTING} = 'on'")
    return execute(sql, params, many, context)


def _on_connection_created(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FUNCTION, 0, _sqlite_flush_allowed)
    elif connection.vendor == "postgresql" and _test_environment_active():
        # Only test processes get the wrapper; at the front, so that execute_wrapper()'s pop()
        # of a wrapper someone pushed later still removes theirs.
        if _pg_flush_wrapper not in connection.execute_wrappers:
            connection.execute_wrappers.insert(0, _pg_flush_wrapper)


def connect_signals():
    connection_created.connect(_on_connection_created, dispatch_uid="nicat.audit.guard")
