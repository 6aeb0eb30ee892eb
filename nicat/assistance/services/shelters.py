"""Shelters and assistance centres: registration, capacity, admission, transfer, extension, discharge,
waiting list.

Admission never exceeds capacity: the capacity row of the group is locked (select_for_update)
before the people staying are counted, so a second admission at the same moment waits for the
first and then sees its stay. On SQLite every write transaction takes the database's write lock
at its start (transaction_mode=IMMEDIATE), which serialises the same way.

Child placement (CoM Resolution No. 180 of 19.11.2009: voluntariness, confidentiality, individual
approach, safety, equality, free help): a child is placed only in a place for children, an adult
never in one; a person whose age is unknown or only estimated near 18 is presumed a child (the one
age rule, nicat.persons.age) and placed with children until the age is established.
No one is admitted against their will: admission passes the consent gate (purpose "service",
service "shelter", for this shelter).
"""
import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from nicat.access import policy
from nicat.accounts.models import Role
from nicat.assistance import conf, eligibility
from nicat.assistance.models import (
    CapacityGroup,
    EndKind,
    Facility,
    FacilityKind,
    Group,
    Stay,
    WaitingListEntry,
    WaitingStatus,
)
from nicat.assistance.services._common import (
    SHELTER_ROLES,
    atomic_edit,
    bump_version,
    not_in_future,
    require_service_consent,
    require_visible,
    snapshot,
    text,
)
from nicat.assistance.services.plans import provider_authorisation
from nicat.audit import services as audit
from nicat.core import approvals as gates
from nicat.core.calendar import baku_date, baku_today
from nicat.core.errors import ConcurrentEdit, NotAllowed
from nicat.core.services import check_version
from nicat.directory.models import ServiceKind

STAY_FIELDS = ("facility", "group", "admitted_at", "planned_end", "extensions", "ended_at", "end_kind", "end_note")


def _pause_between_count_and_insert():
    """Does nothing. The concurrency test replaces it with a sleep to widen the race window."""


# --- who may -------------------------------------------------------------------------------------


def is_administrator(user):
    return bool(getattr(user, "is_superuser", False) or getattr(user, "is_staff", False)
                or policy.has_role(user, Role.ADMINISTRATOR))


def is_facility_staff(user, facility):
    return any(m.institution_id == facility.institution_id and m.role in SHELTER_ROLES
               for m in policy.memberships(user))


def may_see_address(user, facility):
    """A shelter's address is confidential: its own staff (any role there) and identification officers.

    The directory's rule (nicat.directory.selectors.institution_address_visible_to) is the one rule; a
    facility's address stays confidential even if its institution lost the flags that make it so."""
    from nicat.directory.selectors import address_is_confidential, institution_address_visible_to

    if address_is_confidential(facility.institution):
        return institution_address_visible_to(user, facility.institution)
    return any(m.institution_id == facility.institution_id or m.role == Role.IDENTIFICATION_OFFICER
               for m in policy.memberships(user))


def _require_staff(actor, facility):
    if not is_facility_staff(actor, facility):
        raise PermissionDenied(_("Only the staff of %(facility)s can do this.") % {"facility": facility})


# --- facilities and capacity ---------------------------------------------------------------------


def register_facility(*, actor, institution, kind=FacilityKind.SHELTER, address="", phone="", capacity=None):
    """Register a special institution as a shelter or assistance centre, with beds per group."""
    if not is_administrator(actor):
        raise PermissionDenied(_("Only an administrator registers shelters and assistance centres."))
    if not institution.is_special_institution:
        raise ValidationError({"institution": _(
            "%(name)s is not a special institution authorised by the executive authority. Only authorised "
            "shelters and assistance centres can be registered here.") % {"name": institution.name}})
    if kind not in FacilityKind.values:
        raise ValidationError({"kind": _("Choose shelter or assistance centre.")})
    capacity = capacity or {}
    errors = {g: _("Enter a number of beds of 0 or more.") for g, beds in capacity.items()
              if g not in Group.values or beds is None or int(beds) < 0}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if Facility.objects.filter(institution=institution).exists():
            raise ValidationError({"institution": _("This institution is already registered as a facility.")})
        facility = Facility.objects.create(institution=institution, kind=kind, address=text(address),
                                           phone=text(phone))
        for group in Group.values:
            CapacityGroup.objects.create(facility=facility, group=group, beds=int(capacity.get(group) or 0))
        audit.record(actor=actor, action="facility.register", obj=facility, institution=institution,
                     changes=audit.diff(Facility, {}, {"kind": kind, "address": facility.address,
                                                       "phone": facility.phone}),
                     details={"beds": {g: int(capacity.get(g) or 0) for g in Group.values}})
    return facility


