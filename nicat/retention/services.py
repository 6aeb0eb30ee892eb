"""Retention and erasure (issue 18 item 5; docs/operations.md §8).

* `run_retention`: a person whose every case is closed, the last one longer ago than the retention period
  in force (the legal parameter `retention.person_after_closure_months`, dated, with its source), is erased
  by crypto-shredding (nicat.persons.erasure); a hotline contact that led to no case and is older than
  `retention.hotline_contact_months` has its identifying details blanked (nicat.hotline.services).
  `nicat retention run [--dry-run]` and the daily periodic job `retention.run` call it.
* A person's request to erase or correct their data (`DataRequest`): recorded by staff of the institution
  that owns the case, decided by a supervisor of that institution (not the one who recorded it). An approved
  erasure uses the same shredding; an approved correction goes through the person update service. Every
  step is audited, without identifying values. An erasure is refused (when recorded and when approved) while
  another institution still has an open case of the person: erasing blanks every case of the person, and
  that institution has not agreed until it closes its case.
"""
import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from nicat.access import policy
from nicat.accounts.models import Role
from nicat.audit import services as audit
from nicat.cases.models import CLOSED_STATUSES
from nicat.core.calendar import baku_day_start, baku_today
from nicat.core.errors import NotAllowed
from nicat.core.services import bump_version
from nicat.hotline.services import blank_old_contacts
from nicat.hotline.services import forget_keyed as forget_keyed_contacts
from nicat.legal import services as legal
from nicat.persons.erasure import erase_person, open_cases_elsewhere
from nicat.persons.models import Person
from nicat.persons.services import hold_person_of
from nicat.retention.models import DataRequest, Requester, RequestKind, RequestStatus

PERIOD = "retention.person_after_closure_months"
CONTACT_PERIOD = "retention.hotline_contact_months"
CORRECTABLE = ("given_name", "family_name", "patronymic", "birth_date", "phone", "email", "address")


# --- The retention run -----------------------------------------------------------------------------

@dataclass
class RetentionReport:
    today: datetime.date
    months: int
    closed_before: datetime.date  # persons whose last case closed before this day are due
    due: int = 0
    erased: int = 0
    dry_run: bool = False
    persons: list = field(default_factory=list)  # uuids of the persons due (never a name)
    contact_months: int = 0
    contacts_before: datetime.date | None = None  # hotline contacts that started before this day are due
    contacts: int = 0  # hotline contacts blanked (or, in a dry run, due)



def registry_persons():
    """Every person of the registry, for the retention jobs."""
    # whole table: retention erases whoever's period has run out, re-applies the erasure ledger after a
    # restore, and counts the erased
    return Person.objects.system()


def due_persons(today):
    """(months, cutoff day, queryset of persons due for erasure on `today`)."""
    months = int(legal.value(PERIOD, today))
    cutoff = legal.add_months(today, -months) + datetime.timedelta(days=1)
    persons = (registry_persons()
               .filter(erased_at__isnull=True, merged_into__isnull=True)
               .annotate(n_cases=Count("cases", distinct=True),
                         n_open=Count("cases", filter=~Q(cases__status__in=CLOSED_STATUSES), distinct=True),
                         last_closed=Max("cases__closed_at"))
               .filter(n_cases__gt=0, n_open=0, last_closed__lt=baku_day_start(cutoff)))
    return months, cutoff, persons


def run_retention(*, today=None, dry_run=False, actor=None):
    """Erase every person kept longer than the retention period in force today. A dry run changes and
    records nothing; it only counts."""
    today = today or baku_today()
    months, cutoff, persons = due_persons(today)
    report = RetentionReport(today=today, months=months, closed_before=cutoff, dry_run=dry_run)
    ids = list(persons.order_by("pk").values_list("pk", "uuid"))
    report.due = len(ids)
    report.persons = [str(u) for _pk, u in ids]
    report.contact_months = int(legal.value(CONTACT_PERIOD, today))
    report.contacts_before = legal.add_months(today, -report.contact_months)
    report.contacts = blank_old_contacts(before=baku_day_start(report.contacts_before), dry_run=dry_run)
    if dry_run:
        return report
    for pk, _uuid in ids:
        person = registry_persons().get(pk=pk)
        report.erased += erase_person(actor=actor, person=person, basis="retention")
    with transaction.atomic():
        audit.record(actor=actor, action="retention.run", details={
            "period_months": months, "closed_before": cutoff.isoformat(), "due": report.due,
            "erased": report.erased, "hotline_contacts_blanked": report.contacts})
    return report


