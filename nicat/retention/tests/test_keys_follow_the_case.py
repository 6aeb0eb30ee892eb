"""Every value about a case is sealed under the key of the case's current person (review of 5 December 2026, night).

The coordinator merged the second NGO's record A into the first NGO's record B (same name, same phone). While they
were merged the second NGO wrote on A's case — a note, her signed consent form, the allowance paid to her — and all
of it was sealed under B's data key (the case's person at the time). The coordinator then found they are two women
and undid the merge: the case went back to A, its texts and form stayed under B's key. Erasing B (her request)
destroyed that key and A's note, form and payment went blank — another woman's data lost; erasing A left them
readable in every copy taken before, with B's key, which nobody destroyed. A merge and its undo now re-seal the
moved cases' values and files under the key of the record they belong to, in the same transaction; `nicat keys
rotate` names and re-seals a value still under another person's key than its case's."""
import datetime
import io
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, connections, transaction

from nicat.assistance.models import AllowancePayment
from nicat.assistance.services import pay_allowance
from nicat.audit.models import AuditEvent
from nicat.audit.services import ERASED, record, seal_value
from nicat.audit.services import open_value as audit_open
from nicat.audit.verify import verify_chain
from nicat.cases.models import Case, CaseNote, CaseTrailKey
from nicat.cases.services import add_note, update_case
from nicat.consent.services import record_consent
from nicat.core.errors import ConcurrentEdit
from nicat.persons.erasure import erase_person
from nicat.persons.models import Person
from nicat.persons.services import merge_persons, undo_merge
from nicat.privacy import personkeys
from nicat.privacy.models import PersonKey
from nicat.retention.services import record_request
from tests.support.world import ShelterWorld

PHONE = "+994 50 765 43 91"
NOTE = "She called from her aunt's flat in Sumqayıt; the recruiter still writes to her."
FORM = b"%PDF-1.4 consent signed by Leyla " + b"x" * 64
REFERENCE = "PO-2024-7781"


@pytest.fixture(autouse=True)
def own_ledger(tmp_path, settings):
    settings.NICAT_ERASURE_LEDGER = str(tmp_path / "erased-person-keys.txt")


def _stored(table, column, pk):
    with connection.cursor() as c:
        c.execute(f'SELECT "{column}" FROM "{table}" WHERE "id" = %s', [pk])
        return c.fetchone()[0]


def _kid(case):
    return Person.objects.system().get(pk=case.person_id).data_key_id


def _written_while_merged(cast):
    """A (the second NGO's record) merged into B (the first NGO's); a note, a signed consent form and the one-time
    allowance recorded on A's case while merged. Returns A's case, B's case, the merge and the three records."""
    world = ShelterWorld(cast)
    b = world.recognise(world.adult(given_name="Leyla", family_name="Həsənova", phone=PHONE))
    a = world.recognise(world.adult(actor=cast.worker2, given_name="Leyla", family_name="Həsənova", phone=PHONE))
    record = merge_persons(actor=cast.officer, survivor=b.person, merged=a.person, reason="Same name and phone")
    case = world.fresh(a)
    assert case.person_id == b.person_id
    note = add_note(actor=cast.worker2, case=case, text=NOTE)
    consent = record_consent(actor=cast.worker2, case=case, form_bytes=FORM, data={
        "purpose": "family_contact", "decision": "given", "method": "written"})
    payment = pay_allowance(actor=cast.worker2, case=case, kind="one_time", paid_on=datetime.date(2024, 3, 1),
                            source="state_budget", payment_reference=REFERENCE)
    return a, b, record, note, consent, payment


def _separated(cast):
    a, b, record, note, consent, payment = _written_while_merged(cast)
    undo_merge(actor=cast.officer, merge=record, reason="Two women: different mothers' names")
    return a, b, note, consent, payment


def _copies(note, consent, payment):
    """What a backup taken now holds of the three records (their stored values, the form's bytes on the disk)."""
    storage, name = consent.signed_form.storage, consent.signed_form.name
    with open(storage.path(name), "rb") as fh:
        form = fh.read()
    return {"cases_casenote.text": _stored("cases_casenote", "text", note.pk),
            "assistance_allowancepayment.payment_reference": _stored("assistance_allowancepayment",
                                                                     "payment_reference", payment.pk)}, form


