"""Changes to access: break-glass openings and access-restriction orders. Every change is audited
in its own transaction; free text (reasons, decision references) reaches the trail sealed only."""
import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from nicat.access import policy, predicates
from nicat.access.models import BreakGlass, IssuedBy, RestrictionOrder
from nicat.accounts.models import CASE_ROLES, Role
from nicat.core import trail as audit
from nicat.core.errors import NotAllowed

MIN_REASON_LENGTH = 20


def case_named(reference):
    """The case printed with this reference, or None. The caller has checked who names it."""
    # whole table: a case named by its printed reference by someone who may not see it (a break-glass
    # opening, a restriction order being recorded, the public check of a status certificate; the case
    # list asks whether a whole reference exists to look it up by the unique index)
    return policy.case_model().objects.system().filter(reference=reference).select_related("owner_institution").first()


def _case_by_reference(reference, field="case_reference"):
    """The case with this reference (a system look-up: the caller has already been checked)."""
    ref = (reference or "").strip().upper()
    if not ref:
        raise ValidationError({field: _("Enter the case reference, e.g. NCT-2026-000123.")})
    case = case_named(ref)
    if case is None:
        raise ValidationError({field: _("No case has the reference %(ref)s. Check it and try again.")
                               % {"ref": ref[:32]}})
    return case


# --- Break-glass ---------------------------------------------------------------------------------

def break_glass_hours():
    return float(getattr(settings, "NICAT_BREAK_GLASS_HOURS", 4))


def may_break_glass(user):
    return policy.has_role(user, Role.SUPERVISOR)


def supervisor_institution_ids(user):
    return {m.institution_id for m in policy.memberships(user) if m.role == Role.SUPERVISOR}


_opening_listeners = []


def register_opening_listener(fn):
    """`fn(opening)` is called in the transaction of every break-glass opening (nicat.work tells the owner
    institution and files the review; access cannot import the apps that notify)."""
    if fn not in _opening_listeners:
        _opening_listeners.append(fn)


def open_break_glass(*, actor, case_reference, reason):
    """A supervisor opens a case they cannot otherwise see, for NICAT_BREAK_GLASS_HOURS hours."""
    if not may_break_glass(actor):
        raise NotAllowed
    reason = (reason or "").strip()
    errors = {}
    if len(reason) < MIN_REASON_LENGTH:
        errors["reason"] = _("Write why you must open this case now, in at least one full sentence "
                             "(%(n)d characters or more). The owner institution and a reviewer will read it.") % {
            "n": MIN_REASON_LENGTH}
    elif len(reason) > 5000:
        errors["reason"] = _("The reason is longer than 5,000 characters. Shorten it.")
    try:
        case = _case_by_reference(case_reference)
    except ValidationError as error:
        errors.update(error.message_dict)
        raise ValidationError(errors) from None
    if errors:
        raise ValidationError(errors)
    institution = next(m.institution for m in policy.memberships(actor) if m.role == Role.SUPERVISOR)
    now = timezone.now()
    with transaction.atomic():
        running = BreakGlass.objects.of(case).filter(BreakGlass.running(now), user=actor).first()
        if running is not None:
            raise ValidationError({"case_reference": _(
                "You already opened this case; your access runs until %(until)s.") % {
                "until": formats.date_format(timezone.localtime(running.expires_at), "SHORT_DATETIME_FORMAT")}})
        if policy.visible_cases(actor).filter(pk=case.pk).exists():
            raise ValidationError({"case_reference": _(
                "You already have access to this case. Open it from the case list; break-glass is not needed.")})
        if policy.restricted_cases(actor).filter(pk=case.pk).exists():
            raise ValidationError({"case_reference": _(
                "Access to this case is restricted by a prosecutor's or court's order that does not cover "
                "your role. Break-glass cannot override it.")})
        opening = BreakGlass.objects.create(
            case=case, user=actor, institution=institution, reason=reason, opened_at=now,
            expires_at=now + datetime.timedelta(hours=break_glass_hours()))
        audit.record(actor=actor, action="case.break_glass", obj=opening, case=case, institution=institution,
                     changes=audit.diff(BreakGlass, {}, {"reason": reason}),
                     details={"expires_at": opening.expires_at.isoformat(), "hours": break_glass_hours()})
        for listener in _opening_listeners:
            listener(opening)
    return opening


