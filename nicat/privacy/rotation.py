"""Key rotation: re-seal every encrypted value (and encrypted file) under the newest key.

How it keeps every record readable at every moment: the old keys stay in NICAT_FIELD_KEYS (the
keyring opens a value with whichever key its id names), and each value is replaced by one UPDATE
that succeeds only if the value is still the one that was read (a value changed meanwhile was
written under the newest key anyway). Batches (by primary key, per table) commit one by one, so
an interrupted run has kept everything it did; a re-run skips what is already under the newest
key and continues.

A value not yet in the encrypted format (plain text, which Nicat never writes) is encrypted and
counted apart. A value sealed with a key that is not in the keyring, or that fails
authentication, is never changed: it is counted and named by table, column and primary key.

Persons (envelope encryption, nicat.privacy.personkeys): a person's values sealed under their own data
key (`enc2:`) do not depend on the field keys and are left as they are; the wrapped data keys themselves
are encrypted values (privacy_personkey.wrapped) and are re-sealed like any other. Then
`move_to_person_keys` seals every person value still under a field key (registered before person keys
existed, or written by a bulk update) under the person's data key, creating the key when the person has
none, and every text of a case record (the case's summary, its notes, the texts of the records hanging
off it) under the key of the case's person — from then on erasing the person (crypto-shredding) reaches
those values too.

Every value about a case is sealed under the key of the case's *current* person (`sealing_key_id()` of its
record). A merge gives a case to the kept record and an undone merge gives it back: `reseal_cases`, called in
that same transaction, re-seals the case's values and files under the key of the record it now belongs to, so
that erasing one woman never destroys the key of another woman's texts, nor leaves hers readable under the
other's key in a copy taken before. A value that still sits under another person's key than its record's (a
write that raced with the merge's undo, a crash between its commit and a file's re-sealing) is found, named and
re-sealed by `move_to_person_keys` (`nicat keys rotate`; `--dry-run` only reports).

The audit trail is append-only and hash-chained: its sealed old/new values are never rewritten.
Keep a retired key in NICAT_FIELD_KEYS for as long as the trail holds values sealed with it
(`nicat keys status` counts them).
"""
import os
import re
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction

from nicat.core.models import CaseScopedModel
from nicat.privacy import personkeys
from nicat.privacy.crypto import PREFIX, DecryptionError, Keyring, keyring
from nicat.privacy.fields import EncryptedMixin


def encrypted_models():
    """[(model, [encrypted fields])] of every installed model with encrypted fields."""
    found = []
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed or meta.swapped:
            continue
        fields = [f for f in meta.concrete_fields if isinstance(f, EncryptedMixin)]
        if fields:
            found.append((model, fields))
    return sorted(found, key=lambda item: item[0]._meta.db_table)


@dataclass
class TableCount:
    rows: int = 0
    values: int = 0
    current: int = 0
    resealed: int = 0
    plaintext: int = 0
    changed_meanwhile: int = 0
    failed: int = 0
    moved: int = 0  # moved from a field key to the person's own data key
    rekeyed: int = 0  # moved from another person's data key to the key of its record's person
    lost: int = 0  # under a destroyed person key that is not its record's: nothing opens it any more


@dataclass
class RotationReport:
    current_key: str = ""
    tables: dict = field(default_factory=dict)
    files: TableCount = field(default_factory=TableCount)
    failures: list = field(default_factory=list)  # "table.column pk=…: why" (never a value)
    rekeyed: list = field(default_factory=list)  # "table.column pk=…" found under another person's key
    lost: list = field(default_factory=list)  # "table.column pk=…" under another person's destroyed key
    interrupted: bool = False

    def total(self, name):
        return sum(getattr(t, name) for t in self.tables.values()) + getattr(self.files, name)

    def as_details(self):
        return {
            "current_key": self.current_key,
            "values": self.total("values"), "already_current": self.total("current"),
            "resealed": self.total("resealed"), "plaintext_encrypted": self.total("plaintext"),
            "changed_meanwhile": self.total("changed_meanwhile"), "failed": self.total("failed"),
            "moved_to_person_keys": self.total("moved"),
            "under_another_persons_key": sum(t.rekeyed for t in self.tables.values()),
            "lost_under_another_persons_key": self.total("lost"),
            "files": {"seen": self.files.rows, "resealed": self.files.resealed, "failed": self.files.failed,
                      "moved_to_person_keys": self.files.moved, "under_another_persons_key": self.files.rekeyed},
            "tables": {name: {"resealed": t.resealed, "plaintext_encrypted": t.plaintext, "failed": t.failed}
                       for name, t in self.tables.items()},
            "interrupted": self.interrupted,
        }


