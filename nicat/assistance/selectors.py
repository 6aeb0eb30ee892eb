"""Reads of protection and rehabilitation, always through the access policy.

Occupancy figures are counts (no one is named), so every case-working user may see them to find
a free place; who stays where is visible only to those who see the case.
"""
import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from nicat.access import policy
from nicat.accounts.models import Role
from nicat.assistance import conf
from nicat.assistance.models import (
    OPEN_GOAL_STATUSES,
    AllowancePayment,
    CapacityGroup,
    CompensationClaim,
    CompensationPayment,
    Facility,
    FamilyReunification,
    FollowUp,
    Group,
    InterpreterNeed,
    PaymentStatus,
    PermitStatus,
    PlanAction,
    PlanGoal,
    PlanReview,
    PlanStatus,
    RehabilitationPlan,
    ResidencePermit,
    ReturnPlan,
    ServiceDelivery,
    Stay,
    WaitingListEntry,
    WaitingStatus,
)
from nicat.assistance.services._common import MEDICAL_KINDS, section_visible
from nicat.assistance.services.closing import closing_problems
from nicat.assistance.services.shelters import is_administrator, is_facility_staff, may_see_address
from nicat.audit import services as audit
from nicat.core import casepage
from nicat.core.reads import Reads


def may_see_facilities(user):
    return policy.can_work_on_cases(user) or is_administrator(user) or policy.has_role(user, Role.ANALYST)


def _require_facilities(user):
    if not may_see_facilities(user):
        raise PermissionDenied


# --- facilities ---------------------------------------------------------------------------------------


def capacity_rows(facility):
    """{group: CapacityGroup} of a facility (the beds page reads their beds and versions)."""
    return {row.group: row for row in CapacityGroup.objects.filter(facility=facility)}


def occupancy_now(facility):
    """[{group, label, beds, occupied, free}] for each group with beds, then a total row."""
    return occupancy_of([facility])[facility.pk]


def occupancy_of(facilities):
    """`{facility pk: occupancy_now(facility)}` for many facilities in two queries (the beds, the people staying),
    whatever their number: a list of facilities costs the same for one as for fifty. Counts only, as before."""
    facilities = list(facilities)
    beds = {f.pk: {} for f in facilities}
    for facility_id, group, count in CapacityGroup.objects.filter(facility__in=facilities).values_list(
            "facility_id", "group", "beds"):
        beds[facility_id][group] = count
    occupied = {f.pk: {g: 0 for g in Group.values} for f in facilities}
    staying = (Facility.objects.filter(pk__in=[f.pk for f in facilities], stays__ended_at__isnull=True)
               .values_list("pk", "stays__group").annotate(n=Count("stays")).order_by())
    for facility_id, group, n in staying:
        if group is not None:  # a facility nobody stays at (the outer join's empty row)
            occupied[facility_id][group] += n
    return {f.pk: _occupancy_rows(beds[f.pk], occupied[f.pk]) for f in facilities}


def _occupancy_rows(beds, occupied):
    rows = []
    for group in Group:
        b, o = beds.get(group.value, 0), occupied[group.value]
        if b or o:
            rows.append({"group": group.value, "label": group.label, "beds": b, "occupied": o,
                         "free": max(b - o, 0)})
    total = {"group": "total", "label": None, "beds": sum(r["beds"] for r in rows),
             "occupied": sum(r["occupied"] for r in rows), "free": sum(r["free"] for r in rows)}
    return rows, total


def facility_list(*, user):
    _require_facilities(user)
    facilities = list(Facility.objects.filter(active=True).select_related("institution").order_by("institution__name_az"))
    occupancy = occupancy_of(facilities)
    return [{"facility": facility, "rows": occupancy[facility.pk][0], "total": occupancy[facility.pk][1],
             "is_staff": is_facility_staff(user, facility)} for facility in facilities]


def facility_detail(*, user, facility_uuid):
    _require_facilities(user)
    facility = Facility.objects.select_related("institution").filter(uuid=facility_uuid).first()
    if facility is None:
        raise Http404
    return facility


def occupancy_history(facility, days=None, today=None):
    """Daily occupancy per group over the last `days` days (people staying at the end of each day)."""
    days = days or conf.occupancy_history_days()
    today = today or timezone.localdate()
    start = today - datetime.timedelta(days=days - 1)
    tz = timezone.get_current_timezone()
    start_dt = timezone.make_aware(datetime.datetime.combine(start, datetime.time.min), tz)
    stays = Stay.objects.of(facility, via="facility").filter(
        Q(ended_at__isnull=True) | Q(ended_at__gte=start_dt)).values_list("group", "admitted_at", "ended_at")
    intervals = [(g, timezone.localtime(a).date(), timezone.localtime(e).date() if e else None) for g, a, e in stays]
    day_list = [start + datetime.timedelta(days=i) for i in range(days)]
    series = {}
    for group in Group.values:
        counts = [sum(1 for g, a, e in intervals if g == group and a <= d and (e is None or e > d)) for d in day_list]
        series[group] = counts
    beds = {row.group: row.beds for row in CapacityGroup.objects.filter(facility=facility)}
    series = {g: v for g, v in series.items() if beds.get(g) or any(v)}
    return {"days": day_list, "series": series, "beds": beds}