def update_facility_contact(*, actor, facility, address, phone, expected_version):
    """The confidential address and phone: only the facility's own staff change them."""
    _require_staff(actor, facility)
    with atomic_edit(facility):
        bump_version(Facility, facility, expected_version)
        before = {"address": facility.address, "phone": facility.phone}
        facility.address, facility.phone = text(address), text(phone)
        facility.save(update_fields=["address", "phone", "version"])
        audit.record(actor=actor, action="facility.contact_update", obj=facility, institution=facility.institution,
                     changes=audit.diff(Facility, before, {"address": facility.address, "phone": facility.phone}))
    return facility


def read_address(*, actor, facility):
    """The confidential address, for those who may see it; the reading is audited."""
    if not may_see_address(actor, facility):
        raise PermissionDenied(_("A shelter's address is confidential: only its own staff and identification "
                                 "officers see it."))
    with transaction.atomic():
        audit.record(actor=actor, action="facility.address_view", obj=facility, institution=facility.institution)
    return {"address": facility.address, "phone": facility.phone}


def _active_count(facility, group):
    return Stay.objects.of(facility, via="facility").filter(group=group, ended_at__isnull=True).count()


def set_capacity(*, actor, facility, group, beds, expected_version):
    """Change the beds of one group. Never below the number of people staying now. `expected_version`: the
    version of the group's row the user read (0 for a group that had no row)."""
    if not (is_facility_staff(actor, facility) or is_administrator(actor)):
        raise PermissionDenied(_("Only the staff of %(facility)s can do this.") % {"facility": facility})
    if group not in Group.values:
        raise ValidationError({"group": _("Choose women, men or children.")})
    try:
        beds = int(beds)
    except (TypeError, ValueError):
        beds = -1
    if beds < 0:
        raise ValidationError({"beds": _("Enter a number of beds of 0 or more.")})
    with transaction.atomic():
        row, _created = CapacityGroup.objects.get_or_create(facility=facility, group=group, defaults={"version": 0})
        row = CapacityGroup.objects.select_for_update().get(pk=row.pk)
        check_version(row.version, expected_version)
        staying = _active_count(facility, group)
        if beds < staying:
            raise ValidationError({"beds": _(
                "%(staying)s people are staying in this group now: the beds cannot be fewer. Reduce the beds "
                "after they leave or move.") % {"staying": staying}})
        before = row.beds
        row.beds = beds
        row.version += 1
        row.save(update_fields=["beds", "version"])
        audit.record(actor=actor, action="facility.capacity_set", obj=facility, institution=facility.institution,
                     details={"group": group, "beds": [before, beds]})
    return row


def set_capacities(*, actor, facility, beds, expected_versions):
    """The beds page: every group's beds (`beds` {group: n}) in one transaction — a refusal of one group
    changes none — each group checked against the version the user read (`expected_versions` {group: v})."""
    rows = {}
    with transaction.atomic():
        for group, count in beds.items():
            try:
                rows[group] = set_capacity(actor=actor, facility=facility, group=group, beds=count,
                                           expected_version=(expected_versions or {}).get(group))
            except ConcurrentEdit:
                raise
            except ValidationError as error:
                raise ValidationError({group: error.messages}) from None
    return rows


# --- placement rules ---------------------------------------------------------------------------------


