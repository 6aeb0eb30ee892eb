"""`nicat keys rotate`: every value re-sealed under the newest key, resumable, readable at every
moment, plain values encrypted and reported, audit trail untouched, one audit event per run."""
import base64
import io

import pytest
from django.core.management import call_command
from django.db import connection

from nicat.audit.models import AuditEvent
from nicat.cases.models import Case
from nicat.persons.models import Person
from nicat.privacy import rotation
from nicat.privacy.crypto import Keyring, keyring

OLD = base64.urlsafe_b64encode(b"k" * 32).decode()  # the test settings' key
NEW = base64.urlsafe_b64encode(b"n" * 32).decode()


def raw(table, column, pk):
    with connection.cursor() as c:
        c.execute(f'SELECT "{column}" FROM "{table}" WHERE id = %s', [pk])
        return c.fetchone()[0]


def raw_column(table, column):
    with connection.cursor() as c:
        c.execute(f'SELECT "{column}" FROM "{table}"')
        return [v for (v,) in c.fetchall() if v]


def key_ids(table, column):
    with connection.cursor() as c:
        c.execute(f'SELECT "{column}" FROM "{table}"')
        return {Keyring.key_id_of(v) for (v,) in c.fetchall() if v}


@pytest.fixture(autouse=True)
def own_media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"  # the shared media directory holds other tests' files


@pytest.fixture
def world(cast):
    cases = [cast.open_case(person={"given_name": f"Name{i}", "phone": f"+99450{i:07d}"}, summary=f"Summary {i}")
             for i in range(7)]
    from nicat.cases.services import add_note

    for case in cases:
        add_note(actor=cast.worker, case=case, text=f"note of {case.reference}")
    return cases


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("keys", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return out.getvalue(), err.getvalue(), exit_.code
    return out.getvalue(), err.getvalue(), 0


def test_rotation_reseals_everything_and_keeps_it_readable(world, settings):
    old_id = keyring().current_id
    audit_before = list(AuditEvent.objects.values_list("sequence", "hash", "changes"))
    settings.NICAT_FIELD_KEYS = [NEW, OLD]
    new_id = keyring().current_id
    assert new_id != old_id
    out, err, code = run("rotate", "--batch-size", "3")
    assert code == 0, err
    assert "Finished" in out and "persons_person" in out
    # Persons' values are under their own data keys (enc2, independent of the field keys); the wrapped
    # data keys are re-sealed under the newest field key like any value.
    assert key_ids("persons_person", "given_name") == {None}
    assert all(v.startswith("enc2:") for v in raw_column("persons_person", "given_name"))
    assert key_ids("privacy_personkey", "wrapped") == {new_id}
    # A case's texts name the person too: they are under the person's data key like the person's values.
    for table, column in (("cases_case", "summary"), ("cases_casenote", "text")):
        assert key_ids(table, column) == {None}
        assert all(v.startswith("enc2:") for v in raw_column(table, column))
    assert sorted(c.summary for c in Case.objects.system()) == [f"Summary {i}" for i in range(7)]
    # Readable, and the audit trail was not rewritten (it keeps the old key's seals).
    assert sorted(p.given_name for p in Person.objects.system()) == [f"Name{i}" for i in range(7)]
    assert list(AuditEvent.objects.filter(sequence__lte=audit_before[-1][0]).values_list(
        "sequence", "hash", "changes")) == audit_before
    run_event = AuditEvent.objects.filter(action="keys.rotate").get()
    assert run_event.details["current_key"] == new_id and run_event.details["resealed"] > 0
    assert run_event.details["failed"] == 0
    # A second run has nothing left to do.
    out, _, _ = run("rotate")
    assert AuditEvent.objects.filter(action="keys.rotate").count() == 2
    assert AuditEvent.objects.filter(action="keys.rotate").last().details["resealed"] == 0
    # The old key must stay while the trail uses it: status says so.
    out, _, _ = run("status")
    assert f"{old_id} (retired)" in out and "audit trail" in out


def test_interrupted_rotation_resumes_and_every_record_stays_readable(world, settings, monkeypatch):
    settings.NICAT_FIELD_KEYS = [NEW, OLD]
    new_id = keyring().current_id
    calls = {"n": 0}
    real = rotation._reseal

    def flaky(ring, value, context):
        if context == "privacy_personkey.wrapped":  # half way through the wrapped person keys
            calls["n"] += 1
            if calls["n"] == 4:
                raise KeyboardInterrupt
        return real(ring, value, context)

    monkeypatch.setattr(rotation, "_reseal", flaky)
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Interrupted"):
        call_command("keys", "rotate", "--batch-size", "2", stdout=io.StringIO(), stderr=io.StringIO())
    mixed = key_ids("privacy_personkey", "wrapped")
    assert len(mixed) == 2  # half way: both keys in use …
    assert len([p.given_name for p in Person.objects.system()]) == 7  # … and everything readable
    assert [c.summary for c in Case.objects.system()]
    assert AuditEvent.objects.filter(action="keys.rotate").get().details["interrupted"] is True
    monkeypatch.setattr(rotation, "_reseal", real)
    out, err, code = run("rotate")
    assert code == 0
    assert key_ids("privacy_personkey", "wrapped") == {new_id}
    for table, column in (("cases_case", "summary"), ("cases_casenote", "text")):
        assert all(v.startswith("enc2:") for v in raw_column(table, column))


def test_plain_values_are_encrypted_and_reported(world):
    person = world[0].person
    with connection.cursor() as c:
        c.execute('UPDATE "persons_person" SET "family_name" = %s WHERE id = %s', ["PlainLegacy", person.pk])
    out, err, code = run("rotate")
    assert code == 0 and "1 plain values encrypted" in out
    # encrypted, then moved under the person's own data key
    assert raw("persons_person", "family_name", person.pk).startswith("enc2:")
    assert Person.objects.system().get(pk=person.pk).family_name == "PlainLegacy"
    assert AuditEvent.objects.filter(action="keys.rotate").get().details["plaintext_encrypted"] == 1
    assert "PlainLegacy" not in AuditEvent.objects.filter(action="keys.rotate").get().canonical_bytes().decode()


def test_value_under_an_unknown_key_is_left_alone_and_reported(world):
    person = world[1].person
    foreign = Keyring([base64.urlsafe_b64encode(b"z" * 32).decode()]).encrypt("x", "persons_person.given_name")
    with connection.cursor() as c:
        c.execute('UPDATE "persons_person" SET "given_name" = %s WHERE id = %s', [foreign, person.pk])
    out, err, code = run("rotate")
    assert code == 1
    assert f"persons_person.given_name id={person.pk}" in err
    assert raw("persons_person", "given_name", person.pk) == foreign


def test_dry_run_changes_nothing(world, settings):
    settings.NICAT_FIELD_KEYS = [NEW, OLD]
    before = raw("persons_person", "given_name", world[0].person.pk)
    out, _, code = run("rotate", "--dry-run")
    assert code == 0 and "dry run" in out.lower()
    assert raw("persons_person", "given_name", world[0].person.pk) == before
    assert not AuditEvent.objects.filter(action="keys.rotate").exists()


def test_every_encrypted_model_is_discovered():
    tables = {m._meta.db_table for m, _ in rotation.encrypted_models()}
    assert {"persons_person", "cases_case", "cases_casenote", "cases_traffickingevent",
            "access_breakglass", "access_restrictionorder"} <= tables


def test_generate_prints_a_usable_key():
    out, _, _ = run("generate")
    Keyring([out.strip()])
