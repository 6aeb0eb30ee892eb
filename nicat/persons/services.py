"""Changes to persons. Every change checks access, validates, writes atomically and is audited."""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from nicat.access import predicates
from nicat.audit import services as audit
from nicat.core.errors import ConcurrentEdit, NotAllowed
from nicat.core.services import bump_version, snapshot
from nicat.core.services import expected_version as core_expected_version
from nicat.persons import indexing
from nicat.persons.models import DuplicateSignal, MergeRecord, Person, SignalSource, SignalStatus
from nicat.privacy import rotation

PERSON_FIELDS = ("given_name", "family_name", "patronymic", "aliases", "birth_date", "birth_date_is_estimate",
                 "estimated_age", "age_recorded_on", "gender", "documents", "phone", "email", "address")
PERSON_M2M = ("citizenships", "languages")


def validate_person_data(data):
    errors = {}
    names = [data.get("given_name"), data.get("family_name"), *(data.get("aliases") or [])]
    if not any((n or "").strip() for n in names):
        errors["given_name"] = _("Enter at least a given name, a family name or another name the person uses "
                                 "(a pseudonym is enough if the person does not want to give a name).")
    birth = data.get("birth_date")
    if birth and birth > timezone.localdate():
        errors["birth_date"] = _("The date of birth is in the future. Enter the real or an estimated date.")
    age = data.get("estimated_age")
    if age is not None and not 0 <= age <= 120:
        errors["estimated_age"] = _("Enter an estimated age between 0 and 120 years.")
    for i, doc in enumerate(data.get("documents") or []):
        if doc.get("number") and not doc.get("type"):
            errors["documents"] = _("Choose the type of identity document number %(n)s.") % {"n": i + 1}
    if errors:
        raise ValidationError(errors)


def create_person(*, actor, institution, data):
    """Create a person record (inside the caller's transaction when there is one)."""
    validate_person_data(data)
    with transaction.atomic():
        person = Person(registered_by_institution=institution, created_by=actor,
                        **{f: data[f] for f in PERSON_FIELDS if f in data})
        if person.estimated_age is not None and not person.age_recorded_on:
            person.age_recorded_on = timezone.localdate()
        person.save()
        for m2m in PERSON_M2M:
            if m2m in data:
                getattr(person, m2m).set(data[m2m])
        indexing.reindex(person)
        audit.record(actor=actor, action="person.create", obj=person, institution=institution,
                     changes=audit.diff(person, {}, snapshot(person, PERSON_FIELDS)))
        raise_intake_signals(actor=actor, person=person, institution=institution)
    return person


def update_person(*, actor, person, data, expected_version):
    from nicat.access import policy

    # Visible (else 404), and every field touched in a section the actor may see (else 403 naming it).
    policy.require_person_fields(actor, person, [f for f in data if f in PERSON_FIELDS or f in PERSON_M2M])
    if person.erased_at:
        raise ValidationError(_("This person's identifying data has been erased; it cannot be edited."))
    merged = {**snapshot(person, PERSON_FIELDS), **{k: v for k, v in data.items() if k in PERSON_FIELDS}}
    merged["gender"] = data.get("gender", person.gender)
    validate_person_data(merged)
    with transaction.atomic():
        before = snapshot(person, PERSON_FIELDS)
        new_version = bump_version(Person, person, expected_version)
        for f in PERSON_FIELDS:
            if f in data:
                setattr(person, f, data[f])
        person.version = new_version
        person.save()
        indexing.reindex(person)
        m2m_changes = {}
        for m2m in PERSON_M2M:
            if m2m in data:
                old = sorted(t.code for t in getattr(person, m2m).all())
                getattr(person, m2m).set(data[m2m])
                new = sorted(t.code for t in data[m2m])
                if old != new:
                    m2m_changes[m2m] = [old, new]
        changes = {**audit.diff(person, before, snapshot(person, PERSON_FIELDS)), **m2m_changes}
        audit.record(actor=actor, action="person.update", obj=person, changes=changes,
                     institution=policy.acting_institution(actor))
    return person


# --- Duplicates: signals, merge, undo -------------------------------------------------------------

def _ordered(a, b):
    return (a, b) if a.pk < b.pk else (b, a)