def test_undoing_a_merge_seals_what_was_written_meanwhile_under_her_own_key(cast):
    a, b, note, consent, payment = _separated(cast)
    values, form = _copies(note, consent, payment)
    for context, value in values.items():
        assert personkeys.kid_of(value) == _kid(a), context  # hers, not the other woman's
    assert personkeys.file_kid_of(form[:32]) == _kid(a)
    undo = AuditEvent.objects.filter(action="person.merge_undo").last()
    assert undo.details["resealed"]["values"] >= 2 and undo.details["resealed"]["files"] == 1


def test_erasing_the_other_woman_leaves_her_texts_readable(cast):
    """Erasing B destroys B's key: A's note, form and payment, written on A's case while merged, stay readable."""
    a, b, note, consent, payment = _separated(cast)
    erase_person(actor=None, person=Person.objects.system().get(pk=b.person_id), basis="request")
    personkeys.forget_cache()  # as another process would be after KEY_TTL
    assert not Person.objects.system().get(pk=a.person_id).erased_at
    assert CaseNote.objects.system().get(pk=note.pk).text == NOTE
    assert AllowancePayment.objects.system().get(pk=payment.pk).payment_reference == REFERENCE
    assert consent.signed_form.storage.open(consent.signed_form.name).read() == FORM


def test_erasing_her_leaves_a_copy_taken_before_unreadable_though_the_other_womans_key_lives(cast):
    a, b, note, consent, payment = _separated(cast)
    values, form = _copies(note, consent, payment)  # a backup taken before the erasure
    erase_person(actor=None, person=Person.objects.system().get(pk=a.person_id), basis="request")
    personkeys.forget_cache()
    assert PersonKey.objects.filter(kid=_kid(b)).exists()  # B is not erased: her key is there
    for context, value in values.items():
        with pytest.raises(personkeys.KeyErased):
            personkeys.decrypt(value, context)
    with pytest.raises(personkeys.KeyErased):
        personkeys.decrypt_bytes(form, "media.file")


def test_a_merge_seals_the_moved_cases_under_the_kept_records_key(cast, django_capture_on_commit_callbacks):
    """The simplest rule holds both ways: while merged, the moved case's texts (written before too) and forms are
    under the kept record's key; erasing either record erases both (the erasure follows the merges)."""
    world = ShelterWorld(cast)
    b = world.adult(given_name="Leyla", family_name="Həsənova", phone=PHONE)
    a = cast.open_case(actor=cast.worker2, person={"given_name": "Leyla", "family_name": "Həsənova", "phone": PHONE},
                       summary="Recruited through a job offer in Dubai.")
    note = add_note(actor=cast.worker2, case=a, text=NOTE)
    consent = record_consent(actor=cast.worker2, case=a, form_bytes=FORM, data={
        "purpose": "family_contact", "decision": "given", "method": "written"})
    with django_capture_on_commit_callbacks(execute=True):
        merge_persons(actor=cast.officer, survivor=b.person, merged=a.person, reason="Same name and phone")
    assert personkeys.kid_of(_stored("cases_casenote", "text", note.pk)) == _kid(b)
    assert personkeys.kid_of(_stored("cases_case", "summary", a.pk)) == _kid(b)
    assert consent.signed_form.storage.sealed_person_key(consent.signed_form.name) == _kid(b)
    assert consent.signed_form.storage.open(consent.signed_form.name).read() == FORM