def run_retention_job():
    """The periodic job (nicat.core.jobs): erase what is due today."""
    return run_retention().erased


# --- Requests to erase or correct ------------------------------------------------------------------

def may_record(user, case):
    """Staff of the institution that owns the case record the person's request."""
    from nicat.access import predicates

    return predicates.owns_case(user, case)


def is_owner_supervisor(user, data_request):
    """A supervisor of the institution that owns the request's case: who decides it."""
    return policy.has_role_at(user, Role.SUPERVISOR, data_request.case.owner_institution)


def may_decide(user, data_request):
    """A supervisor of the institution that owns the case, other than the one who recorded the request."""
    return is_owner_supervisor(user, data_request) and data_request.recorded_by_id != user.pk


def _refuse_erasure_elsewhere(person, institution):
    """The reason an erasure cannot go ahead while another institution still has an open case of the person
    (erasing blanks every case of the person, theirs too), or None. The other institution is not named:
    which institution helps the person is not this institution's to know; the Main Department, which links
    the records of one person, can ask it."""
    if open_cases_elsewhere(person, institution):
        return _("Another institution still has an open case of this person, and erasing the data would blank "
                 "that case too. The data can be erased once that institution agrees and closes its case: ask "
                 "the Main Department, which knows which institution it is, to arrange it.")
    return None


def _clean_corrections(person, corrections):
    cleaned = {}
    for name, value in (corrections or {}).items():
        if name not in CORRECTABLE:
            continue
        if isinstance(value, str):
            value = value.strip()
        if value in (None, ""):
            continue
        if name == "birth_date" and isinstance(value, str):
            try:
                value = datetime.date.fromisoformat(value)
            except ValueError:
                raise ValidationError({"birth_date": _("Enter the date of birth as YYYY-MM-DD.")}) from None
        cleaned[name] = value
    return cleaned