def residents(*, user, facility):
    """The people staying now, for the facility's own staff (they see these cases through the stay)."""
    if not is_facility_staff(user, facility):
        return Stay.objects.none()
    return (Stay.objects.visible_to(user).filter(facility=facility, ended_at__isnull=True)
            .select_related("case__person").order_by("planned_end"))


def waiting_list(*, user, facility):
    if not is_facility_staff(user, facility):
        return WaitingListEntry.objects.none()
    return (WaitingListEntry.objects.visible_to(user).filter(facility=facility, status=WaitingStatus.WAITING)
            .select_related("case__person"))


def address_visible(user, facility):
    return may_see_address(user, facility)


# --- a case -------------------------------------------------------------------------------------------


def _restricted(items, kind_attr, show_medical):
    for item in items:
        item.restricted = not show_medical and getattr(item, kind_attr) in MEDICAL_KINDS
    return items


def case_assistance(*, user, case, audit_read=True):
    """Everything the case's protection and rehabilitation page shows; the read is audited."""
    show_medical = section_visible(user, case, "medical")
    show_return = section_visible(user, case, "return")
    plan = RehabilitationPlan.objects.visible_to(user).filter(case=case).select_related("institution").first()
    goals = []
    if plan is not None:
        goals = _restricted(list(PlanGoal.objects.visible_to(user).filter(plan=plan)
                                 .select_related("responsible_institution")), "area", show_medical)
        actions = {}
        for action in PlanAction.objects.visible_to(user).filter(goal__plan=plan).select_related(
                "responsible_institution"):
            actions.setdefault(action.goal_id, []).append(action)
        for goal in goals:
            goal.action_list = actions.get(goal.pk, [])
    data = {
        "case": case, "show_medical": show_medical, "show_return": show_return,
        "stays": Stay.objects.visible_to(user).filter(case=case).select_related("facility__institution"),
        "plan": plan, "goals": goals,
        "reviews": PlanReview.objects.visible_to(user).filter(case=case) if plan else [],
        "services": _restricted(list(ServiceDelivery.objects.visible_to(user).filter(case=case)
                                     .select_related("provider", "goal")), "kind", show_medical),
        "payments": _with_reversal(user, AllowancePayment.objects.visible_to(user).filter(case=case)
                                   .select_related("case", "institution")),
        "claims": _claims_with_payments(user, case),
        "interpreters": InterpreterNeed.objects.visible_to(user).filter(case=case).select_related("language"),
        "permits": ResidencePermit.objects.visible_to(user).filter(case=case) if show_return else [],
        "returns": (ReturnPlan.objects.visible_to(user).filter(case=case)
                    .select_related("country", "receiving_organisation", "consulate") if show_return else []),
        "reunifications": (FamilyReunification.objects.visible_to(user).filter(case=case).select_related("country")
                           if show_return else []),
        "follow_ups": FollowUp.objects.visible_to(user).filter(case=case) if show_return else [],
        "closing_problems": closing_problems(case, "ServicesCompleted") if not case.is_closed else {},
    }
    if audit_read:
        audit.record(actor=user, action="assistance.view", obj=case, case=case,
                     institution=policy.acting_institution(user))
    return data


def _with_reversal(user, payments):
    """The payments, each with `may_reverse`: whether `user` is offered its reversal (the service decides)."""
    from nicat.assistance.services.payments import may_reverse

    payments = list(payments)
    for payment in payments:
        payment.may_reverse = may_reverse(user, payment) is not None
    return payments


def _claims_with_payments(user, case):
    """The case's compensation claims, each with `payment_list`: its payments (reversed ones too, marked), each
    with `may_reverse`."""
    claims = list(CompensationClaim.objects.visible_to(user).filter(case=case))
    by_claim = {}
    for payment in _with_reversal(user, CompensationPayment.objects.visible_to(user).filter(case=case)
                                  .select_related("case", "institution")):
        by_claim.setdefault(payment.claim_id, []).append(payment)
    for claim in claims:
        claim.payment_list = by_claim.get(claim.pk, [])
    return claims


def case_stays(*, user, case):
    """The case's stays, latest admission first (the case page's timeline and panel)."""
    return casepage.once(case, user, "assistance.stays", lambda: (
        Stay.objects.visible_to(user).filter(case=case).select_related("facility__institution")))


def case_services(*, user, case):
    """The services delivered to the case's person, latest first (the case page's timeline and panel)."""
    return casepage.once(case, user, "assistance.services", lambda: (
        ServiceDelivery.objects.visible_to(user).filter(case=case).select_related("provider")))


