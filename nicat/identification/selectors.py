"""Reads of the identification app, always through the access policy."""
import datetime

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from nicat.access import policy, predicates
from nicat.access.sections import NARRATIVE
from nicat.cases.models import CLOSED_STATUSES, Case
from nicat.core import casepage
from nicat.core.reads import Reads
from nicat.identification import services
from nicat.identification.models import Identification, IdentificationDecision, IdentificationStatus, Screening

DASHBOARD_LIMIT = 50


def screenings_for_case(*, user, case):
    """The screenings of `case` that `user` may read (`services.may_screen`: the facts are the narrative)."""
    return casepage.once(case, user, "identification.screenings", lambda: [
        s for s in Screening.objects.visible_to(user).filter(case=case)
        .select_related("institution", "created_by", "completed_by").order_by("-created_at")
        if services.may_screen(user, case, s)])


def screening(*, user, screening_uuid, case=None):
    """The screening if `user` may see it and its facts (and it belongs to `case` when given), else 404."""
    qs = Screening.objects.visible_to(user).select_related("case", "case__person", "institution")
    if case is not None:
        qs = qs.filter(case=case)
    try:
        found = qs.get(uuid=screening_uuid)
    except (Screening.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
    if not services.may_screen(user, found.case, found):
        raise Http404
    return found


def identification_for_case(*, user, case):
    return casepage.once(case, user, "identification.identification", lambda: (
        Identification.objects.visible_to(user).filter(case=case)
        .select_related("decision", "decision__institution", "referred_to", "referred_by_institution",
                        "screening", "consent", "legal_basis_use").first()))


def referral_note_shown(*, user, identification, case):
    """Record that the deciding officer was shown the referral's note (`identification.referral.view`)."""
    from nicat.audit import services as audit

    audit.record(actor=user, action="identification.referral.view", obj=identification, case=case,
                 institution=predicates.deciding_institution(user, case))


def decisions_for_case(*, user, case):
    return casepage.once(case, user, "identification.decisions", lambda: (
        IdentificationDecision.objects.visible_to(user).filter(case=case).select_related("institution")))


def awaiting_decision(*, user):
    """Cases referred to the user's competent authority and not yet decided (identification officers)."""
    institution = predicates.deciding_institution(user)
    if institution is None:
        return Case.objects.none()
    return (Case.objects.visible_to(user)
            .filter(identification__status=IdentificationStatus.REFERRED, identification__referred_to=institution)
            .select_related("owner_institution", "identification").order_by("identification__referred_at"))


def dashboard_items(*, user, now=None):
    """Due and overdue deadlines of the cases `user` may see, most urgent first (overdue ones first)."""
    if not policy.can_work_on_cases(user):
        return []
    now = now or timezone.now()
    visible = Case.objects.visible_to(user).exclude(status__in=CLOSED_STATUSES)
    pending_referral = (services.awaiting_referral(visible)
                        .select_related("owner_institution", "person", "identification",
                                        "identification__decision")
                        .prefetch_related("person__citizenships").order_by("first_contact_at")[:DASHBOARD_LIMIT])
    recognised = (visible.filter(identification__status=IdentificationStatus.RECOGNISED,
                                 identification__residence_permit_discussed_on__isnull=True)
                  .select_related("owner_institution", "person", "identification", "identification__decision")
                  .prefetch_related("person__citizenships").order_by("status_decided_on")[:DASHBOARD_LIMIT])
    items = []
    for case in list(pending_referral) + list(recognised):
        try:
            ident = case.identification
        except Identification.DoesNotExist:
            ident = None
        for deadline in services.case_deadlines(case, identification=ident, now=now):
            if deadline.state in ("due", "overdue"):
                items.append(deadline)
    items.sort(key=lambda d: (d.state != "overdue", _sort_key(d.due)))
    return items[:DASHBOARD_LIMIT]


def _sort_key(due):
    if due is None:
        return datetime.datetime.max.replace(tzinfo=datetime.timezone.utc)
    if isinstance(due, datetime.datetime):
        return due
    return datetime.datetime.combine(due, datetime.time(23, 59), tzinfo=timezone.get_current_timezone())


# --- the one read path of the API's resources (nicat.core.reads) ------------------------------------------


class ScreeningReads(Reads):
    """Screenings hold what happened (the "narrative" section): read by their own institution's first responders
    and by whoever sees the case's narrative (`services.may_screen`), one by one and in lists (`check_each`).
    A read is recorded by the service that also names the acting institution."""

    def role_sees_section(self, user):
        return True  # every case-working role reads its own institution's screenings: `sees` decides

    def sees(self, user, obj):
        return services.may_screen(user, obj.case, obj)

    def viewed(self, user, obj, *, channel="page", reason="", **details):
        services.view_screening(actor=user, screening=obj, channel=channel)


SCREENINGS = ScreeningReads(Screening, "identification.screening", related=("case", "institution"),
                            section=NARRATIVE, check_each=True, order=("-created_at", "-id"))
DECISIONS = Reads(IdentificationDecision, "identification.decision", related=("case", "institution"),
                  order=("-decided_on", "-id"))