def test_rotation_names_and_reseals_a_value_left_under_another_persons_key(cast):
    """A value still under the other woman's key (a note written while the undo was committing, a form whose
    re-sealing a crash interrupted) is found by `nicat keys rotate --dry-run`, named without its text, and moved
    under her key by `nicat keys rotate`; after that erasing the other woman takes nothing of hers."""
    a, b, note, consent, payment = _separated(cast)
    out = io.StringIO()
    call_command("keys", "rotate", "--dry-run", stdout=out, stderr=io.StringIO())
    assert "0 under another person's data key" in out.getvalue()  # the undo left nothing behind
    # as a write racing with the undo leaves them: under B's key
    with connection.cursor() as c:
        c.execute('UPDATE "cases_casenote" SET "text" = %s WHERE "id" = %s',
                  [personkeys.encrypt(_kid(b), NOTE, "cases_casenote.text"), note.pk])
    storage, name = consent.signed_form.storage, consent.signed_form.name
    with open(storage.path(name), "wb") as fh:
        fh.write(personkeys.encrypt_bytes(_kid(b), FORM, "media.file"))

    out = io.StringIO()
    call_command("keys", "rotate", "--dry-run", stdout=out, stderr=io.StringIO())
    report = out.getvalue()
    assert "2 under another person's data key" in report
    assert f"cases_casenote.text id={note.pk}" in report and f"media {name}" in report
    assert NOTE not in report
    assert personkeys.kid_of(_stored("cases_casenote", "text", note.pk)) == _kid(b)  # a dry run changes nothing

    call_command("keys", "rotate", stdout=io.StringIO(), stderr=io.StringIO())
    assert personkeys.kid_of(_stored("cases_casenote", "text", note.pk)) == _kid(a)
    assert storage.sealed_person_key(name) == _kid(a)
    details = AuditEvent.objects.filter(action="keys.rotate").last().details
    assert details["under_another_persons_key"] == 1 and details["files"]["under_another_persons_key"] == 1
    erase_person(actor=None, person=Person.objects.system().get(pk=b.person_id), basis="request")
    personkeys.forget_cache()
    assert CaseNote.objects.system().get(pk=note.pk).text == NOTE
    assert storage.open(name).read() == FORM


def test_a_write_that_read_the_case_before_the_undo_seals_under_the_person_the_undo_gave_it(cast):
    """The race the undo cannot re-seal: a case worker's request read the case while the records were merged (its
    person: B), the coordinator's undo committed, then the request saved a note and the case's summary. They are
    sealed under the key of the case's person as the database holds it when they are written — A's — not B's, read
    before. (Before: B's key, so erasing B took them from A.)"""
    a, b, record, note, consent, payment = _written_while_merged(cast)
    read_before = Case.objects.system().select_related("person").get(pk=a.pk)  # the request's copy: person B
    assert read_before.person_id == b.person_id
    undo_merge(actor=cast.officer, merge=record, reason="Two women: different mothers' names")

    later = add_note(actor=cast.worker2, case=read_before, text="Written as the undo committed.")
    assert personkeys.kid_of(_stored("cases_casenote", "text", later.pk)) == _kid(a)
    read_before.summary = "She now lives with her aunt in Sumqayıt."
    read_before.save(update_fields=["summary"])
    assert personkeys.kid_of(_stored("cases_case", "summary", a.pk)) == _kid(a)

    erase_person(actor=None, person=Person.objects.system().get(pk=b.person_id), basis="request")
    personkeys.forget_cache()
    assert CaseNote.objects.system().get(pk=later.pk).text == "Written as the undo committed."


@pytest.mark.parametrize("undo", [True, False], ids=["undo", "merge"])
def test_a_case_edited_on_a_form_read_before_a_merge_or_its_undo_is_refused_not_moved_back(cast, undo):
    """A case worker opened the case's form (its version, its person) and the coordinator then merged the records or
    undid the merge. Saving the form is refused as changed since; it does not write the person it was read with back
    onto the case. (Before: saved, and the case went back to the other record: a merge half undone, or an undo
    half reverted, by an edit of the summary.)"""
    a, b, record, *_ = _written_while_merged(cast)
    if not undo:  # separated first, so that the form is read before a merge
        undo_merge(actor=cast.officer, merge=record, reason="Two women: different mothers' names")
    read_before = Case.objects.system().select_related("person").get(pk=a.pk)
    if undo:
        undo_merge(actor=cast.officer, merge=record, reason="Two women: different mothers' names")
    else:
        merge_persons(actor=cast.officer, survivor=b.person, merged=a.person, reason="The same woman after all")
    person_now = Case.objects.system().get(pk=a.pk).person_id
    assert person_now != read_before.person_id
    with pytest.raises(ConcurrentEdit):
        update_case(actor=cast.worker2, case=read_before, data={"summary": "She moved to her aunt's flat."},
                    expected_version=read_before.version)
    assert Case.objects.system().get(pk=a.pk).person_id == person_now


