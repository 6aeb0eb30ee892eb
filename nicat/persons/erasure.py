"""Erasing a person's identity by crypto-shredding (issue 18; docs/operations.md §8, docs/security.md).

`erase_person` destroys the person's data key (nicat.privacy.personkeys) and the trail keys of her cases
(nicat.cases.models.CaseTrailKey), so every value sealed under them — the person row, the sealed old/new
values of her audit events and of her cases', the texts of her requests, and the same in every backup — can
no longer be opened by anyone. In the live database it also blanks the identifying
columns, deletes the person's blind indexes and fuzzy tokens (the person can no longer be found) and marks
the person erased. What statistics count stays: gender, citizenships, languages, the cases and their
forms of exploitation, and the age — the birth date is replaced by the age in whole years on the day of
first contact of the person's first case (an estimate recorded on that day), so age groups stay the same.
The free texts of the person's case records (summaries, notes, places, relatives …) are blanked and their
uploaded files (signed consent forms, orders) deleted too.

The audit chain is never rewritten: one `person.erase` event is appended with no identifying value, and
one `case.erase_texts` event for every case whose texts it blanks (so each case's own trail says so).
Callers check who may erase (nicat.retention, which also refuses while another institution has an open
case of the person: `open_cases_elsewhere`); this module only does it.
"""
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from nicat.access import policy, predicates
from nicat.audit import services as audit
from nicat.core.calendar import baku_date
from nicat.persons.age import years_on
from nicat.persons.models import DuplicateSignal, Person, PersonToken, SignalStatus
from nicat.persons.services import lock_cases_of
from nicat.privacy import personkeys

BLANK = {"given_name": "", "family_name": "", "patronymic": "", "aliases": [], "birth_date": None,
         "documents": [], "phone": "", "email": "", "address": "",
         "name_index": "", "document_index": "", "birth_date_index": "", "birth_year_index": ""}


def _blank_case_texts(person_ids):
    """Blank the free texts (summaries, notes, places, messages, relatives' names …: every encrypted text
    or character column) of every record that belongs to the erased persons' cases — found through the
    access policy's path from a model to its case, so a new app's records are covered without a change
    here. They are sealed under the person's data key (texts: nicat.privacy.fields; files:
    nicat.privacy.storage), so destroying it leaves them unreadable in backups too; here they are also
    gone from the live database at once (and texts written under a field key before `nicat keys rotate`
    moved them). Dates, codes and indicator answers stay: statistics count them and they name nobody."""
    from django.apps import apps
    from django.core.exceptions import FieldError
    from django.db.models import FileField

    from nicat.privacy.fields import EncryptedCharField, EncryptedTextField

    blanked = 0
    for model in apps.get_models():
        path = policy.case_path(model)
        if path is None:
            continue
        texts = [f for f in model._meta.concrete_fields if isinstance(f, (EncryptedCharField, EncryptedTextField))]
        files = [f for f in model._meta.concrete_fields if isinstance(f, FileField)]
        if not texts and not files:
            continue
        values = {f.attname: None if f.null else "" for f in texts + files}
        attnames = {f.attname for f in model._meta.concrete_fields}
        if "version" in attnames:
            values["version"] = F("version") + 1
        lookup = "person_id__in" if path == "pk" else f"{path}__person_id__in"
        try:
            rows = model._base_manager.filter(**{lookup: person_ids})
            if "data_key_id" in attnames:  # a record with a key of its own (a hotline contact): destroyed too
                personkeys.destroy_all(rows.exclude(data_key_id="").values_list("data_key_id", flat=True))
                values["data_key_id"] = ""
            for f in files:  # uploaded files (signed consent forms, orders): removed once the erasure commits
                for name in rows.exclude(**{f.attname: ""}).values_list(f.attname, flat=True):
                    if name:
                        transaction.on_commit(lambda f=f, name=name: f.storage.delete(name))
            blanked += rows.update(**values)
        except FieldError:  # a `case` attribute that is not a relation: not a case record
            continue
    return blanked


