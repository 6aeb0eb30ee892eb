"""Signed checkpoints: automatic and manual, Ed25519 keys outside the database, export for witnesses."""
import base64
import datetime
import io
import json
import os
import stat

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command

from nicat.audit import checkpoints
from nicat.audit.checkpoints import create_checkpoint, signing_key, trusted_public_keys
from nicat.audit.models import AuditCheckpoint, AuditEvent
from nicat.audit.services import record
from nicat.audit.verify import verify_chain

from .conftest import drop_triggers, execute, rewrite_from

pytestmark = pytest.mark.django_db


def raw_key_b64(key=None):
    key = key or Ed25519PrivateKey.generate()
    return base64.b64encode(key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                              serialization.NoEncryption())).decode()


@pytest.fixture
def own_key(settings):
    settings.NICAT_AUDIT_SIGNING_KEY = raw_key_b64()
    return signing_key()


def test_a_checkpoint_is_made_every_n_events(settings, user, own_key):
    settings.NICAT_AUDIT_CHECKPOINT_EVERY = 5
    for _ in range(12):
        record(actor=user, action="api.read")
    cps = list(AuditCheckpoint.objects.order_by("sequence"))
    assert [cp.sequence for cp in cps] == [5, 10]
    assert cps[1].hash == AuditEvent.objects.get(sequence=10).hash
    assert cps[1].public_key_id == checkpoints.key_id(own_key.public_key())
    assert all(checkpoints.signature_valid(checkpoints.checkpoint_dict(cp), trusted_public_keys()) for cp in cps)
    assert verify_chain().checkpoints == 2


def test_manual_checkpoint_signs_the_head_once(events, own_key):
    out = io.StringIO()
    call_command("audit", "checkpoint", stdout=out)
    assert "sequence 8" in out.getvalue()
    assert create_checkpoint().sequence == 8
    assert AuditCheckpoint.objects.count() == 1


def test_a_forged_checkpoint_is_detected(events, own_key):
    create_checkpoint(sequence=4)
    drop_triggers()
    execute("UPDATE audit_auditcheckpoint SET signed_at = %s", [datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)])
    result = verify_chain()
    assert (result.ok, result.broken_sequence) == (False, 4)
    assert "invalid signature" in result.reason


def test_a_checkpoint_signed_by_an_unknown_key_is_not_trusted(events, settings, own_key):
    create_checkpoint(sequence=3)
    settings.NICAT_AUDIT_SIGNING_KEY = raw_key_b64()  # the key was replaced, the old one not listed
    result = verify_chain()
    assert not result.ok and "not trusted" in result.reason
    old_public = checkpoints.public_key_b64(own_key.public_key())
    settings.NICAT_AUDIT_TRUSTED_PUBLIC_KEYS = old_public
    assert verify_chain().ok


def test_key_from_a_file(tmp_path, settings, events):
    path = tmp_path / "audit.key"
    path.write_text(raw_key_b64() + "\n")
    settings.NICAT_AUDIT_SIGNING_KEY = ""
    settings.NICAT_AUDIT_SIGNING_KEY_FILE = str(path)
    cp = create_checkpoint()
    assert cp.public_key_id == checkpoints.key_id(signing_key().public_key())


def test_development_key_is_generated_privately(tmp_path, settings, monkeypatch):
    monkeypatch.delenv("NICAT_AUDIT_SIGNING_KEY", raising=False)
    monkeypatch.delenv("NICAT_AUDIT_SIGNING_KEY_FILE", raising=False)
    settings.NICAT_AUDIT_SIGNING_KEY = ""
    settings.NICAT_AUDIT_SIGNING_KEY_FILE = ""
    settings.VAR_DIR = tmp_path
    settings.NICAT_DEV = True
    key = signing_key()
    path = tmp_path / "audit-signing.key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert checkpoints.key_id(key.public_key()) == checkpoints.key_id(signing_key().public_key())
    settings.NICAT_DEV = False
    settings.VAR_DIR = tmp_path / "elsewhere"
    assert signing_key(required=False) is None
    with pytest.raises(checkpoints.SigningKeyMissing):
        signing_key()


def test_without_a_key_events_are_still_recorded(settings, user, monkeypatch):
    monkeypatch.setattr(checkpoints, "signing_key", lambda required=True: (_ for _ in ()).throw(
        checkpoints.SigningKeyMissing("no key")))
    settings.NICAT_AUDIT_CHECKPOINT_EVERY = 1
    assert record(actor=user, action="case.view").sequence == 1
    assert not AuditCheckpoint.objects.exists()


def test_export_and_verify_against_a_witness_file(events, own_key, tmp_path):
    create_checkpoint(sequence=5)
    create_checkpoint(sequence=8)
    path = tmp_path / "witness.json"
    out = io.StringIO()
    call_command("audit", "export-checkpoints", str(path), stdout=out)
    data = json.loads(path.read_text())
    assert data["format"] == "nicat-audit-checkpoints/1"
    assert [cp["sequence"] for cp in data["checkpoints"]] == [5, 8]
    assert list(data["public_keys"]) == [checkpoints.key_id(own_key.public_key())]
    assert verify_chain(witness_file=path).ok

    # An attacker with the database rewrites the history and removes the stored checkpoints:
    # the database alone now looks consistent; the witness's copy does not.
    drop_triggers()
    execute("DELETE FROM audit_auditcheckpoint")
    execute("UPDATE audit_auditevent SET reason = 'rewritten' WHERE sequence = 3")
    rewrite_from(3)
    assert verify_chain().ok
    result = verify_chain(witness_file=path)
    assert (result.ok, result.broken_sequence) == (False, 5)
    assert "witness checkpoint" in result.reason
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("audit", "verify", "--witness", str(path), stdout=out)
    assert out.getvalue().startswith("BROKEN at sequence 5")