def _raise_signal(*, actor, person, other, probability, source, institution=None):
    a, b = _ordered(person, other)
    signal, created = DuplicateSignal.objects.of(a, via="person_a").get_or_create(
        person_a=a, person_b=b, defaults={"probability": probability, "source": source,
                                          "raised_by_institution": institution})
    if created:
        audit.record(actor=actor, action="duplicate.raise", obj=signal, institution=institution,
                     details={"source": source, "probability": round(probability, 3)})
    return signal


def raise_intake_signals(*, actor, person, institution):
    """After a new person is saved: a signal for the coordinator for every likely match that the
    registering user may not see (they were only told to contact the coordinator)."""
    from nicat.persons import matching, selectors

    matches = selectors.match_candidates(indexing.person_data(person), exclude={person.pk},
                                         threshold=matching.LIKELY)
    if not matches:
        return []
    visible = set(Person.objects.visible_to(actor).filter(pk__in=[p.pk for p, _ in matches])
                  .values_list("pk", flat=True))
    return [_raise_signal(actor=actor, person=person, other=other, probability=prob, source=SignalSource.INTAKE,
                          institution=institution)
            for other, prob in matches if other.pk not in visible]


def _require_coordinator(actor):
    if not predicates.is_coordinator(actor):
        raise NotAllowed


def _person_relations():
    """(model, field name) of every foreign key to Person outside the persons app: what a merge moves."""
    for rel in Person._meta.related_objects:
        if rel.related_model._meta.app_label == "persons" or not rel.one_to_many:
            continue
        yield rel.related_model, rel.field.name


def merge_persons(*, actor, survivor, merged, reason, signal=None, expected_version=None):
    """Merge `merged` into `survivor`: every record hanging off `merged` (cases and the rest) is moved
    to `survivor`; `merged` stays, marked merged_into, with its own history; a MergeRecord keeps what
    moved so that `undo_merge` can move it back. Coordinator only. A merge that decides a duplicate
    `signal` needs the signal's `expected_version` (the version the coordinator read) and the signal still
    open: another coordinator's decision in the meantime (different people, a merge) is never overridden."""
    _require_coordinator(actor)
    from nicat.access import policy

    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why these two records are the same person.")})
    if survivor.pk == merged.pk:
        raise ValidationError(_("A record cannot be merged into itself."))
    if policy.persons_under_restriction(actor).filter(person_id__in=[survivor.pk, merged.pk]).exists():
        raise NotAllowed  # an access-restriction order hides one of them from the coordinator too
    if signal is not None:
        expected_version = core_expected_version(expected_version)  # missing: a 400, not a lost race
    with transaction.atomic():
        now = timezone.now()
        if signal is not None and not DuplicateSignal.objects.row(signal).filter(
                version=expected_version, status=SignalStatus.OPEN).update(
                status=SignalStatus.MERGED, resolved_at=now, resolved_by=actor, version=F("version") + 1):
            raise ConcurrentEdit()
        # the two rows, locked in the order of their keys (as one query over both would)
        locked = {p.pk: p for p in (Person.objects.row(x).select_for_update().first()
                                    for x in sorted((survivor, merged), key=lambda x: x.pk)) if p is not None}
        if len(locked) != 2:
            raise ValidationError(_("One of the two records no longer exists. Reload the page."))
        if locked[survivor.pk].merged_into_id or locked[merged.pk].merged_into_id:
            raise ValidationError(_("One of the two records has already been merged into another record. "
                                    "Reload the page."))
        lock_cases_of(merged.pk)
        moved = {}
        for model, field in _person_relations():
            pks = list(model._base_manager.filter(**{field: merged}).values_list("pk", flat=True))
            if pks:
                _move(model._base_manager.filter(pk__in=pks), field, survivor)
                moved.setdefault(model._meta.label_lower, {})[field] = pks
        Person.objects.row(merged).update(merged_into=survivor, merged_at=now, version=F("version") + 1)
        merged.merged_into, merged.merged_at = survivor, now
        # every value about a case is sealed under the key of the case's current person: the moved cases' texts
        # and files go under the kept record's key (files once this commits: until then the cases are hers alone)
        resealed = rotation.reseal_cases(moved.get("cases.case", {}).get("person", []), files_after_commit=True)
        record = MergeRecord.objects.create(survivor=survivor, merged=merged, signal=signal, moved=moved,
                                            reason=reason.strip(), merged_by=actor)
        institution = policy.acting_institution(actor)
        counts = {label: sum(len(v) for v in fields.values()) for label, fields in moved.items()}
        # the reason may name the person: it is kept encrypted on the MergeRecord, not in the trail
        details = {"merge": str(record.uuid), "survivor": str(survivor.uuid), "merged": str(merged.uuid),
                   "moved": counts, "resealed": _resealed_details(resealed)}
        audit.record(actor=actor, action="person.merge", obj=survivor, institution=institution,
                     details=details)
        audit.record(actor=actor, action="person.merged_into", obj=merged, institution=institution,
                     details=details)
        _audit_moved_cases(actor, moved, institution, record, "case.person_merged", survivor, merged)
    return record