def _reseal(ring, value, context):
    """(new value or None, outcome) for one stored value."""
    if personkeys.is_person_sealed(value):
        return None, "current"  # under a person's data key: the field keys do not seal it
    kid = Keyring.key_id_of(value)
    if kid == ring.current_id:
        return None, "current"
    if kid is None:
        if value.startswith(PREFIX + ":"):
            return None, "failed"  # looks encrypted but is malformed: never "encrypt" ciphertext again
        return ring.encrypt(value, context), "plaintext"
    if kid not in ring.by_id:
        return None, "failed"
    try:
        plain = ring.decrypt(value, context)
    except DecryptionError:
        return None, "failed"
    return ring.encrypt(plain, context), "resealed"


def _batches(table, pk, columns, *, batch_size, where=""):
    """Rows `(pk, *columns)` of `table` by primary key, a batch at a time, each batch yielded inside its
    own transaction with the cursor to write with: an interrupted walk has kept every batch it finished,
    and a re-run continues (what it already did is skipped by the caller's own test)."""
    qn = connection.ops.quote_name
    cols = ", ".join([qn(pk), *(qn(c) for c in columns)])
    last = None
    while True:
        with transaction.atomic():
            with connection.cursor() as cursor:
                conditions = [where] if where else []
                if last is not None:
                    conditions.append(f"{qn(pk)} > %s")
                clause = f" WHERE {' AND '.join(conditions)}" if conditions else ""
                cursor.execute(f"SELECT {cols} FROM {qn(table)}{clause} ORDER BY {qn(pk)} LIMIT %s",
                               ([] if last is None else [last]) + [batch_size])
                rows = cursor.fetchall()
                if rows:
                    yield cursor, rows
        if len(rows) < batch_size:
            return
        last = rows[-1][0]


def _replace(cursor, table, pk, column, row_pk, old, new):
    """One value replaced only if it is still the one read; False when it changed meanwhile."""
    qn = connection.ops.quote_name
    cursor.execute(f"UPDATE {qn(table)} SET {qn(column)} = %s WHERE {qn(pk)} = %s AND {qn(column)} = %s",
                   [new, row_pk, old])
    return cursor.rowcount == 1


def rotate_table(model, fields, *, batch_size=500, dry_run=False, progress=None, report=None):
    ring = keyring()
    meta = model._meta
    table, pk = meta.db_table, meta.pk.column
    count = report.tables.setdefault(table, TableCount()) if report is not None else TableCount()
    for cursor, rows in _batches(table, pk, [f.column for f in fields], batch_size=batch_size):
        for row in rows:
            count.rows += 1
            for f, value in zip(fields, row[1:]):
                if value in (None, ""):
                    continue
                count.values += 1
                new, outcome = _reseal(ring, value, f._context())
                if outcome == "current":
                    count.current += 1
                    continue
                if outcome == "failed":
                    _failed(count, report, f"{table}.{f.column} {pk}={row[0]}: sealed with a key that is "
                                           f"not in NICAT_FIELD_KEYS, or altered")
                    continue
                if dry_run:
                    setattr(count, outcome, getattr(count, outcome) + 1)
                    continue
                if _replace(cursor, table, pk, f.column, row[0], value, new):
                    setattr(count, outcome, getattr(count, outcome) + 1)
                else:
                    count.changed_meanwhile += 1
        if progress:
            progress(table, count)
    return count


def _file_keys(path):
    """(field key id, person key id) a file of the encrypted storage is sealed under, from its first bytes;
    (None, None) for any other file."""
    with open(path, "rb") as fh:
        head = fh.read(max(len(Keyring.FILE_MAGIC) + 8, len(personkeys.FILE_MAGIC) + 16))
    return Keyring.file_key_id_of(head), personkeys.file_kid_of(head)


def _failed(count, report, why):
    """One value or file left as it is: counted, and said (`why` names the place, never a value)."""
    count.failed += 1
    if report is not None:
        report.failures.append(why)