def _while_a_write_is_open(write, other, then=None):
    """Run `write` in a transaction held open on a connection of its own, start `other` on another one, and after a
    second let the write go on — `then(what write returned)` in the same transaction — and commit. Returns what
    `write` returned and whether `other` was still waiting at that second; what either raised fails the test."""
    written, release, failures, result = threading.Event(), threading.Event(), [], []

    def hold():
        try:
            with transaction.atomic():
                result.append(write())
                written.set()
                release.wait(30)
                if then is not None:
                    then(result[0])
        except Exception as exc:  # pragma: no cover - reported below
            failures.append(exc)
        finally:
            written.set()
            connections.close_all()

    def run():
        try:
            other()
        except Exception as exc:  # pragma: no cover - reported below
            failures.append(exc)
        finally:
            connections.close_all()

    writer = threading.Thread(target=hold)
    writer.start()
    assert written.wait(30)
    runner = threading.Thread(target=run)
    runner.start()
    runner.join(1.0)
    waited = runner.is_alive()  # held while the write is open
    release.set()
    writer.join(30)
    runner.join(30)
    assert failures == []
    return result[0], waited


@pytest.mark.django_db(transaction=True)
def test_an_undo_committing_while_a_note_is_being_saved_waits_for_it_and_reseals_it(cast):
    """The same race with two connections: the case worker's transaction has sealed a note on the case and not yet
    committed when the coordinator undoes the merge. The undo waits for it (the case's row is locked by the write)
    and then re-seals the note with the rest; the note ends under A's key. (Before, on PostgreSQL: the undo did not
    wait, committed first, and the note stayed under B's key.)"""
    a, b, record, *_ = _written_while_merged(cast)
    read_before = Case.objects.system().select_related("person").get(pk=a.pk)
    note, waited = _while_a_write_is_open(
        lambda: add_note(actor=cast.worker2, case=read_before, text="Saved as the undo began."),
        lambda: undo_merge(actor=cast.officer, merge=record, reason="Two women: different mothers' names"))
    assert waited, "the undo did not overlap the open write: the test proved nothing"
    assert personkeys.kid_of(_stored("cases_casenote", "text", note.pk)) == _kid(a)


def test_an_allowance_or_a_request_recorded_on_a_case_read_before_the_undo_names_the_person_the_case_has_now(cast):
    """The payment and the request to erase or correct name the person of their case. Recorded by a request that read
    the case before the undo (its person: B), they name A, whose case it is now: the one-time allowance A was paid
    while merged (moved back to her by the undo) refuses a second one, and the request is hers. (Before: the payment
    went through for B — A paid twice — and the request named B.)"""
    a, b, record, note, consent, payment = _written_while_merged(cast)
    read_before = Case.objects.system().select_related("person").get(pk=a.pk)
    undo_merge(actor=cast.officer, merge=record, reason="Two women: different mothers' names")
    assert AllowancePayment.objects.system().get(pk=payment.pk).person_id == a.person_id

    with pytest.raises(ValidationError) as refused:
        pay_allowance(actor=cast.worker2, case=read_before, kind="one_time", paid_on=datetime.date(2024, 3, 2),
                      source="state_budget", payment_reference="PO-2024-7790")
    assert "kind" in refused.value.message_dict
    assert AllowancePayment.objects.system().filter(case_id=a.pk).count() == 1

    request = record_request(actor=cast.worker2, case=read_before, kind="correction",
                             requested_on=datetime.date(2024, 3, 2), details="Her mother's name is Sevda.",
                             corrections={"given_name": "Leyli"})
    assert request.person_id == a.person_id


def _trail_values(case):
    """Every sealed value the audit trail keeps of `case` (the old and new values of its records' texts)."""
    return [value for event in AuditEvent.objects.filter(case_uuid=str(case.uuid))
            for pair in event.changes.values() if isinstance(pair, list)
            for value in pair if personkeys.is_person_sealed(value)]


def test_the_trails_copy_of_what_was_written_while_merged_is_hers_after_the_undo(cast):
    """The trail is hash-chained and never rewritten, so the undo cannot re-seal it as it re-seals the case's live
    values. What it kept of A's note, allowance and case while merged is sealed under her case's own trail key, which
    the undo moved back with the case: erasing B takes nothing of it, erasing A takes all of it — in the trail and in
    every copy of it. (Before: sealed under B's key, the case's person at the time. Erasing B showed A's trail as
    erased; erasing A left it readable to whoever kept a copy of the trail, with B's living key.)"""
    a, b, note, consent, payment = _separated(cast)
    sealed = _trail_values(a)
    assert any(audit_open(value) == NOTE for value in sealed)  # the note written while merged is in the trail
    assert {personkeys.kid_of(value) for value in sealed} == {CaseTrailKey.objects.get(case_id=a.pk).kid}

    erase_person(actor=None, person=Person.objects.system().get(pk=b.person_id), basis="request")
    personkeys.forget_cache()
    assert all(audit_open(value) is not ERASED for value in sealed)
    assert NOTE in [audit_open(value) for value in sealed]

    erase_person(actor=None, person=Person.objects.system().get(pk=a.person_id), basis="request")
    personkeys.forget_cache()
    assert all(audit_open(value) is ERASED for value in sealed)
    assert verify_chain().ok