def check_group(case, group):
    """Child-placement and safety rules for placing the person of `case` in `group`."""
    if group not in Group.values:
        raise ValidationError({"group": _("Choose the group: women, men or children.")})
    required = eligibility.placement_group_required(case)
    if required == Group.CHILDREN and group != Group.CHILDREN:
        if case.person.age().is_presumed:
            raise ValidationError({"group": _(
                "The person's age is not established, so the person is presumed to be a child until it is "
                "(Council of Europe Convention Art. 10(3)): place them in the children's group, or record the "
                "date of birth first.")})
        raise ValidationError({"group": _(
            "The person is a child: a child is placed only in a place for children (CoM Resolution No. 180 of "
            "19.11.2009). Choose the children's group.")})
    if required is None and group == Group.CHILDREN:
        raise ValidationError({"group": _("The person is an adult: adults are not placed with children. Choose "
                                          "the women's or the men's group.")})
    gender = case.person.gender.code if case.person.gender_id else ""
    if group == Group.WOMEN and gender == "masculine":
        raise ValidationError({"group": _("The person is recorded as a man. Choose the men's group.")})
    if group == Group.MEN and gender == "feminine":
        raise ValidationError({"group": _("The person is recorded as a woman. Choose the women's group.")})


def _full_message(facility, group, beds):
    return _("%(facility)s has no free place for %(group)s (%(beds)s beds, all taken). Add the person to the "
             "waiting list, or find a place elsewhere.") % {
        "facility": facility, "group": Group(group).label.lower(), "beds": beds}


def _admit_locked(*, actor, facility, case, group, admitted_at, transferred_from=None):
    """Inside a transaction: check, lock the capacity row, count, insert. Returns the stay."""
    if not facility.active:
        raise ValidationError({"facility": _("%(facility)s is not active. Choose another facility.")
                               % {"facility": facility}})
    # The one rule of who provides a service (the plan's, the service log's, the referrals'): a facility stays
    # registered when the executive authority ends its institution's authorisation, and then admits no one.
    authorised, reason = provider_authorisation(facility.institution, ServiceKind.SHELTER)
    if not authorised:
        raise ValidationError({"facility": reason})
    answer = eligibility.shelter_admission(case)
    if not answer:
        raise ValidationError({"case": answer.reason})
    check_group(case, group)
    row = CapacityGroup.objects.select_for_update().filter(facility=facility, group=group).first()
    if row is None or row.beds == 0:
        raise ValidationError({"group": _("%(facility)s has no places for %(group)s.") % {
            "facility": facility, "group": Group(group).label.lower()}})
    if _active_count(facility, group) >= row.beds:
        raise ValidationError({"group": _full_message(facility, group, row.beds)})
    _pause_between_count_and_insert()
    open_stay = Stay.objects.of(case).filter(ended_at__isnull=True).select_related(
        "facility__institution").first()
    if open_stay is not None and open_stay != transferred_from:
        raise ValidationError({"case": _("The person is already staying at %(facility)s. Transfer or discharge "
                                         "them there first.") % {"facility": open_stay.facility}})
    # In force when the person was admitted (an admission recorded later is judged by its own time).
    require_service_consent(case=case, service=ServiceKind.SHELTER, provider=facility.institution, on=admitted_at)
    day = baku_date(admitted_at)
    stay = Stay(case=case, facility=facility, group=group, admitted_at=admitted_at,
                planned_end=day + datetime.timedelta(days=conf.max_stay_days(facility.kind, day)), admitted_by=actor,
                transferred_from=transferred_from)
    try:
        with transaction.atomic():
            stay.save()
    except IntegrityError:
        raise ValidationError({"case": _("The person is already staying in a shelter. Reload the page.")}) from None
    WaitingListEntry.objects.of(case).filter(facility=facility, status=WaitingStatus.WAITING).update(
        status=WaitingStatus.ADMITTED, closed_at=timezone.now(), version=F("version") + 1)
    return stay