def rotate_files(*, dry_run=False, progress=None, report=None):
    """Re-seal the encrypted files under MEDIA_ROOT written by EncryptedFileSystemStorage."""
    from nicat.privacy.storage import encrypted_storage

    storage = encrypted_storage()
    ring = keyring()
    count = report.files if report is not None else TableCount()
    root = str(settings.MEDIA_ROOT)
    if not os.path.isdir(root):
        return count
    for dirpath, _dirs, files in os.walk(root):
        for filename in sorted(files):
            if filename.endswith(".tmp"):
                continue
            path = os.path.join(dirpath, filename)
            kid, person_kid = _file_keys(path)
            if kid is None and person_kid is None:
                continue  # not a file of the encrypted storage
            count.rows += 1
            count.values += 1
            if kid is None or kid == ring.current_id:  # a person key is not a field key: nothing to re-seal
                count.current += 1
                continue
            name = os.path.relpath(path, root)
            if kid not in ring.by_id:
                _failed(count, report, f"media {name}: sealed with a key that is not in NICAT_FIELD_KEYS")
                continue
            if dry_run:
                count.resealed += 1
                continue
            _reseal_file(storage, name, count, report, "resealed")
    if progress:
        progress("media", count)
    return count


def _reseal_file(storage, name, count, report, outcome, person_kid=None):
    """Re-seal one file (under the newest field key, or the person key `person_kid`), counted as `outcome`."""
    try:
        storage.reseal(name, person_kid=person_kid)
    except (DecryptionError, OSError):
        _failed(count, report, f"media {name}: altered, unreadable or missing")
    else:
        setattr(count, outcome, getattr(count, outcome) + 1)


def move_to_person_keys(*, batch_size=500, dry_run=False, progress=None, report=None):
    """Seal every value of a person still under a field key under the person's own data key (erased persons
    are left alone: their values are blank), those of a hotline contact under its own key, then every text of
    a case record (a case's summary, its notes, the texts of every record hanging off it: `sealing_key_id` on
    the model) and every uploaded file of one under the key of the case's person. Resumable like
    `rotate_table`; a value changed meanwhile is left for the next run."""
    try:
        person_model = apps.get_model("persons", "Person")
    except LookupError:
        return None
    models = encrypted_models()
    for model, fields in models:  # persons first: a person without a key gets one here
        if model is person_model:
            _move_own_keyed(model, fields, batch_size, dry_run, progress, report,
                            where=f"{connection.ops.quote_name('erased_at')} IS NULL")
    for model, fields in models:
        if model is person_model:
            continue
        if any(f.attname == "data_key_id" for f in model._meta.concrete_fields):  # a key of its own (a hotline contact)
            _move_own_keyed(model, fields, batch_size, dry_run, progress, report)
        elif case_lookup(model) and hasattr(model, "sealing_key_id"):
            _move_case_records(model, fields, batch_size, dry_run, progress, report)
    _move_case_files(dry_run, progress, report)
    return report


def _move_case_files(dry_run, progress, report):
    """Seal the uploaded files of case records under the key of the case's person (their record's
    `sealing_key_id()`), as their texts (nicat.privacy.storage): those still under a field key (written before
    files followed the person's key), and those under another person's key (a case given to another record by a
    merge or an undone merge whose re-sealing did not happen: named in the report)."""
    count = report.files if report is not None else TableCount()
    for model, files in _file_models():
        for f in files:
            rows = list(model._base_manager.exclude(**{f.attname: ""}).values_list("pk", f.attname))
            for start in range(0, len(rows), 500):
                chunk = rows[start:start + 500]
                keys = sealing_keys(model, [row_pk for row_pk, _name in chunk])
                for row_pk, name in chunk:
                    kid = keys.get(row_pk)
                    if not name or not kid:
                        continue  # an erased person's, or a person without a key yet (the next run)
                    try:
                        field_kid, person_kid = _file_keys(f.storage.path(name))
                    except OSError:
                        _failed(count, report, f"media {name}: missing or unreadable")
                        continue
                    if person_kid == kid or (person_kid is None and field_kid is None):
                        continue  # already under its person's key (or not a file of the encrypted storage)
                    outcome = "moved" if person_kid is None else "rekeyed"
                    if outcome == "rekeyed" and report is not None:
                        report.rekeyed.append(f"media {name} ({model._meta.db_table} {model._meta.pk.column}={row_pk})")
                    if dry_run:
                        setattr(count, outcome, getattr(count, outcome) + 1)
                        continue
                    _reseal_file(f.storage, name, count, report, outcome, person_kid=kid)
    if progress:
        progress("media (to person keys)", count)


