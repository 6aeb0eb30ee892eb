"""Reads of the daily work: the work list ("My work"), the tasks and approvals of a case, the approval queue.

The work list gathers, from the apps that own them, what is due: statutory identification deadlines
(nicat.identification.services.case_deadlines), referrals waiting for an answer (either side), plan
reviews, stays ending, residence permits expiring and reflection periods ending (nicat.assistance),
follow-ups, tasks, approvals waiting for the user as a supervisor, and — for the Main Department's
coordinators — the national queue of cases referred for identification. Every item carries the case
reference; the person's name only where the access policy shows the identity section to the user.
"""
import datetime
from dataclasses import dataclass, field

from django.db.models import Q, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nicat.access import policy, predicates
from nicat.accounts.models import Role
from nicat.audit import services as audit
from nicat.core import casepage
from nicat.core.calendar import baku_date, baku_today
from nicat.core.reads import Reads
from nicat.core.services import require_visible
from nicat.work.models import Approval, ApprovalStatus, CaseTeam, Task

KINDS = {
    "task": _("Task"),
    "follow_up": _("Follow-up"),
    "identification_referral": _("Refer to the Main Department for identification"),
    "identification_decision": _("Waiting for the identification decision"),
    "residence_permit": _("Offer the temporary residence permit"),
    "reflection_ending": _("Reflection period ends"),
    "referral_answer": _("Answer a referral"),
    "referral_waiting": _("Referral waiting for the other institution's answer"),
    "plan_review": _("Review the rehabilitation plan"),
    "stay_ending": _("Stay ends"),
    "permit_expiring": _("Residence permit expires"),
    "approval": _("Approval requested"),
    "consent_withdrawal_wish": _("The person withdraws a consent: act on it"),
}

WINDOWS = {
    "overdue": _("Overdue"),
    "today": _("Due today (and overdue)"),
    "week": _("This week (and overdue)"),
    "month": _("Next 30 days (and overdue)"),
    "all": _("Everything open"),
}
WINDOW_DAYS = {"overdue": -1, "today": 0, "week": 7, "month": 30, "all": None}
SCOPES = {
    "": _("Everything I may see"),
    "mine": _("Assigned to me"),
    "institution": _("My institution"),
}


@dataclass
class WorkItem:
    kind: str
    due: datetime.date
    case: object = None
    link: str = ""
    institution_ids: frozenset = frozenset()  # the institutions the item belongs to
    assignee_id: int | None = None
    due_at: datetime.datetime | None = None  # when the deadline has an hour
    name: str = ""  # filled for the page shown, only where the identity section is visible
    detail: str = ""
    overdue: bool = False
    extra: dict = field(default_factory=dict)
    safety_level: str = ""  # the case's current safety level (low, medium, high), where assessed

    @property
    def label(self):
        return KINDS[self.kind]

    @property
    def reference(self):
        return self.case.reference if self.case is not None else ""

    def is_overdue(self, now):
        """Past its hour when the deadline has one (a referral's answer), else past its day."""
        if self.due_at is not None:
            return self.due_at < now
        return self.due < baku_date(now)

    @property
    def sort_key(self):
        return (self.due, self.due_at or datetime.datetime.max.replace(tzinfo=datetime.UTC), self.reference)


def _horizon(window, today):
    days = WINDOW_DAYS.get(window, 7)
    return None if days is None else today + datetime.timedelta(days=days)


def _case_link(case):
    return reverse("cases:detail", args=[case.uuid])