def _stored(value):
    """A person's value as a request keeps it (JSON): a date as YYYY-MM-DD, nothing as ""."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return "" if value is None else value


def _changed_since(person, data_request):
    """The corrected fields whose value was changed after the request was recorded — by someone else, to
    something other than the correction (a request recorded before this check kept no values: none)."""
    was = data_request.corrected_from or {}
    return [name for name, value in (data_request.corrections or {}).items()
            if name in was and _stored(getattr(person, name)) not in (was[name], value)]


def record_request(*, actor, case, kind, requested_on, details, requested_by=Requester.PERSON, corrections=None):
    if not policy.case_model().objects.visible_to(actor).filter(pk=case.pk).exists():
        raise NotAllowed
    if not may_record(actor, case):
        raise NotAllowed
    with transaction.atomic():
        # the person the case has now, held until the request is saved: a merge or its undo may have moved the case
        # to another record since it was read, and the request is the person's
        person = hold_person_of(case)
        errors = {}
        if person.erased_at:
            errors["kind"] = _("The person's data has already been erased.")
        if kind not in RequestKind.values:
            errors["kind"] = _("Choose whether the person asks to erase or to correct their data.")
        elif kind == RequestKind.ERASURE and not person.erased_at:
            refusal = _refuse_erasure_elsewhere(person, case.owner_institution)
            if refusal:
                errors["kind"] = refusal
        if requested_by not in Requester.values:
            errors["requested_by"] = _("Choose who asked.")
        if not requested_on:
            errors["requested_on"] = _("Enter the day the person asked.")
        elif requested_on > baku_today():
            errors["requested_on"] = _("The day the person asked cannot be in the future.")
        if not (details or "").strip():
            errors["details"] = _("Write down what the person asked for, in their words.")
        cleaned = {}
        if not errors and kind == RequestKind.CORRECTION:
            cleaned = _clean_corrections(person, corrections)
            if not cleaned:
                errors["corrections"] = _("Enter at least one corrected value.")
        if errors:
            raise ValidationError(errors)
        data_request = DataRequest(case=case, person=person, kind=kind, requested_by=requested_by,
                                   requested_on=requested_on, details=details.strip(),
                                   corrections={k: _stored(v) for k, v in cleaned.items()},
                                   corrected_from={k: _stored(getattr(person, k)) for k in cleaned},
                                   recorded_by=actor)
        data_request.save()
        audit.record(actor=actor, action="datarequest.record", obj=data_request, case=case,
                     institution=policy.acting_institution(actor, case=case),
                     details={"kind": kind, "requested_by": requested_by, "fields": sorted(cleaned)})
    return data_request


def decide_request(*, actor, data_request, approve, reason, expected_version):
    """Approve or refuse an open request. Approving an erasure erases the person (crypto-shredding);
    approving a correction applies it through nicat.persons.services.update_person."""
    from nicat.persons.services import update_person

    if not policy.case_model().objects.visible_to(actor).filter(pk=data_request.case_id).exists():
        raise NotAllowed
    if not is_owner_supervisor(actor, data_request):
        raise NotAllowed
    if data_request.recorded_by_id == actor.pk:
        raise ValidationError({"decision": _("Another supervisor decides a request you recorded yourself.")})
    if data_request.status != RequestStatus.OPEN:
        raise ValidationError({"decision": _("This request has already been decided.")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the request is approved or refused.")})
    # the record the request names as the database holds it now, not as it was read with the request: a merge (or
    # its undo) since may have made it another record's, and her cases are there
    named = Person._base_manager.get(pk=data_request.person_id)
    if approve and data_request.kind == RequestKind.ERASURE:
        refusal = _refuse_erasure_elsewhere(named, data_request.case.owner_institution)
        if refusal:
            raise ValidationError({"decision": refusal})
    institution = policy.acting_institution(actor, case=data_request.case)
    with transaction.atomic():
        bump_version(DataRequest, data_request, expected_version, status=RequestStatus.OPEN)
        data_request.status = RequestStatus.APPROVED if approve else RequestStatus.REFUSED
        data_request.decided_by, data_request.decided_at = actor, timezone.now()
        data_request.decision_reason = reason.strip()
        data_request.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        audit.record(actor=actor, action="datarequest.decide", obj=data_request, case=data_request.case,
                     institution=institution,
                     details={"kind": data_request.kind, "decision": data_request.status})
        if approve and data_request.kind == RequestKind.ERASURE:
            erase_person(actor=actor, person=named, basis="request", request_uuid=data_request.uuid,
                         institution=institution)
        elif approve:
            # the person's record as it is now: the record the request named may have been merged into another
            # since (her cases and what the staff read are there); a value changed meanwhile is refused below
            person = Person.objects.row(named.kept_record()).select_for_update().get()
            changed = _changed_since(person, data_request)
            if changed:
                # the correction was asked against values someone has changed since: applying it would silently
                # undo that change (law 7) — the supervisor checks with the person, refuses or records anew
                raise ValidationError({"decision": _(
                    "Since this request was recorded, the person's record was changed in what it corrects (%(fields)s). "
                    "Approving it would undo that change without anyone seeing it: check the current record with "
                    "the person, then refuse this request or record a new one.") % {
                    "fields": ", ".join(str(Person._meta.get_field(name).verbose_name) for name in changed)}})
            data = _clean_corrections(person, data_request.corrections)
            update_person(actor=actor, person=person, data=data, expected_version=person.version)
    return data_request


def reapply_ledger(*, actor=None):
    """After restoring a backup made before some erasures: erase again every person whose data key is named
    in the erasure ledger (kept outside the database, nicat.privacy.personkeys). Returns (ids in the ledger,
    person records erased now)."""
    from nicat.privacy import personkeys

    kids = personkeys.read_ledger()
    erased = contacts = 0
    for start in range(0, len(kids), 500):
        chunk = kids[start:start + 500]
        for person in registry_persons().filter(data_key_id__in=chunk, erased_at__isnull=True):
            erased += erase_person(actor=actor, person=person, basis="reapplied")
        # a key whose person row is gone or already marked (but the key came back with the restore)
        from nicat.privacy.models import PersonKey

        with transaction.atomic():
            for kid in PersonKey.objects.filter(kid__in=chunk).values_list("kid", flat=True):
                personkeys.destroy(kid)
            contacts += forget_keyed_contacts(chunk)  # hotline contacts forgotten after the backup was made
    if kids:
        with transaction.atomic():
            audit.record(actor=actor, action="retention.reapply", details={"ledger": len(kids), "erased": erased,
                                                                           "hotline_contacts_blanked": contacts})
    return len(kids), erased