def end_break_glass(*, actor, opening):
    """The supervisor who opened a case closes their access before it expires."""
    if opening.user_id != actor.pk:
        raise NotAllowed
    with transaction.atomic():
        updated = BreakGlass.objects.row(opening).filter(ended_at__isnull=True).update(
            ended_at=timezone.now())
        if updated:
            audit.record(actor=actor, action="case.break_glass_end", obj=opening, case=opening.case)
    opening.refresh_from_db()
    return opening


def may_review(user, opening):
    ids = supervisor_institution_ids(user)
    return (opening.user_id != user.pk and bool(ids)
            and (opening.institution_id in ids or opening.case.owner_institution_id in ids))


def review_break_glass(*, actor, opening, note):
    """Another supervisor (of the opener's or of the owner institution) records their review."""
    if not may_review(actor, opening):
        raise NotAllowed
    note = (note or "").strip()
    if len(note) < 3:
        raise ValidationError({"note": _("Write what you found: was the opening justified?")})
    if len(note) > 5000:
        raise ValidationError({"note": _("The note is longer than 5,000 characters. Shorten it.")})
    with transaction.atomic():
        locked = BreakGlass.objects.row(opening).select_for_update().get()
        if locked.reviewed_at is not None:
            raise ValidationError({"note": _("Someone else has already reviewed this opening.")})
        locked.reviewed_at = timezone.now()
        locked.reviewed_by = actor
        locked.review_note = note
        locked.save(update_fields=["reviewed_at", "reviewed_by", "review_note"])
        audit.record(actor=actor, action="case.break_glass_review", obj=locked, case=opening.case,
                     changes=audit.diff(BreakGlass, {}, {"review_note": note}))
    return locked


# --- Access-restriction orders ---------------------------------------------------------------------

ORDER_ROLES = [r for r in Role if r in CASE_ROLES]


def may_record_restrictions(user):
    """Identification officers and supervisors of the competent authority (the Main Department)."""
    return predicates.is_coordinator(user)


def may_list_restrictions(user):
    return may_record_restrictions(user) or bool(supervisor_institution_ids(user))


def record_restriction_order(*, actor, case_reference, issued_by, issuing_body, decision_reference, decided_on,
                             allowed_roles):
    if not may_record_restrictions(actor):
        raise NotAllowed
    errors = {}
    if issued_by not in IssuedBy.values:
        errors["issued_by"] = _("Choose who issued the order: a prosecutor or a court.")
    issuing_body = (issuing_body or "").strip()
    if not issuing_body:
        errors["issuing_body"] = _("Enter the prosecutor's office or the court that issued the order.")
    decision_reference = (decision_reference or "").strip()
    if not decision_reference:
        errors["decision_reference"] = _("Enter the number of the decision as written on it.")
    if decided_on is None:
        errors["decided_on"] = _("Enter the date of the decision.")
    elif decided_on > timezone.localdate():
        errors["decided_on"] = _("The date of the decision is in the future. Check it.")
    roles = [str(r) for r in (allowed_roles or [])]
    unknown = [r for r in roles if r not in ORDER_ROLES]
    if unknown:
        errors["allowed_roles"] = _("Only case-working roles can keep access to a restricted case; "
                                    "analysts and administrators never see cases.")
    try:
        case = _case_by_reference(case_reference)
    except ValidationError as error:
        errors.update(error.message_dict)
        case = None
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        order = RestrictionOrder(case=case, issued_by=issued_by, issuing_body=issuing_body,
                                 decision_reference=decision_reference, decided_on=decided_on,
                                 recorded_by=actor, recorded_at=timezone.now())
        order.role_list = roles
        order.save()
        audit.record(actor=actor, action="restriction.record", obj=order, case=case,
                     institution=policy.acting_institution(actor),
                     changes=audit.diff(RestrictionOrder, {}, {
                         "issued_by": issued_by, "issuing_body": issuing_body,
                         "decision_reference": decision_reference, "decided_on": decided_on,
                         "allowed_roles": order.role_list}))
    return order


def lift_restriction_order(*, actor, order):
    if not may_record_restrictions(actor):
        raise NotAllowed
    with transaction.atomic():
        updated = RestrictionOrder.objects.row(order).filter(active=True).update(
            active=False, lifted_at=timezone.now(), lifted_by=actor)
        if not updated:
            raise ValidationError(_("This order was already lifted."))
        audit.record(actor=actor, action="restriction.lift", obj=order, case=order.case,
                     institution=policy.acting_institution(actor))
    order.refresh_from_db()
    return order