def _file_models():
    """[(model, [encrypted file fields])] of every model of case records with uploaded files."""
    from django.db.models import FileField

    from nicat.privacy.storage import EncryptedFileSystemStorage

    found = []
    for model in apps.get_models():
        files = [f for f in model._meta.concrete_fields
                 if isinstance(f, FileField) and isinstance(f.storage, EncryptedFileSystemStorage)]
        if files and case_lookup(model) and hasattr(model, "sealing_key_id"):
            found.append((model, files))
    return found


def case_lookup(model):
    """How a row of `model` names its case, to select the rows of some cases: "pk" for the case itself, the
    model's `case_path` (a record hanging off a case), "case" for another record with a case (a request to erase
    or correct data); None for a model that is not about a case."""
    meta = model._meta
    if meta.label_lower == "cases.case":
        return "pk"
    if getattr(model, "case_path", None):
        return model.case_path
    if any(f.name == "case" and f.many_to_one and f.related_model._meta.label_lower == "cases.case"
           for f in meta.concrete_fields):
        return "case"
    return None


def sealing_keys(model, pks):
    """{pk: the data key the row's encrypted values and files belong under now, or None (an erased person, a
    person without a key)} for the rows `pks` of `model`: its record's own rule, `sealing_key_id()` — read for
    a case and every record that follows its case's person (`CaseScopedModel`) in one query per 500 rows, for
    any other model (a request, which follows the person it names) row by row. {} for a model whose values are
    sealed under the field keys only."""
    rule = getattr(model, "sealing_key_id", None)
    if rule is None:
        return {}
    person_model = apps.get_model("persons", "Person")
    if model._meta.label_lower == "cases.case":
        path = "person"
    elif rule is CaseScopedModel.sealing_key_id:
        path = f"{model.case_path}__person"
    else:
        path = None
    deferred = [f.attname for f in model._meta.concrete_fields
                if isinstance(f, EncryptedMixin) or f.get_internal_type() == "FileField"]
    keys = {}
    pks = list(pks)
    for start in range(0, len(pks), 500):
        rows = model._base_manager.filter(pk__in=pks[start:start + 500])
        if path:
            keys.update((row_pk, person_model.sealing_key_from(kid, erased)) for row_pk, kid, erased in
                        rows.values_list("pk", f"{path}__data_key_id", f"{path}__erased_at"))
        else:
            keys.update((row.pk, row.sealing_key_id()) for row in rows.defer(*deferred))
    return keys


def _rekey(ring, value, kid, context):
    """(the stored `value` sealed under the person key `kid`, outcome): "current" when it already is, "moved"
    from a field key, "rekeyed" from another person's key; "lost" when that other key was destroyed (nothing
    opens it), "failed" when it is altered or under a field key not in the keyring, "plain" when not encrypted
    (`rotate_table` encrypts it)."""
    if personkeys.is_person_sealed(value):
        if personkeys.kid_of(value) == kid:
            return None, "current"
        try:
            plain = personkeys.decrypt(value, context)
        except personkeys.KeyErased:
            return None, "lost"
        except DecryptionError:
            return None, "failed"
        return personkeys.encrypt(kid, plain, context), "rekeyed"
    field_kid = Keyring.key_id_of(value)
    if field_kid is None:
        return None, "failed" if value.startswith(PREFIX + ":") else "plain"
    if field_kid not in ring.by_id:
        return None, "failed"
    try:
        plain = ring.decrypt(value, context)
    except DecryptionError:
        return None, "failed"
    return personkeys.encrypt(kid, plain, context), "moved"


@dataclass
class Resealed:
    values: int = 0  # values re-sealed under the key of their record's person
    files: int = 0  # files likewise (now, or once the transaction commits)
    left: list = field(default_factory=list)  # "table.column pk=…" that nothing opens (never a value)


