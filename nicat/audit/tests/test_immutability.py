"""Nothing in the application can change or remove an audit row: not the ORM, not raw SQL."""
import os
import sqlite3

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError

from nicat.audit import guard
from nicat.audit.checkpoints import create_checkpoint
from nicat.audit.models import AuditCheckpoint, AuditEvent
from nicat.audit.services import record

from .conftest import execute


@pytest.mark.django_db
def test_the_orm_refuses_to_change_or_delete(events):
    event = AuditEvent.objects.get(sequence=2)
    event.reason = "changed"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(sequence=2).update(reason="changed")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.bulk_create([AuditEvent(sequence=9, action="case.view")])
    with pytest.raises(PermissionError):
        AuditEvent.objects.create(sequence=9, action="case.view")
    checkpoint = create_checkpoint()
    with pytest.raises(PermissionError):
        checkpoint.save()
    with pytest.raises(PermissionError):
        AuditCheckpoint.objects.all().delete()
    assert AuditEvent.objects.get(sequence=2).reason == "check 1"


@pytest.mark.django_db
def test_an_actor_with_events_cannot_be_deleted(events, user):
    with pytest.raises(ProtectedError):
        user.delete()


@pytest.mark.django_db
@pytest.mark.parametrize("sql", [
    "UPDATE audit_auditevent SET reason = 'changed' WHERE sequence = 2",
    "DELETE FROM audit_auditevent WHERE sequence = 8",
    "DELETE FROM audit_auditevent",
    "UPDATE audit_auditcheckpoint SET hash = 'x'",
    "DELETE FROM audit_auditcheckpoint",
])
def test_raw_sql_is_refused_by_the_triggers(events, sql):
    create_checkpoint()
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic():
            execute(sql)
    assert AuditEvent.objects.count() == 8
    assert AuditEvent.objects.get(sequence=2).reason == "check 1"
    assert AuditCheckpoint.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("table", guard.TABLES)
def test_truncate_is_refused_on_postgresql(events, table):
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's")
    execute("SET CONSTRAINTS ALL IMMEDIATE")  # else PostgreSQL refuses first: pending FK checks
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic():
            execute(f"TRUNCATE {table} CASCADE")
    assert AuditEvent.objects.count() == 8


@pytest.mark.django_db
def test_every_trigger_is_installed():
    assert guard.missing_triggers(connection) == []


@pytest.mark.django_db
def test_the_teardown_exception_is_closed_outside_flush():
    assert guard._test_environment_active()
    assert guard.flush_allowed() is False


@pytest.mark.skipif(os.environ.get("NICAT_TEST_DB") == "postgres", reason="SQLite only")
@pytest.mark.django_db(transaction=True)
def test_another_sqlite_client_cannot_delete_either(user):
    record(actor=user, action="case.view")
    other = sqlite3.connect(connection.settings_dict["NAME"], timeout=5)
    try:
        with pytest.raises(sqlite3.OperationalError, match="no such function"):
            other.execute("DELETE FROM audit_auditevent")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            other.execute("UPDATE audit_auditevent SET reason = 'x'")
    finally:
        other.close()
    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_test_teardown_can_still_empty_the_tables(user):
    """Django's flush (what every transactional test's teardown runs) works in the test environment."""
    record(actor=user, action="case.view")
    create_checkpoint()
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists() and not AuditCheckpoint.objects.exists()
