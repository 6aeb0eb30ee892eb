"""Changes to persons. Every change checks access, validates, writes atomically and is audited."""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from nicat.audit import services as audit
from nicat.cases.errors import ConcurrentEdit, NotAllowed
from nicat.persons.models import Person

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


def _snapshot(person):
    snap = {f: getattr(person, f) for f in PERSON_FIELDS}
    snap["gender"] = person.gender.code if person.gender_id else None
    return snap


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
        audit.record(actor=actor, action="person.create", obj=person, institution=institution,
                     changes=audit.diff(Person, {}, _snapshot(person)))
    return person


def update_person(*, actor, person, data, expected_version):
    from nicat.access import policy

    if not Person.objects.visible_to(actor).filter(pk=person.pk).exists():
        raise NotAllowed
    merged = {**_snapshot(person), **{k: v for k, v in data.items() if k in PERSON_FIELDS}}
    merged["gender"] = data.get("gender", person.gender)
    validate_person_data(merged)
    with transaction.atomic():
        if not Person.objects.system().filter(pk=person.pk, version=expected_version).update(version=F("version") + 1):
            raise ConcurrentEdit()
        before = _snapshot(person)
        for f in PERSON_FIELDS:
            if f in data:
                setattr(person, f, data[f])
        person.version = expected_version + 1
        person.save()
        m2m_changes = {}
        for m2m in PERSON_M2M:
            if m2m in data:
                old = sorted(t.code for t in getattr(person, m2m).all())
                getattr(person, m2m).set(data[m2m])
                new = sorted(t.code for t in data[m2m])
                if old != new:
                    m2m_changes[m2m] = [old, new]
        changes = {**audit.diff(Person, before, _snapshot(person)), **m2m_changes}
        audit.record(actor=actor, action="person.update", obj=person, changes=changes,
                     institution=policy.acting_institution(actor))
    return person