def admit(*, actor, facility, case, group, admitted_at=None):
    """Admit the person of `case` to `facility` in `group` (staff of the facility; with consent)."""
    _require_staff(actor, facility)
    require_visible(actor, case)
    admitted_at = admitted_at or timezone.now()
    not_in_future(admitted_at, "admitted_at", _("The admission time is in the future. Enter when the person "
                                                "arrived."))
    with transaction.atomic():
        stay = _admit_locked(actor=actor, facility=facility, case=case, group=group, admitted_at=admitted_at)
        audit.record(actor=actor, action="stay.admit", obj=stay, case=case, institution=facility.institution,
                     changes=audit.diff(Stay, {}, snapshot(stay, STAY_FIELDS)))
    return stay


def _load_stay_for_change(actor, stay, expected_version):
    facility = stay.facility
    _require_staff(actor, facility)
    if stay.ended_at is not None:
        raise ValidationError({"stay": _("This stay has already ended.")})
    bump_version(Stay, stay, expected_version)
    return facility


def discharge(*, actor, stay, end_kind, note="", ended_at=None, expected_version):
    """The person leaves. Leaving is the person's right at any time (voluntariness)."""
    if end_kind not in EndKind.values or end_kind == EndKind.TRANSFERRED:
        raise ValidationError({"end_kind": _("Choose how the stay ended (use “transfer” to move the person to "
                                             "another facility).")})
    ended_at = ended_at or timezone.now()
    not_in_future(ended_at, "ended_at", _("The time of leaving is in the future. Enter when the person left."))
    if ended_at < stay.admitted_at:
        raise ValidationError({"ended_at": _("The person cannot leave before they were admitted. Check the time.")})
    with atomic_edit(stay):
        facility = _load_stay_for_change(actor, stay, expected_version)
        before = snapshot(stay, STAY_FIELDS)
        stay.ended_at, stay.end_kind, stay.end_note, stay.ended_by = ended_at, end_kind, text(note), actor
        stay.save()
        audit.record(actor=actor, action="stay.discharge", obj=stay, case=stay.case, institution=facility.institution,
                     changes=audit.diff(Stay, before, snapshot(stay, STAY_FIELDS)))
    return stay


def transfer(*, actor, stay, to_facility, group, note="", expected_version):
    """End the stay here and admit the person at `to_facility` (capacity and consent checked there)."""
    if to_facility.pk == stay.facility_id:
        raise ValidationError({"to_facility": _("Choose another facility: the person is already here.")})
    now = timezone.now()
    with atomic_edit(stay):
        # Lock both capacity rows in a fixed order, so two opposite transfers never deadlock.
        rows = CapacityGroup.objects.select_for_update().filter(
            facility__in=[stay.facility_id, to_facility.pk]).order_by("pk")
        list(rows)
        facility = _load_stay_for_change(actor, stay, expected_version)
        before = snapshot(stay, STAY_FIELDS)
        stay.ended_at, stay.end_kind, stay.end_note, stay.ended_by = now, EndKind.TRANSFERRED, text(note), actor
        stay.save()
        new = _admit_locked(actor=actor, facility=to_facility, case=stay.case, group=group, admitted_at=now,
                            transferred_from=stay)
        audit.record(actor=actor, action="stay.transfer", obj=stay, case=stay.case, institution=facility.institution,
                     changes=audit.diff(Stay, before, snapshot(stay, STAY_FIELDS)),
                     details={"to_facility": str(to_facility.uuid), "new_stay": str(new.uuid)})
        audit.record(actor=actor, action="stay.admit", obj=new, case=stay.case, institution=to_facility.institution,
                     changes=audit.diff(Stay, {}, snapshot(new, STAY_FIELDS)), details={"transfer": True})
    return new