def test_a_witness_file_detects_truncation_of_everything_after_it(events, own_key, tmp_path):
    create_checkpoint(sequence=7)
    path = tmp_path / "witness.json"
    checkpoints.write_export(path)
    drop_triggers()
    execute("DELETE FROM audit_auditcheckpoint")
    execute("DELETE FROM audit_auditevent WHERE sequence >= 6")
    result = verify_chain(witness_file=path)
    assert (result.ok, result.broken_sequence) == (False, 6)


def test_a_tampered_witness_file_is_refused(events, own_key, tmp_path):
    create_checkpoint(sequence=5)
    path = tmp_path / "witness.json"
    data = checkpoints.write_export(path)
    data["checkpoints"][0]["hash"] = "0" * 64
    path.write_text(json.dumps(data))
    result = verify_chain(witness_file=path)
    assert not result.ok and "invalid signature" in result.reason


def test_an_unreadable_witness_file_is_an_error(events, tmp_path):
    from django.core.management.base import CommandError

    path = tmp_path / "not-json.json"
    path.write_text("hello")
    with pytest.raises(CommandError) as info:
        call_command("audit", "verify", "--witness", str(path))
    assert info.value.returncode == 2


def test_the_checkpoint_interval_is_read_from_the_environment(tmp_path):
    """Issue 14, item 9: NICAT_AUDIT_CHECKPOINT_EVERY was documented but never read from the environment."""
    import subprocess
    import sys

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "nicat.settings", "NICAT_DEV": "1",
           "NICAT_VAR_DIR": str(tmp_path), "NICAT_AUDIT_CHECKPOINT_EVERY": "7",
           "NICAT_AUDIT_CHECKPOINT_SECONDS": "42"}
    out = subprocess.run([sys.executable, "-c", "from django.conf import settings as s; "
                          "print(s.NICAT_AUDIT_CHECKPOINT_EVERY, s.NICAT_AUDIT_CHECKPOINT_SECONDS)"],
                         env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["7", "42"], out.stderr[-1000:]


def test_a_checkpoint_is_signed_when_the_oldest_unsigned_event_is_old_enough(settings, user, own_key, monkeypatch):
    """Issue 14, item 9: events after the last every-N checkpoint could be deleted undetected for ever."""
    from django.utils import timezone

    from nicat.audit import services

    settings.NICAT_AUDIT_CHECKPOINT_EVERY = 1000
    settings.NICAT_AUDIT_CHECKPOINT_SECONDS = 60
    monkeypatch.setattr(services, "_next_timed_check", 0.0)
    start = timezone.now()
    clock = {"now": start}
    monkeypatch.setattr(services.timezone, "now", lambda: clock["now"])
    monkeypatch.setattr(services.time, "time", lambda: clock["now"].timestamp())
    for seconds in (0, 10, 30):
        clock["now"] = start + datetime.timedelta(seconds=seconds)
        record(actor=user, action="api.read")
    assert not AuditCheckpoint.objects.exists()
    clock["now"] = start + datetime.timedelta(seconds=61)
    fourth = record(actor=user, action="api.read")
    assert list(AuditCheckpoint.objects.values_list("sequence", flat=True)) == [fourth.sequence]
    clock["now"] = start + datetime.timedelta(seconds=90)
    record(actor=user, action="api.read")  # the oldest unsigned event is 29 s old: nothing yet
    clock["now"] = start + datetime.timedelta(seconds=125)
    record(actor=user, action="api.read")  # the oldest unsigned event (at 90 s) is 35 s old: still nothing
    assert AuditCheckpoint.objects.count() == 1
    clock["now"] = start + datetime.timedelta(seconds=151)
    seventh = record(actor=user, action="api.read")
    assert list(AuditCheckpoint.objects.values_list("sequence", flat=True)) == [fourth.sequence, seventh.sequence]
    assert verify_chain().ok


def test_a_witness_export_covers_the_head_so_deleting_the_last_events_is_detected(events, own_key, tmp_path):
    """Issue 14, item 9: the export used to hold only the periodic checkpoints, so the events after the
    last one could be deleted (stored checkpoints with them) and verify --witness still said OK."""
    create_checkpoint(sequence=4)  # the last periodic checkpoint; events 5..8 come after it
    path = tmp_path / "witness.json"
    call_command("audit", "export-checkpoints", str(path), stdout=io.StringIO())
    assert [cp["sequence"] for cp in json.loads(path.read_text())["checkpoints"]] == [4, 8]
    err = io.StringIO()
    call_command("audit", "verify", "--witness", str(path), stdout=io.StringIO(), stderr=err)
    assert "cover events up to 8; the chain head is 8" in err.getvalue()
    drop_triggers()
    execute("DELETE FROM audit_auditcheckpoint WHERE sequence > 4")
    execute("DELETE FROM audit_auditevent WHERE sequence >= 7")
    assert verify_chain().ok  # the database alone cannot tell
    result = verify_chain(witness_file=path)
    assert (result.ok, result.broken_sequence) == (False, 7)
    assert "events after 6 were removed" in result.reason
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("audit", "verify", "--witness", str(path), stdout=out)
    assert out.getvalue().startswith("BROKEN at sequence 7")
