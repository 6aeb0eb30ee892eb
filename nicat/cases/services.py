"""Changes to cases: intake, edits, notes, trafficking events. One function per change."""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from nicat.access import policy, predicates
from nicat.audit import services as audit
from nicat.cases.models import (
    CLOSED_STATUSES,
    OWNER_FIELDS,
    Case,
    CaseNote,
    CaseReferenceCounter,
    TraffickingEvent,
    TraffickingStatus,
)
from nicat.core.errors import NotAllowed
from nicat.core.services import bump_version, require_visible, snapshot
from nicat.persons.models import Person
from nicat.persons.services import create_person

CASE_FIELDS = ("status", "closure_reason", "trafficking_status", "came_to_notice", "first_contact_at", "scope",
               "summary")
CASE_M2M = ("acts", "means", "exploitation_forms", "recruitment_channels", "risk_factors", "countries_of_origin",
            "countries_of_recruitment", "countries_of_exploitation")


def next_reference(year):
    """`NCT-<year>-<000123>`: the counter row is locked, so two intakes never get the same number."""
    from django.conf import settings

    CaseReferenceCounter.objects.get_or_create(year=year)
    counter = CaseReferenceCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{settings.NICAT_CASE_REFERENCE_PREFIX}-{year}-{counter.last:06d}"


def status_refusal(case=None):
    """The sentence that refuses a direct change of the trafficking status, pointing to the decision page."""
    from django.urls import reverse

    if case is None:
        return _("A new case starts with the status “presumed victim”. The trafficking status changes only through "
                 "the official identification decision of the Main Department (with its reasons and documents), "
                 "recorded on the case's decision page after the case is opened.")
    return _("The trafficking status changes only through the official identification decision of the Main "
             "Department, with its reasons and documents. Record the decision on the decision page: %(url)s") % {
        "url": reverse("identification:decide", args=[case.uuid])}


def validate_case_data(data, *, actor, current=None):
    errors = {}
    status = data.get("status")
    if status in CLOSED_STATUSES and not data.get("closure_reason"):
        errors["closure_reason"] = _("Choose the reason for closing the case.")
    if status and status not in CLOSED_STATUSES and data.get("closure_reason"):
        errors["closure_reason"] = _("A reason for closure is given only when the case is closed. "
                                     "Clear it or close the case.")
    first = data.get("first_contact_at")
    if first and first > timezone.now() + timezone.timedelta(minutes=5):
        errors["first_contact_at"] = _("The first contact is in the future. Enter when the person was first met.")
    # Recognition only by decision (nicat.identification.services.record_decision sets the status, with the
    # decision record, its reasons and the certificate): no edit and no intake sets it directly.
    new_status = data.get("trafficking_status")
    old_status = current.trafficking_status if current else TraffickingStatus.POSSIBLE
    if new_status and new_status != old_status:
        errors["trafficking_status"] = status_refusal(current)
    if errors:
        raise ValidationError(errors)


_close_checks = []


def register_close_check(fn):
    """`fn(case, closure_reason) -> {field: message}`: what stops a case from closing (other apps'
    rules, e.g. the rehabilitation plan's final review). Run by update_case when a case closes."""
    _close_checks.append(fn)
    return fn


def _m2m_codes(case, name):
    return sorted(t.code for t in getattr(case, name).all())


def _adoption_refused():
    """A person seen through a referral or a break-glass opening belongs to another institution's case: a
    new case may not name them (that would keep the access after the referral ends). The way is the
    duplicate review of the Main Department, which links the records with the owner's agreement."""
    from nicat.directory.selectors import competent_authority

    coordinator = competent_authority()
    return policy.Refused(_(
        "You see this person only through another institution's case (a referral or an emergency opening), so "
        "you cannot open a case of your own for them. Register the person as new: the duplicate check will "
        "show that they may be known elsewhere, and the coordinator (%(coordinator)s) links the records with "
        "the owner institution's agreement.") % {"coordinator": coordinator.name if coordinator else
                                                _("the Main Department")})


def open_case(*, actor, case_data, person_data=None, person=None, institution=None):
    """Intake: register a presumed victim (or take a person the actor may see) and open their case.

    The case is owned by the actor's institution.
    """
    institution = policy.acting_institution(actor, institution)
    if institution is None:
        raise NotAllowed
    case_data = {"trafficking_status": TraffickingStatus.POSSIBLE, **case_data}
    case_data.setdefault("first_contact_at", timezone.now())
    validate_case_data(case_data, actor=actor)
    with transaction.atomic():
        if person is None:
            person = create_person(actor=actor, institution=institution, data=person_data or {})
        elif not Person.objects.visible_to(actor).filter(pk=person.pk).exists():
            raise NotAllowed
        elif not policy.sees_person_in_full_at_home(actor, person):
            raise _adoption_refused()
        elif Person.objects.row(person).select_for_update().values_list("merged_into_id", flat=True).first():
            # the coordinator found this record to be another record's person: her cases are there now. Read from
            # the row, locked as the merge locks it, not from the record the caller loaded: a merge written since
            # (or waiting for this case) would leave the new case on the merged record, apart from her others
            raise ValidationError({"person_uuid": _(
                "This record of the person was merged into another record of the same person by the coordinator: "
                "her cases are there now. Open the case on that record (search for her), or ask the coordinator "
                "if the merge was wrong.")})
        first = case_data["first_contact_at"]
        case = Case(person=person, owner_institution=institution, created_by=actor,
                    reference=next_reference(timezone.localtime(first).year),
                    **{f: case_data[f] for f in CASE_FIELDS if f in case_data})
        case.save()
        changes = audit.diff(Case, {}, snapshot(case, CASE_FIELDS))
        for name in CASE_M2M:
            if case_data.get(name):
                getattr(case, name).set(case_data[name])
                changes[name] = [[], _m2m_codes(case, name)]
        audit.record(actor=actor, action="case.create", obj=case, case=case, institution=institution,
                     changes=changes)
    return case