def reseal_cases(case_ids, *, files_after_commit=False):
    """Seal every encrypted value and uploaded file about the cases `case_ids` — the case's own, and those of
    every record that names one of them (each model with encrypted fields, `encrypted_models()`, that has a case:
    `case_lookup`) — under the data key its record names now (`sealing_key_id()`: the key of the case's person).
    For the transaction that gives cases to another record (a merge, an undone merge), after it changed the
    persons: everything written on a case while it belonged to another record goes under the key of the record
    it belongs to now, so that erasing that other record destroys nothing of hers and erasing her leaves nothing
    of hers readable under the other's key. Values are replaced in the caller's transaction (each only if it is
    still the one read); files by an atomic replace on the disk — at once, or with `files_after_commit` once the
    transaction commits (a merge: until then the case is still the other record's alone). A value or file that
    cannot be opened is left as it is and named in `left`."""
    case_ids = sorted(set(case_ids))
    done = Resealed()
    if not case_ids:
        return done
    ring = keyring()
    file_fields = dict(_file_models())
    qn = connection.ops.quote_name
    for model, fields in encrypted_models():
        lookup = case_lookup(model)
        if lookup is None or not hasattr(model, "sealing_key_id"):
            continue
        meta = model._meta
        table, pk = meta.db_table, meta.pk.column
        rows = model._base_manager.filter(**{f"{lookup}__in": case_ids})
        pks = sorted(rows.values_list("pk", flat=True))
        if not pks:
            continue
        keys = sealing_keys(model, pks)
        columns = ", ".join(qn(f.column) for f in fields)
        with connection.cursor() as cursor:
            for start in range(0, len(pks), 500):
                chunk = pks[start:start + 500]
                cursor.execute(f"SELECT {qn(pk)}, {columns} FROM {qn(table)} WHERE {qn(pk)} IN "
                               f"({', '.join(['%s'] * len(chunk))})", chunk)
                for row in cursor.fetchall():
                    kid = keys.get(row[0])
                    if not kid:
                        continue
                    for f, value in zip(fields, row[1:]):
                        if not value:
                            continue
                        new, outcome = _rekey(ring, value, kid, f._context())
                        if outcome in ("lost", "failed"):
                            done.left.append(f"{table}.{f.column} {pk}={row[0]}")
                        elif new is not None and _replace(cursor, table, pk, f.column, row[0], value, new):
                            done.values += 1
        files = [(f, row_pk, name) for f in file_fields.get(model, []) for row_pk, name in
                 model._base_manager.filter(pk__in=pks).exclude(**{f.attname: ""}).values_list("pk", f.attname)]
        if files and files_after_commit:
            # the key is read again then: an undo committed in between has the last word
            transaction.on_commit(lambda model=model, files=files: _reseal_files(model, files, Resealed()))
        elif files:
            _reseal_files(model, files, done, keys)
    return done


def _reseal_files(model, files, done, keys=None):
    """Re-seal the files `[(field, row pk, name)]` of rows of `model` under the key each row names (`keys`, or
    read now); counted in `done`, a file nothing opens named in `done.left`."""
    if keys is None:
        keys = sealing_keys(model, sorted({row_pk for _f, row_pk, _name in files}))
    for f, row_pk, name in files:
        kid = keys.get(row_pk)
        if not name or not kid:
            continue
        try:
            if f.storage.sealed_person_key(name) == kid:
                continue
        except OSError:
            done.left.append(f"media {name}")
            continue
        if _reseal_quietly(f.storage, name, kid):
            done.files += 1
        else:
            done.left.append(f"media {name}")


def _reseal_quietly(storage, name, kid):
    """Re-seal one file under the person key `kid`; False when it cannot be opened (`nicat keys rotate` names it)."""
    try:
        storage.reseal(name, person_kid=kid)
    except (DecryptionError, OSError):
        return False
    return True


def _move_values(cursor, ring, table, pk, row_pk, kid, pending, count):
    for f, value in pending:
        try:
            plain = ring.decrypt(value, f._context())
        except DecryptionError:
            count.failed += 1
            continue
        if _replace(cursor, table, pk, f.column, row_pk, value, personkeys.encrypt(kid, plain, f._context())):
            count.moved += 1
        else:
            count.changed_meanwhile += 1


def _under_field_keys(ring, fields, values):
    return [(f, v) for f, v in zip(fields, values) if v and Keyring.key_id_of(v) in ring.by_id]


def _move_own_keyed(model, fields, batch_size, dry_run, progress, report, where=""):
    """The values of a record with a data key of its own (a person, a hotline contact) under that key; a
    record holding a value under a field key and no key yet is given one."""
    ring = keyring()
    table, pk = model._meta.db_table, model._meta.pk.column
    count = report.tables.setdefault(table, TableCount()) if report is not None else TableCount()
    for cursor, rows in _batches(table, pk, ["data_key_id", *(f.column for f in fields)], batch_size=batch_size,
                                 where=where):
        for row in rows:
            pending = _under_field_keys(ring, fields, row[2:])
            if not pending:
                continue
            if dry_run:
                count.moved += len(pending)
                continue
            kid = row[1]
            if not kid:
                kid = personkeys.create_key()
                if not _replace(cursor, table, pk, "data_key_id", row[0], "", kid):
                    count.changed_meanwhile += 1
                    continue
            _move_values(cursor, ring, table, pk, row[0], kid, pending, count)
        if progress:
            progress(table, count)
    return count