def extend_stay(*, actor, stay, reason, expected_version, approval=None):
    """Extend the stay by one extension, up to the extensions allowed — both the legal parameters in force
    on the day the stay began (the day the right arose)."""
    if len(text(reason)) < 5:
        raise ValidationError({"reason": _("Give the reason for the extension.")})
    began = baku_date(stay.admitted_at)
    if stay.extensions >= conf.max_extensions(stay.facility.kind, began):
        raise ValidationError({"reason": _(
            "The stay has already been extended %(n)s times, the most the rules allow. Plan the person's move "
            "with them (housing goal of the plan, another facility).") % {"n": stay.extensions}})
    new_end = max(stay.planned_end, baku_today()) + datetime.timedelta(days=conf.extension_days(stay.facility.kind,
                                                                                                began))
    standard_end = baku_date(stay.admitted_at) + datetime.timedelta(days=conf.max_stay_days(stay.facility.kind, began))
    if new_end > standard_end:
        # Beyond the standard term (a legal parameter): where the facility's institution wants it, its
        # supervisor approves first (issue 15).
        gates.gate(actor=actor, kind=gates.STAY_EXTENSION, institution=stay.facility.institution, case=stay.case,
                   target=stay, payload={"reason": text(reason), "version": expected_version}, approval=approval)
    with atomic_edit(stay):
        facility = _load_stay_for_change(actor, stay, expected_version)
        before = snapshot(stay, STAY_FIELDS)
        base = max(stay.planned_end, baku_today())
        stay.planned_end = base + datetime.timedelta(days=conf.extension_days(stay.facility.kind, began))
        stay.extensions += 1
        stay.save()
        changes = audit.diff(Stay, before, snapshot(stay, STAY_FIELDS))
        changes["reason"] = [None, audit.seal_value(text(reason))]  # free text: sealed, like encrypted fields
        audit.record(actor=actor, action="stay.extend", obj=stay, case=stay.case, institution=facility.institution,
                     changes=changes)
    return stay


# --- waiting list ----------------------------------------------------------------------------------


def add_to_waiting_list(*, actor, facility, case, group, urgent=False, note=""):
    _require_staff(actor, facility)
    require_visible(actor, case)
    answer = eligibility.shelter_admission(case)
    if not answer:
        raise ValidationError({"case": answer.reason})
    check_group(case, group)
    with transaction.atomic():
        if WaitingListEntry.objects.of(case).filter(facility=facility, status=WaitingStatus.WAITING).exists():
            raise ValidationError({"case": _("The person is already on the waiting list of this facility.")})
        if Stay.objects.of(case).filter(facility=facility, ended_at__isnull=True).exists():
            raise ValidationError({"case": _("The person is already staying here.")})
        entry = WaitingListEntry.objects.create(case=case, facility=facility, group=group,
                                                urgent=bool(urgent), note=text(note), created_by=actor)
        audit.record(actor=actor, action="waiting.add", obj=entry, case=case, institution=facility.institution,
                     changes=audit.diff(WaitingListEntry, {}, {"group": group, "urgent": entry.urgent,
                                                               "note": entry.note}))
    return entry


def withdraw_from_waiting_list(*, actor, entry, note="", expected_version):
    _require_staff(actor, entry.facility)
    if entry.status != WaitingStatus.WAITING:
        raise ValidationError({"entry": _("This person is no longer waiting.")})
    with atomic_edit(entry):
        # Still waiting: an admission a moment ago moved it on (and gave it a new version).
        bump_version(WaitingListEntry, entry, expected_version, status=WaitingStatus.WAITING)
        entry.status, entry.closed_at = WaitingStatus.WITHDRAWN, timezone.now()
        entry.note = "\n".join(x for x in (entry.note, text(note)) if x)
        entry.save()
        audit.record(actor=actor, action="waiting.withdraw", obj=entry, case=entry.case,
                     institution=entry.facility.institution, details={"status": entry.status})
    return entry


def stay_for(actor, stay_uuid):
    """A stay the actor may act on (staff of its facility, or one who sees the case), or NotAllowed."""
    stay = Stay.objects.visible_to(actor).select_related("facility__institution", "case__person").filter(
        uuid=stay_uuid).first()
    if stay is None:
        raise NotAllowed
    return stay