def test_the_trail_of_her_case_is_lost_when_she_is_erased_though_the_other_woman_lives(cast):
    """The same undo, then only A erased: B's key lives, and the trail's copy of A's case is unreadable anyway."""
    a, b, note, consent, payment = _separated(cast)
    sealed = _trail_values(a)
    erase_person(actor=None, person=Person.objects.system().get(pk=a.person_id), basis="request")
    personkeys.forget_cache()
    assert PersonKey.objects.filter(kid=_kid(b)).exists()
    assert sealed and all(audit_open(value) is ERASED for value in sealed)
    assert not CaseTrailKey.objects.filter(case_id=a.pk).exists()


def test_two_first_writes_on_a_case_make_one_trail_key(cast, monkeypatch):
    """The trail key is made by the first write that needs it. Two first writes at once: the second finds the first's
    key in place when it stores its own, drops its own (it sealed nothing) and seals under the first's."""
    world = ShelterWorld(cast)
    case = world.adult(given_name="Leyla", family_name="Həsənova", phone=PHONE)
    CaseTrailKey.objects.filter(case_id=case.pk).delete()
    made, kids = personkeys.create_key, {}

    def a_concurrent_first_write():  # the other request stores its key between this one's read and its insert
        kids["first"] = made()
        CaseTrailKey.objects.create(case_id=case.pk, kid=kids["first"])
        kids["second"] = made()
        return kids["second"]

    monkeypatch.setattr(personkeys, "create_key", a_concurrent_first_write)
    kid = case.trail_key_id()
    monkeypatch.undo()
    assert kid == kids["first"] == CaseTrailKey.objects.get(case_id=case.pk).kid
    assert PersonKey.objects.filter(kid=kids["first"]).exists()
    assert not PersonKey.objects.filter(kid=kids["second"]).exists()  # dropped: it sealed nothing
    assert personkeys.read_ledger() == []  # and not an erasure
    assert case.trail_key_id() == kids["first"]


@pytest.mark.django_db(transaction=True)
def test_an_erasure_waits_for_a_write_open_on_her_case_and_destroys_the_trail_key_it_made(cast):
    """A case worker's transaction is saving the first note of a case: it has sealed the trail's copy of the note
    under the case's trail key, made for it, and not yet appended it, when the supervisor's erasure of the person
    runs. The erasure waits for it (it locks her cases before it destroys their keys) and then destroys that key:
    the trail's copy of the note is lost with her. (Without the wait, on PostgreSQL, the erasure did not see the key
    the open write had made, committed first, and the note's copy appended after it stayed readable.)"""
    world = ShelterWorld(cast)
    case = world.adult(given_name="Leyla", family_name="Həsənova", phone=PHONE)
    CaseTrailKey.objects.filter(case_id=case.pk).delete()  # a case the trail has not sealed anything of yet
    _, waited = _while_a_write_is_open(  # add_note held between its `audit.diff` and its `audit.record`
        lambda: seal_value(NOTE, case.trail_key_id()),
        lambda: erase_person(actor=None, person=Person.objects.system().get(pk=case.person_id), basis="request"),
        then=lambda sealed: record(actor=cast.worker, action="note.create", case=case,
                                   changes={"text": [None, sealed]}))
    personkeys.forget_cache()
    sealed = [value for event in AuditEvent.objects.filter(action="note.create", case_uuid=str(case.uuid))
              for pair in event.changes.values() for value in pair if personkeys.is_person_sealed(value)]
    assert sealed and all(audit_open(value) is ERASED for value in sealed)
    assert not CaseTrailKey.objects.filter(case_id=case.pk).exists()
    assert waited or connection.vendor == "sqlite", "the erasure did not wait for the open write"