def _items(user, today, horizon):
    from nicat.assistance.models import FollowUp, PermitStatus, PlanStatus, RehabilitationPlan, ResidencePermit, Stay
    from nicat.assistance.services.shelters import is_facility_staff
    from nicat.cases.models import CLOSED_STATUSES, Case, TraffickingStatus
    from nicat.identification.models import Identification, IdentificationStatus
    from nicat.identification.services import case_deadlines
    from nicat.referrals.models import Referral, Status
    from nicat.referrals.selectors import awaiting_legal_basis_q

    def within(qs, name):
        return qs if horizon is None else qs.filter(**{f"{name}__lte": horizon})

    ids = policy.case_institution_ids(user)
    items = []
    owner = lambda case: frozenset({case.owner_institution_id})  # noqa: E731

    # tasks and follow-ups on the cases the user sees
    tasks = within(Task.objects.visible_to(user).filter(done_at__isnull=True, due_on__isnull=False), "due_on")
    for t in tasks.select_related("case"):
        items.append(WorkItem(t.kind, t.due_on, t.case, reverse("work:task", args=[t.uuid]),
                              frozenset({t.institution_id, t.case.owner_institution_id}), t.assigned_to_id))
    # follow-ups after return or leaving a shelter (nicat.assistance)
    for f in within(FollowUp.objects.visible_to(user).filter(done_on__isnull=True), "due_on").select_related("case"):
        items.append(WorkItem("follow_up", f.due_on, f.case, _case_link(f.case) + "#return", owner(f.case)))
    # statutory identification deadlines of open cases that are still to be referred or whose permit is due
    visible = Case.objects.visible_to(user).exclude(status__in=CLOSED_STATUSES)
    candidates = (visible.filter(trafficking_status=TraffickingStatus.POSSIBLE)
                  .exclude(owner_institution__is_competent_authority=True)
                  .filter(Q(identification__isnull=True) | Q(identification__referred_at__isnull=True))
                  ) | visible.filter(identification__status=IdentificationStatus.RECOGNISED,
                                     identification__residence_permit_discussed_on__isnull=True)
    candidates = (candidates.select_related("owner_institution", "person", "identification__decision")
                  .prefetch_related("person__citizenships").distinct())
    for case in candidates:  # everything case_deadlines reads is loaded here: no query per case
        try:
            identification = case.identification
        except Identification.DoesNotExist:
            identification = None
        for d in case_deadlines(case, identification=identification):
            if d.state not in ("due", "overdue") or d.kind not in ("referral", "residence_permit"):
                continue
            due = baku_date(d.due) if isinstance(d.due, datetime.datetime) else d.due
            if horizon is not None and due > horizon:
                continue
            kind = "identification_referral" if d.kind == "referral" else "residence_permit"
            items.append(WorkItem(kind, due, case, _case_link(case) + "#identification", owner(case),
                                  due_at=d.due if isinstance(d.due, datetime.datetime) else None))
    # referrals: ours to answer, and ours waiting for an answer
    referrals = (Referral.objects.visible_to(user).filter(status=Status.PENDING).exclude(awaiting_legal_basis_q())
                 .select_related("case"))
    if horizon is not None:
        end = timezone.make_aware(datetime.datetime.combine(horizon, datetime.time.max))
        referrals = referrals.filter(deadline_at__lte=end)
    for r in referrals.filter(Q(to_institution_id__in=ids) | Q(from_institution_id__in=ids)):
        incoming = r.to_institution_id in ids
        items.append(WorkItem("referral_answer" if incoming else "referral_waiting", baku_date(r.deadline_at), r.case,
                              reverse("referrals:detail", args=[r.uuid]),
                              frozenset({r.to_institution_id if incoming else r.from_institution_id}),
                              due_at=r.deadline_at))
    # the rehabilitation plan's next review
    plans = within(RehabilitationPlan.objects.visible_to(user).filter(
        status__in=[PlanStatus.DRAFT, PlanStatus.AGREED], next_review_on__isnull=False), "next_review_on")
    for p in plans.select_related("case"):
        items.append(WorkItem("plan_review", p.next_review_on, p.case, _case_link(p.case) + "#plan",
                              frozenset({p.institution_id})))
    # stays ending at the facilities where the user works
    stays = within(Stay.objects.visible_to(user).filter(ended_at__isnull=True), "planned_end").select_related(
        "case", "facility__institution")
    for s in stays:
        if is_facility_staff(user, s.facility):
            items.append(WorkItem("stay_ending", s.planned_end, s.case,
                                  reverse("assistance:facility", args=[s.facility.uuid]),
                                  frozenset({s.facility.institution_id})))
    # residence permits expiring, and reflection periods ending before a permit was asked for
    permits = within(ResidencePermit.objects.visible_to(user).filter(status=PermitStatus.GRANTED,
                                                                     expires_on__isnull=False), "expires_on")
    for p in permits.select_related("case"):
        items.append(WorkItem("permit_expiring", p.expires_on, p.case, _case_link(p.case) + "#permit", owner(p.case)))
    for p in ResidencePermit.objects.visible_to(user).filter(status=PermitStatus.NOT_REQUESTED).select_related("case"):
        end = p.reflection_period_ends
        if end >= today - datetime.timedelta(days=30) and (horizon is None or end <= horizon):
            items.append(WorkItem("reflection_ending", end, p.case, _case_link(p.case) + "#permit", owner(p.case)))
    # the person told another institution she withdraws a consent it does not see: the owner acts on it
    from nicat.consent.models import WithdrawalWish

    for w in (WithdrawalWish.objects.visible_to(user)
              .filter(handled_at__isnull=True, case__owner_institution_id__in=list(ids)).select_related("case")):
        items.append(WorkItem("consent_withdrawal_wish", baku_date(w.created_at), w.case,
                              reverse("consent:wishes", args=[w.case.uuid]), owner(w.case), due_at=w.created_at))
    # approvals waiting for this user as a supervisor (never their own requests)
    supervised = _supervised(user)
    if supervised:
        for a in (Approval.objects.visible_to(user).filter(institution_id__in=supervised, status=ApprovalStatus.PENDING)
                  .exclude(requested_by=user).select_related("case")):
            items.append(WorkItem("approval", baku_date(a.requested_at), a.case,
                                  reverse("work:approval", args=[a.uuid]), frozenset({a.institution_id}),
                                  detail=a.get_kind_display()))
    # the Main Department's coordinators: the national queue of cases referred for identification
    competent = predicates.competent_authority_ids(user, predicates.COORDINATOR_ROLES)
    deciding = predicates.may_decide_status(user)
    # The queue of the authority where the user coordinates (a membership the user holds), not of the cases
    # they see: a coordinator dispatches what is referred to the authority.
    # Only referrals that rest on something: the person's valid consent or an approved legal basis
    # (identification.apps.referral_basis_q, the rule of the Main Department's access). One awaiting a supervisor's
    # approval of its legal basis, or whose consent was withdrawn, is not the authority's to decide.
    from nicat.identification.apps import referral_basis_q

    authorities = {m.institution_id: m.institution for m in policy.memberships(user) if m.institution_id in competent}
    for authority in authorities.values():
        rows = (Identification.objects.of(authority, via="referred_to").filter(
            status=IdentificationStatus.REFERRED, referred_at__isnull=False).filter(referral_basis_q(prefix=""))
            .select_related("case"))
        for row in rows:
            # an identification officer goes straight to the decision; a supervisor to the case
            link = (reverse("identification:decide", args=[row.case.uuid]) if deciding
                    else _case_link(row.case) + "#identification")
            items.append(WorkItem("identification_decision", baku_date(row.referred_at), row.case, link,
                                  frozenset({row.referred_to_id}),
                                  due_at=row.referred_at))
    return items


