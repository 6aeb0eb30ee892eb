"""Crypto-shredding (issue 18 item 5): an erased person's values can be read nowhere any more — not in the
database, not in the audit trail, not in a copy taken before — while statistics still count the case,
the audit chain still verifies, every page renders and search no longer finds the person."""
import datetime
import io
import os

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from nicat.accounts.models import Role
from nicat.audit import services as audit
from nicat.audit.models import AuditEvent
from nicat.audit.verify import verify_chain
from nicat.cases.models import CaseTrailKey
from nicat.persons.erasure import erase_person
from nicat.persons.models import Person, PersonToken
from nicat.privacy import personkeys
from nicat.privacy.crypto import DecryptionError, keyring
from nicat.privacy.models import PersonKey
from tests.support.world import make_user, term, verified_login

NAME = "Zülfiyyəxanım"
FAMILY = "Qaraqoyunlu"


@pytest.fixture(autouse=True)
def own_ledger(tmp_path, settings):
    settings.NICAT_ERASURE_LEDGER = str(tmp_path / "erased-person-keys.txt")


def raw_row(person):
    with connection.cursor() as c:
        c.execute('SELECT "given_name", "family_name", "birth_date", "phone", "data_key_id" FROM "persons_person" '
                  'WHERE id = %s', [person.pk])
        return c.fetchone()


def wrapped_key_row(kid):
    with connection.cursor() as c:
        c.execute('SELECT "kid", "wrapped", "created_at" FROM "privacy_personkey" WHERE "kid" = %s', [kid])
        return c.fetchone()


@pytest.fixture
def victim(cast):
    case = cast.open_case(person={"given_name": NAME, "family_name": FAMILY, "phone": "+994501112233",
                                  "birth_date": datetime.date(2008, 3, 9),
                                  "gender": term("gender", "feminine")},
                          summary="A summary")
    case.person.citizenships.set([term("country", "AZ")])
    return case


def test_values_are_sealed_under_the_persons_own_key(victim):
    row = raw_row(victim.person)
    assert row[0].startswith("enc2:") and row[1].startswith("enc2:") and row[4]
    assert personkeys.kid_of(row[0]) == row[4]
    # the field keyring alone does not open them: they depend on the person key
    with pytest.raises(DecryptionError):
        keyring().decrypt(row[0], "persons_person.given_name")
    assert PersonKey.objects.filter(kid=row[4]).exists()
    assert not wrapped_key_row(row[4])[1].startswith("enc2:")  # the data key is wrapped by the field keyring
    # the audit trail's copy of the new values is under the person key too
    event = AuditEvent.objects.filter(action="person.create", object_id=str(victim.person.uuid)).get()
    sealed = event.changes["given_name"][1]
    assert sealed.startswith("enc2:") and audit.open_value(sealed) == NAME


def test_erasure_makes_every_copy_unreadable_and_keeps_the_audit_chain(victim, cast):
    person = victim.person
    kid = person.data_key_id
    before = raw_row(person)  # a copy taken before (as a backup holds it)
    event = AuditEvent.objects.filter(action="person.create", object_id=str(person.uuid)).get()
    assert PersonToken.objects.system().filter(person=person).exists()

    assert erase_person(actor=None, person=person, basis="retention") == 1

    assert not PersonKey.objects.filter(kid=kid).exists()
    personkeys.forget_cache()  # as another process would be after KEY_TTL
    for value, column in ((before[0], "given_name"), (before[1], "family_name"), (before[3], "phone")):
        with pytest.raises(personkeys.KeyErased):
            personkeys.decrypt(value, f"persons_person.{column}")
        with pytest.raises(DecryptionError):
            keyring().decrypt(value, f"persons_person.{column}")
    assert audit.open_value(event.changes["given_name"][1]) is audit.ERASED
    # live row: blank, marked, not findable
    fresh = Person.objects.system().get(pk=person.pk)
    assert fresh.erased_at and fresh.erasure_basis == "retention"
    assert fresh.given_name == "" and fresh.birth_date is None and fresh.phone == ""
    assert str(fresh) == "(erased)" and fresh.full_name == "(erased)"
    assert not PersonToken.objects.system().filter(person=person).exists()
    assert fresh.name_index == "" and fresh.document_index == ""
    # a copy of the old row put back (a restore of the database only) still shows nothing
    with connection.cursor() as c:
        c.execute('UPDATE "persons_person" SET "given_name" = %s WHERE id = %s', [before[0], person.pk])
    assert Person.objects.system().get(pk=person.pk).given_name == ""
    # the audit chain was not rewritten and verifies; the erasure is recorded without a name
    assert AuditEvent.objects.get(pk=event.pk).hash == event.hash
    assert verify_chain().ok
    erase_event = AuditEvent.objects.filter(action="person.erase").get()
    text = erase_event.canonical_bytes().decode()
    assert NAME not in text and FAMILY not in text and "994501112233" not in text
    assert erase_event.details == {"basis": "retention", "key_destroyed": True}
    # erasing twice does nothing
    assert erase_person(actor=None, person=fresh, basis="retention") == 0