def hold_person_of(case):
    """The person `case` belongs to now, her row locked for update until the transaction ends (call it inside one).
    What names the person of a case besides the case (an allowance payment, a request to erase or correct) takes
    her from here, not from the case as the request read it: a merge or its undo may have moved the case to another
    record since. Both lock the two records before they move a case, so while this lock is held the case stays
    hers; a move that committed between the two reads is read again."""
    from nicat.access import policy

    cases = policy.case_model()._base_manager
    for _attempt in range(3):
        person_id = cases.filter(pk=case.pk).values_list("person_id", flat=True).get()
        person = Person._base_manager.select_for_update().get(pk=person_id)
        if cases.filter(pk=case.pk, person_id=person_id).exists():
            return person
    raise ConcurrentEdit()


def lock_cases_of(person_id):
    """Lock the person's cases for update (in the order of their keys) before a merge or its undo moves them, or an
    erasure destroys their keys: it waits for the writes still open on them, whose values it re-seals (or whose
    keys it destroys), and a write that begins meanwhile waits for it before it reads under which key to seal
    (nicat.cases.models.Case.sealing_key_id, CaseTrailKey.key_of). Nothing on SQLite, whose writers take turns."""
    from nicat.access import policy

    list(policy.case_model()._base_manager.filter(person_id=person_id).order_by("pk").select_for_update()
         .values_list("pk", flat=True))


def _move(rows, field, person):
    """Point `rows` at `person`; a record with a version moves to its next one, so that a form or a client that
    read it before (its person the other one) gets "changed since" instead of writing the old person back."""
    changes = {field: person}
    if any(f.name == "version" for f in rows.model._meta.concrete_fields):
        changes["version"] = F("version") + 1
    rows.update(**changes)


def _audit_moved_cases(actor, moved, institution, record, action, survivor, merged):
    from nicat.access import policy

    pks = moved.get("cases.case", {}).get("person", [])
    Case = policy.case_model()
    for case in (Case.objects.of(survivor).filter(pk__in=pks) | Case.objects.of(merged).filter(pk__in=pks)):
        audit.record(actor=actor, action=action, obj=case, case=case, institution=institution,
                     details={"merge": str(record.uuid)})


def _records_of_the_case_person():
    """(model, person field) of every record outside the persons app that names, besides its case, the person of
    that case (an allowance payment, a request to erase or correct data): it belongs to the person of the case it
    was recorded on. A merge leaves these where they are (a payment made on the merged record stays its own, and
    counts for the kept one: `Person.records_merged_in`); one recorded while merged names the kept record."""
    from django.apps import apps

    from nicat.access import policy

    Case = policy.case_model()
    for model in apps.get_models():
        if model._meta.app_label == "persons" or model is Case:
            continue
        relations = [f for f in model._meta.concrete_fields if f.many_to_one]
        if not any(f.name == "case" and f.related_model is Case for f in relations):
            continue
        for field in relations:
            if field.related_model is Person:
                yield model, field


