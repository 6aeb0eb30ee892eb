"""Helpers for the audit tests: a user, a few events, and the DBA's tools (drop triggers, raw SQL)."""
import hashlib
import types
import uuid

import pytest
from django.db import connection

from nicat.audit import guard
from nicat.audit.chain import canonical_text
from nicat.audit.models import AuditEvent
from nicat.audit.services import record


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(username="auditor.test", password="x" * 16)


def fake_case(reference="NCT-2026-000123"):
    return types.SimpleNamespace(uuid=uuid.uuid4(), reference=reference)


@pytest.fixture
def events(user):
    """Eight events from one user, about one case."""
    case = fake_case()
    return [record(actor=user, action="case.view", obj=user, case=case, reason=f"check {n}") for n in range(8)]


def execute(sql, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def drop_triggers():
    """What a DBA with DDL rights can do. In a test transaction this is rolled back afterwards."""
    for table in guard.TABLES:
        if connection.vendor == "sqlite":
            for name in guard.sqlite_trigger_names(table):
                execute(f"DROP TRIGGER IF EXISTS {name}")
        else:
            for name in guard.pg_trigger_names(table):
                execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")


def rehash(sequence, prev_hash=None):
    """Recompute and store the hash of one event (after an edit), as an informed attacker would."""
    event = AuditEvent.objects.get(sequence=sequence)
    if prev_hash is not None:
        event.prev_hash = prev_hash
    digest = hashlib.sha256(event.canonical_bytes()).hexdigest()
    execute("UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE sequence = %s",
            [event.prev_hash, digest, sequence])
    return digest


def rewrite_from(sequence):
    """Re-link the whole chain from `sequence` on with recomputed hashes."""
    prev = AuditEvent.objects.get(sequence=sequence - 1).hash if sequence > 1 else "0" * 64
    for seq in AuditEvent.objects.filter(sequence__gte=sequence).order_by("sequence").values_list("sequence", flat=True):
        prev = rehash(seq, prev_hash=prev)
    return prev


def forged_hash(sequence, prev_hash, **fields):
    values = {"occurred_at": "2026-01-01T00:00:00.000000Z", "actor_id": None, "actor_username": "",
              "institution_id": None, "action": "case.view", "object_type": "", "object_id": "",
              "case_reference": "", "case_uuid": "", "reason": "", "ip": "", "request_id": "",
              "changes": {}, "details": {}}
    values.update(fields)
    return hashlib.sha256(canonical_text(sequence=sequence, prev_hash=prev_hash, **values).encode()).hexdigest()


def insert_raw(sequence, prev_hash, digest, occurred_at="2026-01-01 00:00:00", action="case.view"):
    occurred = occurred_at if connection.vendor == "sqlite" else occurred_at + "+00"
    execute(
        "INSERT INTO audit_auditevent (sequence, occurred_at, actor_id, actor_username, institution_id, action,"
        " object_type, object_id, case_reference, case_uuid, reason, ip, request_id, changes, details,"
        " prev_hash, hash) VALUES (%s, %s, NULL, '', NULL, %s, '', '', '', '', '', '', '', '{}', '{}', %s, %s)",
        [sequence, occurred, action, prev_hash, digest])
