"""An append to the chain is one statement: the head is read, linked and hashed by the INSERT itself
(SHA-256 in the database), and the hash is the one the definition gives (docs/audit.md)."""
import contextlib
import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from nicat.audit.chain import canonical_parts, canonical_text
from nicat.audit.models import GENESIS_HASH, AuditEvent
from nicat.audit.services import record
from nicat.audit.verify import verify_chain


def test_an_append_is_one_statement(user):
    record(actor=user, action="case.view")
    with transaction.atomic():
        with CaptureQueriesContext(connection) as ctx:
            event = record(actor=user, action="case.view", details={"channel": "api"})
    assert len(ctx.captured_queries) == 1
    assert event.sequence == 2 and event.prev_hash == AuditEvent.objects.get(sequence=1).hash


def test_the_hash_computed_by_the_database_is_the_defined_one(user):
    texts = ["Məmmədova Ülviyyə ğ ş ç ö ı İ", "Мамедова «ёж»", 'q"uo\\te\n\t\x01\x7f', "\u2028 emoji 🙂", ""]
    events = [record(actor=user if n % 2 else None, action="note.create", reason=text, details={"k": text})
              for n, text in enumerate(texts)]
    assert events[0].prev_hash == GENESIS_HASH
    for event in events:
        stored = AuditEvent.objects.get(sequence=event.sequence)
        assert stored.hash == event.hash == stored.compute_hash()
    result = verify_chain()
    assert result.ok and result.events == len(texts)


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reason=_text, username=_text, details=st.dictionaries(_text, st.one_of(_text, st.integers(), st.none()),
                                                               max_size=3), sequence=st.integers(1, 10**12))
def test_the_two_parts_and_the_place_in_the_chain_give_the_canonical_text(reason, username, details, sequence):
    fields = dict(occurred_at=datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.timezone.utc),
                  actor_id=None, actor_username=username, institution_id=3, action="case.view",
                  object_type="cases.case", object_id="x", case_reference="NCT-2026-000001", case_uuid="",
                  reason=reason, ip="10.0.0.1", request_id="r", changes={"a": [reason, None]}, details=details)
    head, tail = canonical_parts(**fields)
    prev = "ab" * 32
    assert head + '"' + prev + '"' + tail + str(sequence) + "}" == canonical_text(sequence=sequence, prev_hash=prev,
                                                                                  **fields)


@pytest.mark.django_db(transaction=True)
def test_a_database_error_during_an_append_is_djangos_own(user):
    """The append runs on psycopg's own cursor (server-side binding): its errors must still reach the request as
    Django's, or a lost connection or a full disk at that moment is a 500 instead of the 503 that says so
    (found by nicat/ops/tests/test_database_full.py: the audit table was the one that could not grow)."""
    import psycopg
    from django.conf import settings
    from django.db import OperationalError

    if connection.vendor != "postgresql":
        pytest.skip("the append's own cursor is PostgreSQL's")
    record(actor=user, action="case.view")
    pid = connection.connection.info.backend_pid
    db = settings.DATABASES["default"]
    with psycopg.connect(f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}", autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    try:
        with pytest.raises(OperationalError) as lost:
            record(actor=user, action="case.view")
        assert isinstance(lost.value.__cause__, psycopg.OperationalError)
    finally:
        connection.close()
    record(actor=user, action="case.view")  # a new connection, and the chain goes on
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_a_read_outside_a_transaction_holds_the_chains_lock_only_while_the_database_appends(user, monkeypatch):
    """A read has nothing of its own to roll back with its event: its append is one statement that the database
    commits as it ends, so while this process checks the answer (and, under load, waits behind its other threads)
    another request can already append — before, the lock (PostgreSQL's advisory lock, SQLite's write lock)
    waited for this process's COMMIT. Inside a caller's transaction the event still commits (or rolls back) with
    the caller's change."""
    from nicat.audit import services

    seen = []
    with _other_connection() as (lock_is_free, stored):
        def look(event):  # runs in record() once the database has answered the append and the hash is checked
            seen.append((lock_is_free(), stored(event.sequence)))

        monkeypatch.setattr(services, "_maybe_checkpoint", look)
        record(actor=user, action="case.view")
        with transaction.atomic():
            record(actor=user, action="note.create")
    assert seen == [(True, 1), (False, 0)]
    assert verify_chain().ok


@contextlib.contextmanager
def _other_connection():
    """Another connection to the test database: (is the chain's lock free?, how many events of a sequence does it
    see?)."""
    from nicat.audit import services

    db = connection.settings_dict
    if connection.vendor == "postgresql":
        import psycopg

        with psycopg.connect(f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
                             autocommit=True) as other:
            def lock_is_free():
                free = other.execute("SELECT pg_try_advisory_lock(%s)", [services.ADVISORY_LOCK_KEY]).fetchone()[0]
                if free:
                    other.execute("SELECT pg_advisory_unlock(%s)", [services.ADVISORY_LOCK_KEY])
                return free

            yield lock_is_free, lambda seq: other.execute(
                "SELECT count(*) FROM audit_auditevent WHERE sequence = %s", [seq]).fetchone()[0]
    else:
        import sqlite3

        other = sqlite3.connect(db["NAME"], timeout=0, isolation_level=None)
        try:
            def lock_is_free():
                try:
                    other.execute("BEGIN IMMEDIATE")  # the database's one write lock, not waited for
                except sqlite3.OperationalError:
                    return False
                other.execute("ROLLBACK")
                return True

            yield lock_is_free, lambda seq: other.execute(
                "SELECT count(*) FROM audit_auditevent WHERE sequence = ?", [seq]).fetchone()[0]
        finally:
            other.close()