def _refuse_a_second_one(model, field, rows, merged):
    """Refuse (ValidationError) the undo when a record going back to `merged` would be there twice by one of its
    model's unique rules (the allowance is paid once: person, kind, month) — the same allowance recorded on a case
    the merge moved after the merge and on the separated record: nothing is moved, the double record is named.
    A rule with a condition (a payment counts once unless it was reversed) holds among the rows that meet it: a
    reversed payment is no second one, and reversing one of the two is how the double record is resolved."""
    from django.db.models import UniqueConstraint

    for constraint in model._meta.constraints:
        if not isinstance(constraint, UniqueConstraint) or field.name not in constraint.fields:
            continue
        counted = model._base_manager.all()
        if constraint.condition is not None:
            counted = counted.filter(constraint.condition)
        others = [model._meta.get_field(name) for name in constraint.fields if name != field.name]
        held = set(counted.filter(pk__in=[row.pk for row in rows]).values_list("pk", flat=True))
        for row in rows:
            if row.pk not in held:
                continue
            twin = (counted.filter(**{field.attname: merged.pk},
                                   **{f.attname: getattr(row, f.attname) for f in others})
                    .exclude(pk=row.pk).select_related("case").first())
            if twin is None:
                continue
            what = ", ".join(str(getattr(row, f"get_{f.name}_display")() if f.choices else getattr(row, f.attname))
                             for f in others if getattr(row, f.attname) not in ("", None))
            facts = {"record": model._meta.verbose_name, "what": what, "case": row.case.reference,
                     "other": twin.case.reference}
            if getattr(model, "reversible", False):
                # a record its institution can take out of the rule in Nicat (an allowance payment is reversed)
                raise ValidationError(_(
                    "This merge cannot be undone yet: the record being separated would hold the same %(record)s "
                    "twice (%(what)s): one recorded on case %(case)s while the records were merged, one on case "
                    "%(other)s. It is recorded only once for a person. The institution that recorded the wrong one "
                    "reverses it in Nicat first (a supervisor's “Reverse” on the case's assistance page, with the "
                    "reason; the record stays, marked reversed), then undo the merge; nothing was changed.") % facts)
            raise ValidationError(_(
                "This merge cannot be undone yet: the record being separated would hold the same %(record)s twice "
                "(%(what)s): one recorded on case %(case)s while the records were merged, one on case %(other)s. "
                "It is recorded only once for a person. Resolve the double record first with the institutions that "
                "recorded them, then undo the merge; nothing was changed.") % facts)


def undo_merge(*, actor, merge, reason):
    """Move back what the merge moved (what still points at the survivor) and unmark the merged record; what was
    recorded since on the cases that go back (an allowance, a request to erase or correct data) goes back with
    them. Refused while the kept record is itself merged into another (undo that later merge first)."""
    _require_coordinator(actor)
    from nicat.access import policy

    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the merge is undone.")})
    if policy.persons_under_restriction(actor).filter(person_id__in=[merge.survivor_id, merge.merged_id]).exists():
        raise NotAllowed  # an access-restriction order hides the person from the coordinator too
    with transaction.atomic():
        record = MergeRecord.objects.row(merge).select_for_update().get()
        if record.undone_at:
            raise ValidationError(_("This merge has already been undone."))
        merged = Person.objects.row(record.merged).select_for_update().get()
        if merged.merged_into_id != record.survivor_id:
            raise ValidationError(_("The merged record has been changed since; it cannot be moved back."))
        if Person.objects.row(record.survivor).select_for_update().get().merged_into_id:
            # its cases, the merged record's among them, have moved on with the later merge: undoing this one would
            # separate the record and leave her cases on another woman's record
            raise ValidationError(_("The kept record of this merge was itself merged into another record since. "
                                    "Undo that later merge first, then this one; nothing was changed."))
        lock_cases_of(record.survivor_id)
        later = _cases_opened_through_merge(record)  # before the moved cases go back
        labels = {m._meta.label_lower: m for m, _f in _person_relations()}
        for label, fields in record.moved.items():
            model = labels.get(label)
            if model is None:
                continue
            for field, pks in fields.items():
                _move(model._base_manager.filter(pk__in=pks, **{field: record.survivor_id}), field, merged)
        if later:
            # an institution that had the kept person only through the merge gives back the cases it opened on
            # her since (and what hangs off them): else it keeps reading another woman's record after the undo
            for model, field in _person_relations():
                path = {"cases.case": "pk"}.get(model._meta.label_lower, "case_id" if any(
                    f.name == "case" for f in model._meta.get_fields()) else None)
                if path:
                    _move(model._base_manager.filter(**{f"{path}__in": later, field: record.survivor_id}), field,
                          merged)
        # what was recorded on the cases that went back naming the kept record (an allowance paid while merged)
        # belongs to the person of its case again
        back = list(policy.case_model().objects.of(merged).filter(
            pk__in=[*record.moved.get("cases.case", {}).get("person", []), *later]).values_list("pk", flat=True))
        records_back = []
        for model, field in _records_of_the_case_person():
            rows = list(model._base_manager.filter(case_id__in=back, **{field.attname: record.survivor_id})
                        .select_related("case").order_by("pk"))
            if rows:
                _refuse_a_second_one(model, field, rows, merged)
                model._base_manager.filter(pk__in=[r.pk for r in rows]).update(**{field.attname: merged.pk})
                records_back += rows
        Person.objects.row(merged).update(merged_into=None, merged_at=None, version=F("version") + 1)
        # what was written on those cases while merged is sealed under the kept record's key: under hers again,
        # before this commits (erasing the other woman must destroy nothing of hers, erasing her must reach it all)
        resealed = rotation.reseal_cases(back)
        now = timezone.now()
        MergeRecord.objects.row(record).update(undone_at=now, undone_by=actor)
        record.undone_at, record.undone_by = now, actor
        record.undo_reason = reason.strip()
        record.save(update_fields=["undo_reason"])
        if record.signal_id:
            DuplicateSignal.objects.row(record.signal).update(
                status=SignalStatus.OPEN, resolved_at=None, resolved_by=None, version=F("version") + 1)
        institution = policy.acting_institution(actor)
        details = {"merge": str(record.uuid), "survivor": str(record.survivor.uuid), "merged": str(merged.uuid),
                   "later_cases": len(later), "resealed": _resealed_details(resealed)}
        audit.record(actor=actor, action="person.merge_undo", obj=record.survivor, institution=institution,
                     details=details)
        audit.record(actor=actor, action="person.merge_undo", obj=merged, institution=institution,
                     details=details)
        moved_back = {**record.moved, "cases.case": {"person": [
            *record.moved.get("cases.case", {}).get("person", []), *later]}}
        _audit_moved_cases(actor, moved_back, institution, record, "case.person_merge_undone", record.survivor,
                           merged)
        for row in records_back:  # each in its case's trail (and so in the person's)
            audit.record(actor=actor, action="case.record_person_merge_undone", obj=row, case=row.case,
                         institution=institution, details={"merge": str(record.uuid),
                                                           "survivor": str(record.survivor.uuid),
                                                           "merged": str(merged.uuid)})
    return record