def _unchanged(case, name, value):
    current = getattr(case, name)
    if name == "first_contact_at" and value is not None and current is not None:
        # The form gives the minute; the same minute sent back is no change (and must not cut the seconds).
        return value.replace(second=0, microsecond=0) == current.replace(second=0, microsecond=0)
    return value == current


def update_case(*, actor, case, data, expected_version, closing=False):
    """Change the case's narrative and, for its owner, its status and beginnings. A case is closed only by
    nicat.assistance.services.close_case (`closing=True`), which checks the plan's final review, open stays,
    the closing roles and the supervisor's approval where the owner asks for it."""
    # Visible (else 404), and every field touched in a section the actor may see (else 403 naming it).
    policy.require_case_fields(actor, case, list(data))
    data = {k: v for k, v in data.items() if not (k in OWNER_FIELDS and _unchanged(case, k, v))}
    changing = [name for name in OWNER_FIELDS if name in data]
    if changing and not predicates.owns_case(actor, case):
        raise policy.Refused(_("Only %(owner)s, which owns the case, changes its status, how it came to notice, "
                               "its first contact and its scope. Ask them to make the change.") % {
            "owner": case.owner_institution.name})
    merged = {**snapshot(case, CASE_FIELDS), **{k: v for k, v in data.items() if k in CASE_FIELDS}}
    closes = merged["status"] in CLOSED_STATUSES and case.status not in CLOSED_STATUSES
    if closes and not closing:
        # Said first (with any other error of the data), so that no one completes a reason only to be refused.
        errors = {"status": [_(
            "A case is closed with “Close the case” on its page (or POST /api/v1/case-closures/), which checks "
            "the rehabilitation plan's final review, the person's stay and, where your institution asks for it, "
            "the supervisor's approval. Keep the status as it is here.")]}
        try:
            validate_case_data(merged, actor=actor, current=case)
        except ValidationError as error:
            errors.update({k: v for k, v in error.message_dict.items() if k != "status"})
        raise ValidationError(errors)
    validate_case_data(merged, actor=actor, current=case)
    if closes:
        problems = {}
        for check in _close_checks:
            for field, message in (check(case, merged["closure_reason"]) or {}).items():
                problems.setdefault(field, message)
        if problems:
            raise ValidationError(problems)
    with transaction.atomic():
        before = snapshot(case, CASE_FIELDS)
        new_version = bump_version(Case, case, expected_version)
        for f in CASE_FIELDS:
            if f in data and f != "trafficking_status":
                setattr(case, f, data[f])
        if case.status not in CLOSED_STATUSES:
            case.closure_reason = ""
        case.version = new_version
        case.save()
        changes = audit.diff(Case, before, snapshot(case, CASE_FIELDS))
        for name in CASE_M2M:
            if name in data:
                old = _m2m_codes(case, name)
                getattr(case, name).set(data[name])
                new = sorted(t.code for t in data[name])
                if old != new:
                    changes[name] = [old, new]
        audit.record(actor=actor, action="case.update", obj=case, case=case, changes=changes,
                     institution=policy.acting_institution(actor, case=case))
    return case


def add_note(*, actor, case, text):
    require_visible(actor, case)
    policy.require_section(actor, case, "narrative")
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("The note is empty. Write what happened or what was agreed.")})
    if len(text) > 20000:
        raise ValidationError({"text": _("The note is longer than 20,000 characters. Split it into several notes.")})
    with transaction.atomic():
        institution = policy.acting_institution(actor, case=case)
        note = CaseNote.objects.create(case=case, text=text, author=actor, author_institution=institution)
        audit.record(actor=actor, action="note.create", obj=note, case=case, institution=institution,
                     changes=audit.diff(CaseNote, {}, {"text": text}))
    return note


EVENT_FIELDS = ("kind", "country", "place", "date_from", "date_to", "description")


def add_event(*, actor, case, data):
    require_visible(actor, case)
    policy.require_section(actor, case, "narrative")
    errors = {}
    if not data.get("kind"):
        errors["kind"] = _("Choose the stage: recruitment, transit or exploitation.")
    d1, d2 = data.get("date_from"), data.get("date_to")
    if d1 and d2 and d2 < d1:
        errors["date_to"] = _("The end date is before the start date. Check both dates.")
    today = timezone.localdate()
    if (d1 and d1 > today) or (d2 and d2 > today):
        errors.setdefault("date_from", _("Dates of trafficking events cannot be in the future."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        event = TraffickingEvent.objects.create(case=case, created_by=actor,
                                                **{f: data.get(f) for f in EVENT_FIELDS
                                                   if data.get(f) is not None})
        snap = {f: getattr(event, f) for f in EVENT_FIELDS}
        snap["country"] = event.country.code if event.country_id else None
        audit.record(actor=actor, action="event.create", obj=event, case=case,
                     institution=policy.acting_institution(actor, case=case), changes=audit.diff(TraffickingEvent, {}, snap))
    return event