def _supervised(user):
    return {m.institution_id for m in policy.memberships(user) if m.role == Role.SUPERVISOR}


def team_rule(user, institution_ids):
    """Record rule (WorkConfig.ready()): a user sees the case teams they are on."""
    return Q(pk__in=policy.rule_table(CaseTeam).filter(Q(worker_id=user.pk) | Q(members__id=user.pk)).values("pk"))


def _mine(user, items):
    case_ids = {i.case.pk for i in items if i.case is not None}
    teams = CaseTeam.objects.visible_to(user).filter(case_id__in=case_ids).filter(
        Q(worker=user) | Q(members=user)).values_list("case_id", flat=True)
    my_cases = set(teams)
    return [i for i in items if (i.assignee_id == user.pk) or (
        i.assignee_id is None and i.case is not None and i.case.pk in my_cases)]


def work_list(*, user, kind="", window="week", scope="", today=None):
    """Everything due for `user`, most urgent first (overdue, oldest first; then by due day and hour).
    `kind`: one of KINDS (or all); `window`: one of WINDOWS; `scope`: "" | "mine" | "institution"."""
    if not policy.can_work_on_cases(user):
        return []
    now = timezone.now()
    today = today or baku_today(now)
    items = _items(user, today, _horizon(window, today))
    for item in items:
        item.overdue = item.is_overdue(now)
    if window == "overdue":
        items = [i for i in items if i.overdue]
    if kind:
        items = [i for i in items if i.kind == kind]
    if scope == "mine":
        items = _mine(user, items)
    elif scope == "institution":
        ids = policy.case_institution_ids(user)
        items = [i for i in items if i.institution_ids & ids]
    items.sort(key=lambda i: i.sort_key)
    return items