def _resealed_details(resealed):
    """What a merge or its undo re-sealed under the key of the cases' new person, for the trail (counts, and the
    places of what nothing opens — `table.column id=…`, never a value)."""
    details = {"values": resealed.values, "files": resealed.files}
    if resealed.left:
        details["left_unreadable"] = resealed.left[:50]
    return details


def _cases_opened_through_merge(record):
    """Primary keys of the cases opened on the kept person since the merge by an institution that had her only
    through it: one that owned a case the merge moved, and neither registered the kept person nor owned one of
    her cases before the merge."""
    from nicat.access import policy

    moved = set(record.moved.get("cases.case", {}).get("person", []))
    survivor = record.survivor
    rows = list(policy.case_model().objects.of(survivor).values_list("pk", "owner_institution_id", "created_at"))
    moved_owners = {owner for pk, owner, _created in rows if pk in moved}
    if not moved_owners:
        return []
    before = {owner for pk, owner, created in rows if pk not in moved and created <= record.merged_at}
    through = moved_owners - before - {survivor.registered_by_institution_id}
    return [pk for pk, owner, created in rows if pk not in moved and created > record.merged_at and owner in through]


def dismiss_signal(*, actor, signal, expected_version):
    """The coordinator decided the two records are different people."""
    _require_coordinator(actor)
    from nicat.access import policy

    expected_version = core_expected_version(expected_version)  # missing: a 400, not a lost race
    with transaction.atomic():
        if not DuplicateSignal.objects.row(signal).filter(version=expected_version, status=SignalStatus.OPEN).update(
                status=SignalStatus.DISMISSED, resolved_at=timezone.now(), resolved_by=actor,
                version=F("version") + 1):
            raise ConcurrentEdit()
        audit.record(actor=actor, action="duplicate.dismiss", obj=signal,
                     institution=policy.acting_institution(actor))
    signal.refresh_from_db()
    return signal


def record_scan_signals(*, pairs, actor=None):
    """Signals for the batch job: pairs [(person_a_id, person_b_id, probability)]. Existing pairs
    (open, merged or dismissed) are left alone. Returns how many were new."""
    from nicat.persons.selectors import registry_rows

    before = registry_rows(DuplicateSignal).count()
    batch = []
    for a, b, prob in pairs:
        a, b = (a, b) if a < b else (b, a)
        batch.append(DuplicateSignal(person_a_id=a, person_b_id=b, probability=prob, source=SignalSource.SCAN))
    with transaction.atomic():
        DuplicateSignal.objects.bulk_create(batch, batch_size=1000, ignore_conflicts=True)
        new = registry_rows(DuplicateSignal).count() - before
        audit.record(actor=actor, action="duplicate.scan", details={"pairs": len(batch), "new": new})
    return new