def test_statistics_count_the_erased_case_the_same(victim, cast):
    from nicat.statistics.release import registry_rows
    from nicat.statistics.selectors import case_table

    supervisor = make_user("sup", cast.main_department, Role.SUPERVISOR)
    cast.open_case(person={"given_name": "Other", "birth_date": datetime.date(1980, 1, 1)})

    def counts():
        tables = [case_table(user=cast.analyst, by=[d], k=1) for d in ("gender", "citizenship", "year")]
        rows = sorted((r["gender"], r["ageBroad"], r["majorityStatus"], r["citizenship"], r["yearOfRegistration"])
                      for r in registry_rows())
        return [(t.rows, t.totals) if hasattr(t, "rows") else t for t in tables], rows

    assert supervisor
    before = counts()
    erase_person(actor=None, person=victim.person, basis="request")
    after = counts()
    assert after == before
    assert ("Minor" in str(before[1])) or ("Adult" in str(before[1]))


def test_pages_of_an_erased_person_render_and_search_no_longer_finds_them(victim, cast, api):
    client = verified_login(Client(), cast.worker)
    found = client.post(reverse("persons:search"), {"q": f"{NAME} {FAMILY}"})
    assert found.status_code == 200 and found.content.decode().count(FAMILY) >= 2  # the query box and the hit

    erase_person(actor=None, person=victim.person, basis="retention")
    personkeys.forget_cache()

    page = client.get(reverse("cases:detail", args=[victim.uuid]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "(erased)" in html and NAME not in html and 'data-testid="person-erased"' in html
    for url in (reverse("cases:list"), reverse("cases:export"), reverse("web:case_file", args=[victim.uuid])):
        response = client.get(url)
        assert response.status_code in (200, 302), url
        assert NAME.encode() not in response.content
    search = client.post(reverse("persons:search"), {"q": f"{NAME} {FAMILY}"})
    assert search.status_code == 200 and search.content.decode().count(FAMILY) == 1  # the query box only
    # the API shows the person as erased, never an error
    response = api(cast.worker).get(f"/api/v1/cases/{victim.uuid}/")
    assert response.status_code == 200 and NAME not in response.content.decode()
    response = api(cast.worker).get(f"/api/v1/persons/{victim.person.uuid}/")
    assert response.status_code in (200, 404) and NAME not in response.content.decode()
    # editing an erased person is refused with a sentence, not a failure
    edit = client.post(reverse("cases:person_edit", args=[victim.uuid]),
                       {"given_name": "New", "version": Person.objects.system().get(pk=victim.person_id).version})
    assert edit.status_code in (200, 400) and "erased" in edit.content.decode()


def test_a_restored_old_database_is_erased_again_from_the_ledger(victim, cast, django_capture_on_commit_callbacks,
                                                                monkeypatch):
    """A backup made before the erasure holds the wrapped key; the ledger (outside the database) names it,
    and `nicat retention reapply` after the restore destroys it again. Until then a process that has read the
    ledger does not open the restored key either (since 7 December 2026; before, it opened it)."""
    monkeypatch.setattr(personkeys, "LEDGER_LOOK_EVERY", 0)  # each use of a key looks at the ledger
    person = victim.person
    kid, trail = person.data_key_id, CaseTrailKey.objects.get(case=victim).kid
    old_person, old_key, old_trail = raw_row(person), wrapped_key_row(kid), wrapped_key_row(trail)
    with django_capture_on_commit_callbacks(execute=True):  # the ledger is written when the erasure commits
        erase_person(actor=None, person=person, basis="request")
    assert personkeys.read_ledger() == [kid, trail]  # her key, and the key of her case's trail
    # "restore": the old rows come back
    with connection.cursor() as c:
        c.execute('INSERT INTO "privacy_personkey" ("kid", "wrapped", "created_at") VALUES (%s, %s, %s)', old_key)
        c.execute('INSERT INTO "privacy_personkey" ("kid", "wrapped", "created_at") VALUES (%s, %s, %s)', old_trail)
        c.execute('UPDATE "persons_person" SET "given_name" = %s, "family_name" = %s, "erased_at" = NULL, '
                  '"erasure_basis" = \'\' WHERE id = %s', [old_person[0], old_person[1], person.pk])
    personkeys.forget_cache()
    # the key is back in the database (the restore's risk, for whoever reads it without this machine's ledger) …
    assert PersonKey.objects.filter(kid__in=[kid, trail]).count() == 2
    # … but a process that has read the ledger knows it erased and does not open her name
    assert Person.objects.system().get(pk=person.pk).given_name == ""
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("retention", "reapply", stdout=out)
    assert "1 person records erased again" in out.getvalue()
    personkeys.forget_cache()
    assert not PersonKey.objects.filter(kid__in=[kid, trail]).exists()
    fresh = Person.objects.system().get(pk=person.pk)
    assert fresh.erased_at and fresh.given_name == "" and fresh.erasure_basis == "reapplied"
    with pytest.raises(personkeys.KeyErased):
        personkeys.decrypt(old_person[0], "persons_person.given_name")


def test_rotation_moves_older_values_under_the_person_key_so_erasure_reaches_them(cast):
    from nicat.cases.services import add_note

    case = cast.open_case(person={"given_name": "Legacy", "family_name": "Person"})
    add_note(actor=cast.worker, case=case, text="Legacy Person's note")
    person = case.person
    ring = keyring()
    # a person registered before person keys existed: values under the field key, no data key; their
    # case's texts likewise (written before case texts were sealed under the person's key)
    with connection.cursor() as c:
        c.execute('UPDATE "persons_person" SET "given_name" = %s, "family_name" = %s, "data_key_id" = \'\' '
                  'WHERE id = %s', [ring.encrypt("Legacy", "persons_person.given_name"),
                                    ring.encrypt("Person", "persons_person.family_name"), person.pk])
        c.execute('UPDATE "cases_casenote" SET "text" = %s WHERE "case_id" = %s',
                  [ring.encrypt("Legacy Person's note", "cases_casenote.text"), case.pk])
    assert Person.objects.system().get(pk=person.pk).given_name == "Legacy"  # still readable
    call_command("keys", "rotate", stdout=io.StringIO(), stderr=io.StringIO())
    row = raw_row(person)
    assert row[0].startswith("enc2:") and row[1].startswith("enc2:") and row[4]
    with connection.cursor() as c:
        c.execute('SELECT "text" FROM "cases_casenote" WHERE "case_id" = %s', [case.pk])
        note = c.fetchone()[0]
    assert note.startswith(f"enc2:{row[4]}:")  # the note is under the same, new person key
    assert personkeys.decrypt(note, "cases_casenote.text") == "Legacy Person's note"
    assert Person.objects.system().get(pk=person.pk).full_name == "Person Legacy"
    assert AuditEvent.objects.filter(action="keys.rotate").last().details["moved_to_person_keys"] >= 2
    erase_person(actor=None, person=Person.objects.system().get(pk=person.pk), basis="retention")
    personkeys.forget_cache()
    with pytest.raises(personkeys.KeyErased):
        personkeys.decrypt(row[0], "persons_person.given_name")
    with pytest.raises(personkeys.KeyErased):
        personkeys.decrypt(note, "cases_casenote.text")


def test_a_case_records_when_it_closed(cast):
    case = cast.open_case()
    assert case.closed_at is None
    case.status = "Closed"
    case.save()
    assert case.closed_at and (timezone.now() - case.closed_at).total_seconds() < 60
    case.status = "Active"
    case.save()
    assert case.closed_at is None


@pytest.mark.django_db(transaction=True)
def test_a_real_backup_taken_before_is_erased_again_after_its_restore(tmp_path, cast, settings, monkeypatch):
    """With the backup helpers (SQLite): the backup made before the erasure holds the person's values under
    the person key only, and that key wrapped; the erasure ledger names the key, and `reapply` on the restored
    rows destroys it again, after which the backup's values open with no key."""
    import sqlite3

    from nicat.ops.backup import create_backup, new_backup_key, unpack

    if connection.vendor != "sqlite":
        pytest.skip("the backup file is read with sqlite3 here; PostgreSQL backups are pg_dump archives")
    from nicat.consent.services import record_consent
    from nicat.privacy.storage import EncryptedFileSystemStorage

    settings.NICAT_BACKUP_KEY = new_backup_key()
    settings.MEDIA_ROOT = tmp_path / "media"
    case = cast.open_case(person={"given_name": NAME, "family_name": FAMILY})
    consent = record_consent(actor=cast.worker, case=case, form_bytes=SIGNED_FORM, data={
        "purpose": "family_contact", "decision": "given", "method": "written"})
    kid = Person.objects.system().get(pk=case.person_id).data_key_id
    trail = CaseTrailKey.objects.get(case=case).kid
    backup = tmp_path / "before.backup"
    create_backup(backup)
    erase_person(actor=None, person=case.person, basis="request")  # committed: the ledger is written
    assert personkeys.read_ledger() == [kid, trail]  # her key, and the key of her case's trail

    unpack(backup, tmp_path / "unpacked")
    # the signed form in the backup: its bytes are there, sealed under the destroyed key — unreadable
    old_form = EncryptedFileSystemStorage(location=tmp_path / "unpacked" / "media")
    assert old_form.sealed_person_key(consent.signed_form.name) == kid
    with pytest.raises(personkeys.KeyErased):
        old_form.open(consent.signed_form.name).read()
    db = sqlite3.connect(tmp_path / "unpacked" / "database.sqlite3")
    old_name = db.execute('SELECT "given_name" FROM "persons_person" WHERE id = ?', [case.person_id]).fetchone()[0]
    old_key = db.execute('SELECT "kid", "wrapped", "created_at" FROM "privacy_personkey" WHERE "kid" = ?',
                         [kid]).fetchone()
    db.close()
    assert old_name.startswith(f"enc2:{kid}:") and old_key is not None
    with pytest.raises(DecryptionError):  # the field keys alone do not open the backup's values
        keyring().decrypt(old_name, "persons_person.given_name")
    # the restore brings the wrapped key back; reapply (docs/operations.md §3) destroys it again
    with connection.cursor() as c:
        c.execute('INSERT INTO "privacy_personkey" ("kid", "wrapped", "created_at") VALUES (%s, %s, %s)', old_key)
    assert personkeys.exists(kid)
    personkeys.forget_cache()
    monkeypatch.setattr(personkeys, "LEDGER_LOOK_EVERY", 0)  # each use of a key looks at the ledger
    with pytest.raises(personkeys.KeyErased):  # a process that has read the ledger does not open it meanwhile
        personkeys.decrypt(old_name, "persons_person.given_name")
    call_command("retention", "reapply", stdout=io.StringIO())
    assert not personkeys.exists(kid)
    personkeys.forget_cache()
    with pytest.raises(personkeys.KeyErased):
        personkeys.decrypt(old_name, "persons_person.given_name")
    assert verify_chain().ok


def test_records_merged_into_an_erased_person_are_erased_with_it(cast):
    from nicat.persons.services import merge_persons

    survivor = cast.open_case(person={"given_name": NAME, "family_name": FAMILY}).person
    duplicate = cast.open_case(person={"given_name": NAME, "family_name": FAMILY + "x"}).person
    merge_persons(actor=cast.officer, survivor=survivor, merged=duplicate, reason="Same passport")
    assert erase_person(actor=None, person=survivor, basis="retention") == 2
    merged = Person.objects.system().get(pk=duplicate.pk)
    assert merged.erased_at and merged.family_name == "" and not PersonKey.objects.filter(
        kid=merged.data_key_id).exists()


def test_a_search_unwraps_its_candidates_keys_in_one_query_not_one_each(cast, django_assert_max_num_queries):
    from nicat.persons.selectors import search_persons

    for i in range(30):
        cast.open_case(person={"given_name": "Səbinə", "family_name": f"Əliyeva{'x' * (i % 3)}",
                               "birth_date": datetime.date(1990, 1, 1 + i % 28)})
    personkeys.forget_cache()  # a fresh process: no key unwrapped yet
    with django_assert_max_num_queries(25):  # one key query per person would be 30 more
        results = search_persons(user=cast.worker, q="Səbinə Əliyeva")
    assert len(results) >= 10 and all(r["person"].given_name == "Səbinə" for r in results)


def test_erasure_blanks_the_free_texts_of_the_persons_case_records(cast, victim,
                                                                  django_capture_on_commit_callbacks):
    """Names and places also sit in a case's summary, notes and the places of its events; once the person is
    erased no text of their cases remains to be read in the live database — dates and codes stay."""
    from nicat.cases.models import Case, CaseNote, TraffickingEvent
    from nicat.cases.services import add_event, add_note

    add_note(actor=cast.worker, case=victim, text=f"{NAME} called from her aunt's flat in Sumqayıt.")
    add_event(actor=cast.worker, case=victim, data={
        "kind": "Recruitment", "place": "Sumqayıt, 5th micro-district", "description": f"{NAME} met the recruiter",
        "date_from": datetime.date(2025, 5, 1)})
    from nicat.consent.services import record_consent

    form = record_consent(actor=cast.worker, case=victim, form_bytes=b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, data={
        "purpose": "family_contact", "decision": "given", "method": "written"})
    on_disk = form.signed_form.storage.path(form.signed_form.name)
    assert os.path.exists(on_disk)
    other = cast.open_case(summary="Another person's summary")
    with django_capture_on_commit_callbacks(execute=True):
        erase_person(actor=None, person=victim.person, basis="retention")
    assert not os.path.exists(on_disk)  # the signed form (it bears the person's name and signature) is gone
    form.refresh_from_db()
    assert not form.signed_form
    case = Case.objects.system().get(pk=victim.pk)
    assert case.summary == ""
    assert [n.text for n in CaseNote.objects.system().filter(case=case)] == [""]
    [event] = TraffickingEvent.objects.system().filter(case=case)
    assert (event.place, event.description, event.kind) == ("", "", "Recruitment")
    assert Case.objects.system().get(pk=other.pk).summary == "Another person's summary"


SIGNED_FORM = b"%PDF-1.4 signed by " + NAME.encode() + b" " + b"x" * 64


def test_uploaded_files_are_sealed_under_the_persons_key_so_a_copy_loses_them_too(cast, victim):
    """A signed consent form bears the person's name and signature: it is sealed under the person's data key like
    the case's texts, so the bytes a backup taken before the erasure holds open with no key afterwards; a row
    restored from before that still points at such a file is answered "not found", never a server error."""
    from nicat.consent.models import Consent
    from nicat.consent.services import record_consent

    consent = record_consent(actor=cast.worker, case=victim, form_bytes=SIGNED_FORM, data={
        "purpose": "family_contact", "decision": "given", "method": "written"})
    kid = raw_row(victim.person)[4]
    storage, name = consent.signed_form.storage, consent.signed_form.name
    with open(storage.path(name), "rb") as fh:
        copy = fh.read()  # what a backup taken now holds
    assert storage.sealed_person_key(name) == kid and storage.sealed_key_id(name) is None
    assert NAME.encode() not in copy
    with pytest.raises(DecryptionError):  # the field keys alone do not open it
        keyring().decrypt_bytes(copy, "media.file")
    url = reverse("consent:signed_form", args=[consent.uuid])
    worker = Client()
    verified_login(worker, cast.worker)
    assert worker.get(url).content == SIGNED_FORM

    erase_person(actor=None, person=victim.person, basis="request")
    personkeys.forget_cache()
    with pytest.raises(personkeys.KeyErased):
        personkeys.decrypt_bytes(copy, "media.file")
    # a database and media restored from before the erasure, the key destroyed again (the ledger) but the row
    # not yet blanked: the form's link answers 404 and records no read
    with open(storage.path(name), "wb") as fh:
        fh.write(copy)
    Consent.objects.system().filter(pk=consent.pk).update(signed_form=name)
    reads = AuditEvent.objects.filter(action="consent.form.view").count()
    assert worker.get(url).status_code == 404
    assert AuditEvent.objects.filter(action="consent.form.view").count() == reads


def test_rotation_moves_older_files_under_the_person_key_so_erasure_reaches_them(cast, victim):
    """A form uploaded before files followed the person's key is under a field key; `nicat keys rotate` moves it
    under the key of the case's person, after which erasing the person leaves a copy of it unreadable."""
    from nicat.consent.services import record_consent

    consent = record_consent(actor=cast.worker, case=victim, form_bytes=SIGNED_FORM, data={
        "purpose": "family_contact", "decision": "given", "method": "written"})
    storage, name = consent.signed_form.storage, consent.signed_form.name
    with open(storage.path(name), "wb") as fh:  # as written before this version: under the newest field key
        fh.write(keyring().encrypt_bytes(SIGNED_FORM, "media.file"))
    assert storage.sealed_key_id(name) == keyring().current_id
    out = io.StringIO()
    call_command("keys", "rotate", stdout=out, stderr=io.StringIO())
    kid = raw_row(victim.person)[4]
    assert storage.sealed_person_key(name) == kid
    assert storage.open(name).read() == SIGNED_FORM
    assert AuditEvent.objects.filter(action="keys.rotate").last().details["files"]["moved_to_person_keys"] == 1
    with open(storage.path(name), "rb") as fh:
        copy = fh.read()
    erase_person(actor=None, person=victim.person, basis="retention")
    personkeys.forget_cache()
    with pytest.raises(personkeys.KeyErased):
        personkeys.decrypt_bytes(copy, "media.file")


def test_rotation_reports_a_missing_file_and_goes_on(cast, victim):
    """A row whose file is gone from the disk (a lost volume, a hand-made restore) is reported, never a crash of
    `nicat keys rotate`."""
    from nicat.consent.services import record_consent

    consent = record_consent(actor=cast.worker, case=victim, form_bytes=SIGNED_FORM, data={
        "purpose": "family_contact", "decision": "given", "method": "written"})
    os.remove(consent.signed_form.storage.path(consent.signed_form.name))
    other = record_consent(actor=cast.worker, case=cast.open_case(), form_bytes=SIGNED_FORM, data={
        "purpose": "family_contact", "decision": "given", "method": "written"})
    with open(other.signed_form.storage.path(other.signed_form.name), "wb") as fh:  # under a field key: to move
        fh.write(keyring().encrypt_bytes(SIGNED_FORM, "media.file"))
    err = io.StringIO()
    with pytest.raises(SystemExit) as ended:  # the run finishes, then says that something was left
        call_command("keys", "rotate", stdout=io.StringIO(), stderr=err)
    assert ended.value.code == 1
    assert f"media {consent.signed_form.name}: missing or unreadable" in err.getvalue()
    assert other.signed_form.storage.sealed_person_key(other.signed_form.name)  # the rest was done


def test_case_texts_are_sealed_under_the_persons_key_so_a_copy_loses_them_too(cast, victim):
    """A case's summary, its notes and the texts of its other records name the person as much as the person
    record does: they are sealed under the person's data key, so after the erasure the stored values — as a
    backup taken before holds them — open with no key, not only blanked in the live database."""
    from nicat.cases.services import add_event, add_note
    from nicat.safety.models import Relative

    add_note(actor=cast.worker, case=victim, text=f"{NAME} called from her aunt's flat.")
    add_event(actor=cast.worker, case=victim, data={"kind": "Recruitment", "place": "Sumqayıt",
                                                     "description": f"{NAME} met the recruiter",
                                                     "date_from": datetime.date(2025, 5, 1)})
    Relative.objects.create(case=victim, given_name="Sevda", family_name=FAMILY,
                            relation=Relative._meta.get_field("relation").choices[0][0],
                            risk=Relative._meta.get_field("risk").choices[0][0],
                            created_by=cast.worker, institution=cast.ngo)
    kid = raw_row(victim.person)[4]
    stored = {}
    with connection.cursor() as c:
        for table, column in (("cases_case", "summary"), ("cases_casenote", "text"),
                              ("cases_traffickingevent", "description"), ("safety_relative", "family_name")):
            key = "id" if table == "cases_case" else "case_id"
            c.execute(f'SELECT "{column}" FROM "{table}" WHERE "{key}" = %s', [victim.pk])
            stored[f"{table}.{column}"] = c.fetchone()[0]
    for context, value in stored.items():
        assert value.startswith(f"enc2:{kid}:"), context  # under the person's key, not a field key
    assert personkeys.decrypt(stored["cases_casenote.text"], "cases_casenote.text").startswith(NAME)

    erase_person(actor=None, person=victim.person, basis="request")
    personkeys.forget_cache()
    for context, value in stored.items():
        with pytest.raises(personkeys.KeyErased):
            personkeys.decrypt(value, context)
        with pytest.raises(DecryptionError):
            keyring().decrypt(value, context)
    # another person's case is untouched
    other = cast.open_case(summary="Another person's summary")
    from nicat.cases.models import Case

    assert Case.objects.row(other).get().summary == "Another person's summary"


def test_the_trail_copy_of_her_case_texts_is_lost_with_her_key_too(cast, victim):
    """The trail keeps the old and new values of every change, sealed. Those of a case's texts (a note, a trafficking
    event's description, the case summary) were sealed under the field keys — the services give `diff` the model,
    not the record — so after the erasure whoever holds the field keys and the database, or a backup, still read the
    note she dictated in the trail. They are sealed under a data key now — the case's trail key, which moves with
    the case (a merge and its undo cannot re-seal the trail) — destroyed with hers."""
    from nicat.cases.services import add_event, add_note

    add_note(actor=cast.worker, case=victim, text=f"{NAME} called from her aunt's flat.")
    add_event(actor=cast.worker, case=victim, data={"kind": "Recruitment", "place": "Sumqayıt",
                                                     "description": f"{NAME} met the recruiter",
                                                     "date_from": datetime.date(2025, 5, 1)})
    kid = CaseTrailKey.objects.get(case=victim).kid
    sealed = [value for event in AuditEvent.objects.filter(action__in=["note.create", "event.create"],
                                                           case_uuid=str(victim.uuid))
              for name, pair in event.changes.items() if name in ("text", "place", "description") for value in pair
              if value]
    assert len(sealed) == 6  # old (none) and new, each sealed
    assert all(personkeys.kid_of(value) == kid for value in sealed)
    assert any(NAME in str(audit.open_value(value)) for value in sealed)

    erase_person(actor=None, person=victim.person, basis="request")
    personkeys.forget_cache()
    assert not PersonKey.objects.filter(kid=kid).exists()
    assert all(audit.open_value(value) is audit.ERASED for value in sealed)
    assert verify_chain().ok