def with_names(*, user, items, channel="web"):
    """Fill in the person's name where the identity section is visible to `user`; audited as one read of
    the work list (the cases shown, by uuid and reference, and how many names)."""
    from nicat.access import sections
    from nicat.safety.selectors import levels

    named = 0
    visible = set(policy.visible_cases(user).filter(pk__in={i.case.pk for i in items if i.case is not None})
                  .values_list("pk", flat=True))
    safety = levels(visible, user=user)  # the current safety level beside each case (issue 17)
    named_cases = []
    for item in items:
        case = item.case
        if case is not None and case.pk in visible:
            policy.note_case_visible(user, case)  # just read through visible_cases: no query per case
            if policy.can_see_section(user, case, sections.IDENTITY):
                named_cases.append(case)
    # The persons of the cases named on the page in one query (most items hold their case without its person).
    prefetch_related_objects(named_cases, "person")
    named_ids = {id(case) for case in named_cases}
    for item in items:
        case = item.case
        item.safety_level = safety.get(case.pk, "") if case is not None else ""
        if case is not None and id(case) in named_ids:
            item.name = case.person.full_name
            named += 1
        else:
            item.name = ""
            if case is not None and case.pk not in visible:
                item.link = ""
    # The cases by uuid, as every list names them: each case's access trail (audit.selectors) finds this read.
    audit.record(actor=user, action="work.list", details={
        "channel": channel, "shown": len(items), "names": named,
        "cases": sorted({str(i.case.uuid) for i in items if i.case is not None}),
        "references": sorted({i.reference for i in items if i.reference})})
    return items


# --- a case's work: its team, tasks and approvals ------------------------------------------------------------------


def case_work(*, user, case):
    """The case's worker and team, open and done tasks, and approvals (the case page's work panel)."""
    if not casepage.is_page(case, user):  # the case page's case was just read through the reader's scope
        require_visible(user, case)
    team = CaseTeam.objects.of(case).select_related("worker").prefetch_related("members").first()
    tasks = list(Task.objects.visible_to(user).filter(case=case).select_related("assigned_to", "institution",
                                                                                  "done_by"))
    approvals = list(Approval.objects.visible_to(user).filter(case=case).select_related(
        "requested_by", "decided_by", "institution"))
    return {"team": team, "tasks": [t for t in tasks if not t.is_done], "done_tasks": [t for t in tasks if t.is_done],
            "approvals": approvals}


def task(*, user, task_uuid):
    from django.http import Http404

    row = Task.objects.visible_to(user).select_related("case", "assigned_to", "institution", "created_by",
                                                       "done_by").filter(uuid=task_uuid).first()
    if row is None:
        raise Http404
    audit.record(actor=user, action="task.view", obj=row, case=row.case)
    return row


def approval_queue(*, user, status=ApprovalStatus.PENDING):
    """The approvals of the institutions where `user` is a supervisor, and the user's own requests, on the cases
    the user sees now."""
    supervised = _supervised(user)
    return (Approval.objects.visible_to(user).filter(Q(institution_id__in=supervised) | Q(requested_by=user))
            .filter(status=status).select_related("case", "institution", "requested_by").order_by("requested_at"))


def approval(*, user, approval_uuid):
    """An approval to whoever sees its case now; else 404 (as another institution's approval)."""
    from django.http import Http404

    # visible_to: an approval is about its case and has no record rule of its own: a supervisor or a requester
    # whom an access-restriction order keeps from the case (or whose access ended) is answered 404.
    row = Approval.objects.visible_to(user).select_related("case", "institution", "requested_by",
                                                           "decided_by").filter(uuid=approval_uuid).first()
    if row is None:
        raise Http404
    audit.record(actor=user, action="approval.view", obj=row, case=row.case)
    return row


# --- the one read path of the API's resources (nicat.core.reads) ------------------------------------------


TASKS = Reads(Task, "task", related=("case", "assigned_to", "institution"))
APPROVALS = Reads(Approval, "approval", related=("case", "institution", "requested_by", "decided_by"))


def assignment_shown(*, user, case, channel):
    """The case's team (None: no one assigned yet), its reading recorded (`case.assignment_view`)."""
    team = CaseTeam.objects.of(case).prefetch_related("members").select_related("worker").first()
    audit.record(actor=user, action="case.assignment_view", obj=team, case=case, details={"channel": channel})
    return team
