"""Reads for the access pages and the case panel. The review list and the restriction list are what the
reader's role and institution entitle them to (the record rules of `nicat.access.grants`); they show
case references, never a person's identity — but the review list shows each opening's written reason, free text
that may describe the person, so showing it is a read of those cases (`break_glass_review_shown`)."""
from django.db.models import Q

from nicat.access import policy
from nicat.access.models import BreakGlass, RestrictionOrder
from nicat.access.services import may_record_restrictions, supervisor_institution_ids
from nicat.core.trail import record


def break_glass_for_review(*, user):
    """Openings by staff of the user's institutions, or on cases their institutions own (supervisors)."""
    ids = supervisor_institution_ids(user)
    if not ids:
        return BreakGlass.objects.none()
    return (BreakGlass.objects.visible_to(user)
            .filter(Q(institution_id__in=ids) | Q(case__owner_institution_id__in=ids))
            .select_related("case", "case__owner_institution", "user", "institution", "reviewed_by")
            .order_by("reviewed_at", "-opened_at"))


def break_glass_review_shown(*, user, limit=200):
    """The first `limit` openings of the review list, their read recorded: `break_glass.list` naming their cases by
    uuid (never the reasons' text), so that each case's access trail finds it."""
    openings = list(break_glass_for_review(user=user)[:limit])
    cases = sorted({str(opening.case.uuid) for opening in openings})
    record(actor=user, action="break_glass.list",
           details={"channel": "page", "shown": len(openings), **({"cases": cases} if cases else {})})
    return openings


def unreviewed_break_glass_count(*, user):
    return break_glass_for_review(user=user).filter(reviewed_at__isnull=True).count()


def my_break_glass(*, user):
    return (BreakGlass.objects.visible_to(user).filter(user=user).select_related("case", "case__owner_institution")
            .order_by("-opened_at"))


def break_glass_on_case(*, user, case):
    """Openings of a case the user sees (shown to everyone who sees the case, the owner first of all)."""
    return (BreakGlass.objects.visible_to(user).filter(case=case)
            .select_related("user", "institution", "reviewed_by").order_by("-opened_at"))


def restriction_orders_for(*, user):
    """All orders for the competent authority; orders on their own institution's cases for supervisors."""
    qs = RestrictionOrder.objects.visible_to(user).select_related("case", "case__owner_institution", "recorded_by",
                                                                  "lifted_by")
    if may_record_restrictions(user):
        return qs.order_by("-active", "-recorded_at")
    ids = supervisor_institution_ids(user)
    if not ids:
        return RestrictionOrder.objects.none()
    return qs.filter(case__owner_institution_id__in=ids).order_by("-active", "-recorded_at")


def restrictions_on_case(*, user, case):
    return RestrictionOrder.objects.visible_to(user).filter(case=case, active=True)


def running_break_glass(*, user, case):
    return BreakGlass.objects.of(case).filter(BreakGlass.running(), user=user).first()


def sections(*, user, case):
    return policy.visible_sections(user, case)
