"""Changes made directly in the database — past the triggers, as a DBA could — are detected.

Each test drops the triggers and edits with raw SQL inside the test transaction (rolled back
afterwards, triggers included)."""
import io

import pytest
from django.core.management import call_command

from nicat.audit.checkpoints import create_checkpoint
from nicat.audit.models import AuditEvent
from nicat.audit.services import record
from nicat.audit.verify import verify_chain

from .conftest import drop_triggers, execute, forged_hash, insert_raw, rehash, rewrite_from

pytestmark = pytest.mark.django_db


def broken(expected_sequence, *words):
    result = verify_chain()
    assert not result.ok, "tampering went unnoticed"
    assert result.broken_sequence == expected_sequence, result.summary()
    for word in words:
        assert word in result.reason, result.summary()
    return result


def test_edited_event(events):
    drop_triggers()
    execute("UPDATE audit_auditevent SET reason = 'nothing to see' WHERE sequence = 3")
    broken(3, "edited")
    # stopping early left the connection (and the surrounding transaction) usable
    assert AuditEvent.objects.count() == 8
    broken(3, "edited")


def test_edited_actor(events):
    drop_triggers()
    execute("UPDATE audit_auditevent SET actor_id = NULL, actor_username = '' WHERE sequence = 5")
    broken(5, "edited")


def test_edited_event_with_recomputed_hash_breaks_the_next_link(events):
    drop_triggers()
    execute("UPDATE audit_auditevent SET action = 'case.create' WHERE sequence = 3")
    rehash(3)
    broken(4, "prev_hash")


def test_deleted_event(events):
    drop_triggers()
    execute("DELETE FROM audit_auditevent WHERE sequence = 3")
    broken(3, "missing")


def test_deleted_event_with_renumbered_successors(events):
    drop_triggers()
    execute("DELETE FROM audit_auditevent WHERE sequence = 3")
    for seq in range(4, 9):
        execute("UPDATE audit_auditevent SET sequence = %s WHERE sequence = %s", [seq - 1, seq])
    broken(3)


def test_inserted_event(events):
    """A forged event slipped in at 3 (its hash computed correctly); the later ones moved up."""
    drop_triggers()
    for seq in range(8, 2, -1):
        execute("UPDATE audit_auditevent SET sequence = %s WHERE sequence = %s", [seq + 1, seq])
    prev = AuditEvent.objects.get(sequence=2).hash
    insert_raw(3, prev, forged_hash(3, prev))
    broken(4)


def test_appended_event_with_a_wrong_hash(events):
    drop_triggers()
    insert_raw(9, AuditEvent.objects.get(sequence=8).hash, "f" * 64)
    broken(9, "edited")


def test_reordered_events(events):
    drop_triggers()
    execute("UPDATE audit_auditevent SET sequence = -1 WHERE sequence = 4")
    execute("UPDATE audit_auditevent SET sequence = 4 WHERE sequence = 5")
    execute("UPDATE audit_auditevent SET sequence = 5 WHERE sequence = -1")
    broken(4)


def test_rewritten_chain_is_caught_by_the_checkpoint(events):
    create_checkpoint()  # signs event 8
    drop_triggers()
    execute("UPDATE audit_auditevent SET reason = 'rewritten' WHERE sequence = 2")
    rewrite_from(2)
    broken(8, "checkpoint")


def test_truncated_chain_after_a_checkpoint(events):
    create_checkpoint(sequence=6)
    drop_triggers()
    execute("DELETE FROM audit_auditevent WHERE sequence >= 5")
    broken(5, "removed")


def test_truncated_and_regrown_chain(events):
    create_checkpoint(sequence=6)
    drop_triggers()
    execute("DELETE FROM audit_auditevent WHERE sequence >= 5")
    prev = AuditEvent.objects.get(sequence=4).hash
    for seq in (5, 6):
        digest = forged_hash(seq, prev)
        insert_raw(seq, prev, digest)
        prev = digest
    broken(6, "checkpoint")


def test_command_prints_the_first_broken_sequence_and_exits_1(events):
    drop_triggers()
    execute("UPDATE audit_auditevent SET reason = 'x' WHERE sequence = 6")
    execute("UPDATE audit_auditevent SET reason = 'x' WHERE sequence = 2")
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit", "verify", stdout=out)
    assert exit_info.value.code == 1
    assert out.getvalue().startswith("BROKEN at sequence 2: ")


def test_a_wrong_type_planted_in_sqlite_is_reported(events):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("only SQLite lets a column hold a value of another type")
    drop_triggers()
    execute("UPDATE audit_auditevent SET actor_id = 'admin' WHERE sequence = 7")
    broken(7, "integer")
    execute("UPDATE audit_auditevent SET actor_id = NULL, reason = X'00ff' WHERE sequence = 7")
    broken(7, "wrong type")


@pytest.mark.django_db(transaction=True)
def test_parallel_verification_finds_the_first_problem(user, monkeypatch):
    """A long chain is checked by several processes; the earliest problem still wins."""
    from django.db import connection

    from nicat.audit import guard, verify

    for n in range(40):
        record(actor=user, action="api.read", details={"n": n})
    monkeypatch.setattr(verify, "PARALLEL_MIN_EVENTS", 10)
    assert verify_chain(workers=3).summary() == "OK 40 events"
    drop_triggers()
    try:
        execute("UPDATE audit_auditevent SET reason = 'x' WHERE sequence IN (33, 21)")
        result = verify_chain(workers=3)
        assert (result.ok, result.broken_sequence) == (False, 21)
        execute("DELETE FROM audit_auditevent WHERE sequence = 14")
        assert verify_chain(workers=3).broken_sequence == 14
    finally:
        with connection.schema_editor() as editor:
            guard.install_triggers(None, editor)
    assert guard.missing_triggers(connection) == []