def case_summary(*, user, case):
    """The little the case page's panel shows (the case page's read is audited there)."""
    if casepage.is_page(case, user):
        # the stays and services the timeline lists too: read once for both
        stay = next((s for s in case_stays(user=user, case=case) if s.ended_at is None), None)
        services = len(case_services(user=user, case=case))
    else:
        stay = (Stay.objects.visible_to(user).filter(case=case, ended_at__isnull=True)
                .select_related("facility__institution").first())
        services = ServiceDelivery.objects.visible_to(user).filter(case=case).count()
    plan = RehabilitationPlan.objects.visible_to(user).filter(case=case).first()
    goals = PlanGoal.objects.visible_to(user).filter(case=case)
    return {
        "stay": stay, "plan": plan,
        "goals_open": goals.filter(status__in=OPEN_GOAL_STATUSES).count() if plan else 0,
        "goals_total": goals.count() if plan else 0,
        "services": services,
        "allowance": AllowancePayment.objects.visible_to(user).filter(case=case, status=PaymentStatus.PAID).first(),
    }


# --- reminders for the dashboard ----------------------------------------------------------------------


def reminders(*, user, today=None):
    """What is due soon: stays ending, plan reviews, residence permits expiring, follow-ups."""
    if not policy.can_work_on_cases(user):
        return {}
    today = today or timezone.localdate()
    staff_facilities = [f for f in Facility.objects.filter(active=True) if is_facility_staff(user, f)]
    stays_ending = (Stay.objects.visible_to(user)
                    .filter(facility__in=staff_facilities, ended_at__isnull=True,
                            planned_end__lte=today + datetime.timedelta(days=conf.stay_reminder_days()))
                    .select_related("case", "facility__institution").order_by("planned_end"))
    reviews_due = (RehabilitationPlan.objects.visible_to(user)
                   .filter(status__in=[PlanStatus.DRAFT, PlanStatus.AGREED], next_review_on__isnull=False,
                           next_review_on__lte=today + datetime.timedelta(days=conf.reminder_days()))
                   .select_related("case").order_by("next_review_on"))
    permits = (ResidencePermit.objects.visible_to(user)
               .filter(status=PermitStatus.GRANTED, expires_on__isnull=False,
                       expires_on__lte=today + datetime.timedelta(days=conf.residence_permit_reminder_days()))
               .select_related("case").order_by("expires_on"))
    # The reflection period is computed (nicat.legal.rules), not stored: filter the few permits not requested.
    reflection = sorted((p for p in ResidencePermit.objects.visible_to(user)
                         .filter(status=PermitStatus.NOT_REQUESTED).select_related("case")
                         if today <= p.reflection_period_ends <= today + datetime.timedelta(days=conf.reminder_days())),
                        key=lambda p: p.reflection_period_ends)
    follow_ups = (FollowUp.objects.visible_to(user)
                  .filter(done_on__isnull=True, due_on__lte=today + datetime.timedelta(days=conf.reminder_days()))
                  .select_related("case").order_by("due_on"))
    result = {"today": today, "stays_ending": list(stays_ending[:20]), "reviews_due": list(reviews_due[:20]),
              "permits_expiring": list(permits[:20]), "reflection_ending": list(reflection[:20]),
              "follow_ups_due": list(follow_ups[:20])}
    result["any"] = any(result[k] for k in ("stays_ending", "reviews_due", "permits_expiring", "reflection_ending",
                                            "follow_ups_due"))
    return result


# --- the one read path of each resource (nicat.core.reads; pages and the API's base viewset) -------------

STAYS = Reads(Stay, "stay", related=("case", "facility"))
WAITING = Reads(WaitingListEntry, "waiting", related=("case", "facility"))
PLANS = Reads(RehabilitationPlan, "plan", related=("case", "institution"))
GOALS = Reads(PlanGoal, "plan_goal", related=("case", "plan", "responsible_institution"))
ACTIONS = Reads(PlanAction, "plan_action", related=("case", "goal", "responsible_institution"))
SERVICES = Reads(ServiceDelivery, "service", related=("case", "provider", "goal"))
ALLOWANCES = Reads(AllowancePayment, "allowance", related=("case",))
CLAIMS = Reads(CompensationClaim, "compensation", related=("case",))
COMPENSATION_PAYMENTS = Reads(CompensationPayment, "compensation_payment", related=("case", "claim"))
PERMITS = Reads(ResidencePermit, "permit", related=("case",), section="return")
INTERPRETERS = Reads(InterpreterNeed, "interpreter", related=("case", "language"))
RETURNS = Reads(ReturnPlan, "return", related=("case", "country"), section="return")
REUNIFICATIONS = Reads(FamilyReunification, "reunification", related=("case",), section="return")
FOLLOW_UPS = Reads(FollowUp, "followup", related=("case",), section="return")