def open_cases_elsewhere(person, institution):
    """The cases of `person` — of every record of the same person by the coordinator's merges (the record it was
    merged into, and every record merged into that, a merge of a merge too: what `erase_person` erases) — that
    are not closed and are owned by an institution other than `institution`: erasing the person would blank
    them, so an erasure that `institution` decides waits until their owners have closed them (nicat.retention)."""
    Case = policy.case_model()
    kept, *merged_in = person.same_person_records()
    persons = [kept, *(p for p in merged_in if not p.erased_at)]
    found = []
    for p in persons:
        found += (Case.objects.of(p).exclude(status__in=sorted(predicates.CLOSED_CASE_STATUSES))
                  .exclude(owner_institution_id=getattr(institution, "pk", institution)).order_by("pk"))
    return found


def _kept_age(person):
    """(estimated_age, age_recorded_on) that keep the person's age groups once the birth date is gone."""
    if not person.birth_date:
        return person.estimated_age, person.age_recorded_on
    first = (policy.case_model().objects.of(person).order_by("first_contact_at")
             .values_list("first_contact_at", flat=True).first())
    day = baku_date(first) if first else baku_date(person.created_at)
    years, _estimate = years_on(person, day)
    return years, day


def erase_person(*, actor, person, basis, request_uuid=None, institution=None):
    """Erase `person` with every record of the same person by the coordinator's merges: the record it was merged
    into and every record merged into that, a merge of a merge too (A into B, then B into C: erasing any of them
    erases all three). Returns the number of person records erased (0 when already erased). `basis`:
    "retention", "request" or "reapplied" — erasing again after a restore what the ledger names reaches no further
    than the record named and the records merged into it (a record merged into another may have been erased
    alone before erasures followed the merges: the record it was merged into is not in the ledger)."""
    with transaction.atomic():
        rows = None
        records = [person, *person.records_merged_in()] if basis == "reapplied" else person.same_person_records()
        for record in records:
            rows = Person.objects.row(record) if rows is None else rows | Person.objects.row(record)
        locked = list(rows.select_for_update().filter(erased_at__isnull=True).order_by("pk"))
        # Her cases locked (on PostgreSQL) before the trail's keys are destroyed — a write open on one of them may
        # have just made its trail key — and before the first append: such a write may be waiting for the chain's
        # lock, which the append would hold while waiting for the case.
        for p in locked:
            lock_cases_of(p.pk)
        erased, ids, cases = 0, [], []
        now = timezone.now()
        for p in locked:
            cases += policy.case_model().objects.of(p).only("pk", "uuid", "reference").order_by("pk")
            estimated_age, recorded_on = _kept_age(p)
            Person.objects.row(p).update(
                **BLANK, estimated_age=estimated_age, age_recorded_on=recorded_on, erased_at=now,
                erasure_basis=basis, version=F("version") + 1)
            PersonToken.objects.of(p).delete()
            signals = DuplicateSignal.objects.of(p, via="person_a") | DuplicateSignal.objects.of(p, via="person_b")
            signals.filter(status=SignalStatus.OPEN).update(
                status=SignalStatus.DISMISSED, resolved_at=now, version=F("version") + 1)
            destroyed = personkeys.destroy(p.data_key_id)
            details = {"basis": basis, "key_destroyed": destroyed}
            if request_uuid:
                details["request"] = str(request_uuid)
            audit.record(actor=actor, action="person.erase", obj=p, institution=institution, details=details)
            erased += 1
            ids.append(p.pk)
        if ids:
            _blank_case_texts(ids)
            # What the trail keeps of her cases is sealed under keys of the cases' own (they move with a case when
            # a merge or its undo moves it): destroyed with hers, so the trail's copy is lost in every copy too.
            policy.case_model().destroy_trail_keys(ids)
        for case in cases:  # each case's own trail names the blanking (its owner reads it there)
            audit.record(actor=actor, action="case.erase_texts", obj=case, case=case, institution=institution,
                         details={"basis": basis, **({"request": str(request_uuid)} if request_uuid else {})})
    person.refresh_from_db()
    return erased