def _move_case_records(model, fields, batch_size, dry_run, progress, report):
    """The texts of a record about a case under the data key its record names (`sealing_keys`: the key of the
    case's person): those still under a field key, and those under another person's key (named in the report).
    A person without a key yet is given one on the next run, after `_move_own_keyed`; an erased person's records
    stay as they are."""
    ring = keyring()
    meta = model._meta
    table, pk = meta.db_table, meta.pk.column
    count = report.tables.setdefault(table, TableCount()) if report is not None else TableCount()
    for cursor, rows in _batches(table, pk, [f.column for f in fields], batch_size=batch_size):
        filled = {row[0]: [(f, v) for f, v in zip(fields, row[1:]) if v] for row in rows}
        filled = {row_pk: values for row_pk, values in filled.items() if values}
        if not filled:
            continue
        keys = sealing_keys(model, list(filled))
        for row_pk, values in filled.items():
            kid = keys.get(row_pk)
            if not kid:
                continue
            for f, value in values:
                new, outcome = _rekey(ring, value, kid, f._context())
                if outcome in ("current", "plain"):
                    continue  # a plain value: `rotate_table` encrypted it (under the field key: the next run)
                where = f"{table}.{f.column} {pk}={row_pk}"
                if outcome == "failed":
                    if personkeys.is_person_sealed(value):
                        _failed(count, report, f"{where}: altered (under a person's data key)")
                    else:
                        count.failed += 1  # `rotate_table` named it
                    continue
                if outcome == "lost":
                    count.lost += 1
                    if report is not None:
                        report.lost.append(where)
                    continue
                if outcome == "rekeyed" and report is not None:
                    report.rekeyed.append(where)
                if dry_run:
                    setattr(count, outcome, getattr(count, outcome) + 1)
                elif _replace(cursor, table, pk, f.column, row_pk, value, new):
                    setattr(count, outcome, getattr(count, outcome) + 1)
                else:
                    count.changed_meanwhile += 1
        if progress:
            progress(table, count)
    return count


def rotate(*, batch_size=500, dry_run=False, progress=None, include_files=True):
    report = RotationReport(current_key=keyring().current_id)
    try:
        for model, fields in encrypted_models():
            rotate_table(model, fields, batch_size=batch_size, dry_run=dry_run, progress=progress, report=report)
        move_to_person_keys(batch_size=batch_size, dry_run=dry_run, progress=progress, report=report)
        if include_files:
            rotate_files(dry_run=dry_run, progress=progress, report=report)
    except KeyboardInterrupt:
        report.interrupted = True
    return report


_SEALED = re.compile(PREFIX + r":([0-9a-f]{8}):")


def key_usage(*, batch_size=2000):
    """{"case_data": {key id: n}, "audit": {key id: n}, "files": {key id: n}, "plaintext": n}."""
    qn = connection.ops.quote_name
    usage = {"case_data": {}, "audit": {}, "files": {}, "plaintext": 0, "person_keys": 0}
    for model, fields in encrypted_models():
        table = model._meta.db_table
        for f in fields:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT {qn(f.column)} FROM {qn(table)}")
                for (value,) in cursor.fetchall():
                    if not value:
                        continue
                    if personkeys.is_person_sealed(value):
                        usage["person_keys"] += 1
                        continue
                    kid = Keyring.key_id_of(value)
                    if kid is None:
                        usage["plaintext"] += 1
                    else:
                        usage["case_data"][kid] = usage["case_data"].get(kid, 0) + 1
    try:
        audit_model = apps.get_model("audit", "AuditEvent")
    except LookupError:
        audit_model = None
    if audit_model is not None:
        table = audit_model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {qn('changes')} FROM {qn(table)}")
            while True:
                rows = cursor.fetchmany(batch_size)
                if not rows:
                    break
                for (text,) in rows:
                    for kid in _SEALED.findall(text or ""):
                        usage["audit"][kid] = usage["audit"].get(kid, 0) + 1
    root = str(settings.MEDIA_ROOT)
    if os.path.isdir(root):
        for dirpath, _dirs, files in os.walk(root):
            for filename in files:
                kid, person_kid = _file_keys(os.path.join(dirpath, filename))
                if kid:
                    usage["files"][kid] = usage["files"].get(kid, 0) + 1
                elif person_kid:
                    usage["person_keys"] += 1
    return usage
