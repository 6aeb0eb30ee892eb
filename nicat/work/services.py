"""Changes to the daily work: assigning a case, tasks and follow-ups, approvals and their settings, the
notices of break-glass openings and approaching deadlines. Each is one audited transaction; records that
several people edit carry a version (nicat.core.services)."""
import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from nicat.access import policy
from nicat.accounts.models import CASE_ROLES, Role, User, in_effect_q
from nicat.audit import services as audit
from nicat.core import approvals as gates
from nicat.core.calendar import baku_today
from nicat.core.errors import ConcurrentEdit, NotAllowed
from nicat.core.services import check_version, expected_version, require_visible, snapshot
from nicat.referrals.models import NotificationKind
from nicat.referrals.notify import notify_institution, notify_users
from nicat.work.models import (
    Approval,
    ApprovalKind,
    ApprovalSetting,
    ApprovalStatus,
    CaseTeam,
    DeadlineReminder,
    Task,
    TaskKind,
)

MAX_TITLE = 500
MAX_NOTE = 5000


def case_link(case):
    return reverse("cases:detail", args=[case.uuid])


def _text(value):
    return (value or "").strip()


def works_at(user, institution):
    """`user` holds a case-working role in effect at `institution`."""
    return bool(user and user.is_active) and user.memberships.in_effect().filter(
        institution=institution, role__in=list(CASE_ROLES)).exists()


def is_supervisor_at(user, institution):
    return institution is not None and policy.has_role_at(user, Role.SUPERVISOR, institution)


def staff_of(institution):
    """Active case-working staff of `institution` (the people a case there can be assigned to)."""
    return (User.objects.filter(in_effect_q("memberships__"), is_active=True, memberships__institution=institution,
                                memberships__role__in=list(CASE_ROLES)).distinct().order_by("last_name", "username"))


# --- the case's worker and team --------------------------------------------------------------------------------


def team_of(case):
    return CaseTeam.objects.of(case).prefetch_related("members").select_related("worker").first()


def may_assign(user, case):
    """A supervisor of the owning institution assigns anyone of it."""
    return is_supervisor_at(user, case.owner_institution)


_READ = object()  # may_take(team=...) not given: read it (None: the case has no team)


def may_take(user, case, team=_READ):
    """Anyone working on cases at the owning institution may take a case nobody is assigned to (themselves
    only): a case is never left without a worker because the supervisor is away. `team`: the case's team
    as already read (None when it has none), else it is read here."""
    team = team_of(case) if team is _READ else team
    if team is not None and team.worker_id is not None:
        return False
    # The reader's memberships in effect are already read (the access policy's, the same rule as works_at).
    owner = case.owner_institution_id
    return bool(user and user.is_active) and any(m.institution_id == owner and m.role in CASE_ROLES
                                                 for m in policy.memberships(user))


def assign_case(*, actor, case, worker, members=(), version):
    """Set the case's assigned worker and team (users of the owning institution only). A supervisor of
    the owning institution may set anyone; anyone else of it may only take an unassigned case for
    themselves (`worker=actor`, team unchanged). `version`: of the team as read (0 when there was none)."""
    require_visible(actor, case)
    given = expected_version(version)
    members = list(dict.fromkeys(m for m in members if m is not None))
    with transaction.atomic():
        team = CaseTeam.objects.of(case).select_for_update().first()
        if team is None:
            if given != 0:
                raise ValidationError({"version": _("Give the version of the team you read (0 when the case had "
                                                    "none).")})
            try:
                with transaction.atomic():
                    team = CaseTeam.objects.create(case=case, version=0)
            except IntegrityError:  # someone else created it a moment ago
                raise ValidationError(_("Someone else assigned this case a moment ago. Reload the page.")) from None
        else:
            check_version(team.version, given)
        supervisor = may_assign(actor, case)
        if not supervisor:
            if not (may_take(actor, case, team) and worker is not None and worker.pk == actor.pk):
                raise NotAllowed
            members = list(team.members.all())
        errors = {}
        if worker is not None and not works_at(worker, case.owner_institution):
            errors["worker"] = _("Only someone who works on cases at %(institution)s can be the case's worker.") % {
                "institution": case.owner_institution}
        if any(not works_at(m, case.owner_institution) for m in members):
            errors["members"] = _("The team can hold only people who work on cases at %(institution)s.") % {
                "institution": case.owner_institution}
        if errors:
            raise ValidationError(errors)
        before = {"worker": str(team.worker.uuid) if team.worker else None,
                  "members": sorted(str(u.uuid) for u in team.members.all())}
        team.worker = worker
        team.version += 1
        team.updated_by, team.updated_at = actor, timezone.now()
        team.save()
        team.members.set(members)
        after = {"worker": str(worker.uuid) if worker else None, "members": sorted(str(u.uuid) for u in members)}
        audit.record(actor=actor, action="case.assign", obj=team, case=case, institution=case.owner_institution,
                     changes=audit.diff(CaseTeam, before, after),
                     details={"taken": not supervisor})
        if worker is not None and before["worker"] != after["worker"]:
            notify_users(users=[worker], kind=NotificationKind.CASE_ASSIGNED, case_reference=case.reference,
                         link=case_link(case), institution=case.owner_institution, exclude=actor)
    return team


# --- tasks and follow-ups ----------------------------------------------------------------------------------------

TASK_FIELDS = ("kind", "title", "assigned_to", "institution", "due_on", "done_at", "outcome")


def _task_institution(actor, assignee, case):
    """The institution responsible for the task: the assignee's (the one through which they see the case),
    else the creator's."""
    if assignee is not None:
        institution = policy.institution_on(assignee, case)  # the owner first
        if institution is not None:
            return institution
    return policy.acting_institution(actor, case=case)


def _check_assignee(case, assignee, errors):
    if assignee is None:
        return
    if not assignee.is_active or not policy.case_institution_ids(assignee):
        errors["assigned_to"] = _("This person cannot be given tasks: they do not work on cases.")
    elif not policy.visible_cases(assignee).filter(pk=case.pk).exists():
        errors["assigned_to"] = _("This person's institution does not see this case, so they cannot be given a "
                                  "task on it. Refer the case first, or choose someone who works on it.")


def _clean_task(data, errors, today):
    title = _text(data.get("title"))
    if not title:
        errors["title"] = _("Write what is to be done.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _("Keep it under 500 characters; details belong in the case notes.")
    kind = data.get("kind") or TaskKind.TASK
    if kind not in TaskKind.values:
        errors["kind"] = _("Choose a task or a follow-up.")
    due_on = data.get("due_on")
    if isinstance(due_on, datetime.datetime):
        due_on = due_on.date()
    if kind == TaskKind.FOLLOW_UP and due_on is None:
        errors["due_on"] = _("A follow-up needs the day it is due.")
    if due_on is not None and due_on < today - datetime.timedelta(days=366):
        errors["due_on"] = _("This due date is more than a year ago. Check the year.")
    return title, kind, due_on


def create_task(*, actor, case, data):
    """A task or follow-up on a case the actor sees, optionally assigned to someone whose institution sees
    the case. `data`: kind, title, due_on, assigned_to (a User or None)."""
    require_visible(actor, case)
    if not policy.can_work_on_cases(actor):
        raise NotAllowed
    errors = {}
    title, kind, due_on = _clean_task(data, errors, baku_today())
    assignee = data.get("assigned_to")
    _check_assignee(case, assignee, errors)
    if case.is_closed:
        errors["__all__"] = _("The case is closed. Reopen it before planning more work on it.")
    if errors:
        raise ValidationError(errors)
    institution = _task_institution(actor, assignee, case)
    with transaction.atomic():
        task = Task.objects.create(case=case, kind=kind, title=title, assigned_to=assignee,
                                   institution=institution, due_on=due_on, created_by=actor)
        audit.record(actor=actor, action="task.create", obj=task, case=case, institution=policy.acting_institution(actor, case=case),
                     changes=audit.diff(Task, {}, snapshot(task, TASK_FIELDS)))
        if assignee is not None:
            notify_users(users=[assignee], kind=NotificationKind.TASK_ASSIGNED, case_reference=case.reference,
                         link=reverse("work:task", args=[task.uuid]), institution=institution, exclude=actor)
    return task


def may_change_task(user, task):
    """The assignee, the creator, and the staff of the task's institution or of the case's owner."""
    if user.pk in (task.assigned_to_id, task.created_by_id):
        return True
    ids = policy.case_institution_ids(user)
    return task.institution_id in ids or task.case.owner_institution_id in ids


def _task_for_change(actor, task, version):
    require_visible(actor, task)
    if not may_change_task(actor, task):
        raise NotAllowed
    given = expected_version(version)
    locked = Task.objects.row(task).select_for_update().get()
    check_version(locked.version, given)
    return locked


def update_task(*, actor, task, data, version):
    """Change what, when and who (re-assigning notifies the new assignee)."""
    errors = {}
    title, kind, due_on = _clean_task(data, errors, baku_today())
    assignee = data.get("assigned_to")
    _check_assignee(task.case, assignee, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _task_for_change(actor, task, version)
        if locked.is_done:
            raise ValidationError(_("This task is done. Create a new one for more work."))
        before = snapshot(locked, TASK_FIELDS)
        reassigned = assignee is not None and assignee.pk != locked.assigned_to_id
        locked.title, locked.kind, locked.due_on, locked.assigned_to = title, kind, due_on, assignee
        locked.institution = _task_institution(actor, assignee, locked.case)
        locked.version += 1
        locked.save()
        audit.record(actor=actor, action="task.update", obj=locked, case=locked.case,
                     institution=policy.acting_institution(actor, case=locked.case),
                     changes=audit.diff(Task, before, snapshot(locked, TASK_FIELDS)))
        if reassigned:
            notify_users(users=[assignee], kind=NotificationKind.TASK_ASSIGNED, case_reference=locked.case.reference,
                         link=reverse("work:task", args=[locked.uuid]), institution=locked.institution,
                         exclude=actor)
    return locked


def complete_task(*, actor, task, outcome="", version):
    outcome = _text(outcome)
    if len(outcome) > MAX_NOTE:
        raise ValidationError({"outcome": _("The outcome is longer than 5,000 characters. Shorten it.")})
    with transaction.atomic():
        locked = _task_for_change(actor, task, version)
        if locked.is_done:
            raise ValidationError(_("This task was already marked done."))
        before = snapshot(locked, TASK_FIELDS)
        locked.done_at, locked.done_by, locked.outcome = timezone.now(), actor, outcome
        locked.version += 1
        locked.save()
        audit.record(actor=actor, action="task.complete", obj=locked, case=locked.case,
                     institution=policy.acting_institution(actor, case=locked.case),
                     changes=audit.diff(Task, before, snapshot(locked, TASK_FIELDS)))
    return locked


# --- approvals -----------------------------------------------------------------------------------------------------


def setting_for(institution):
    return ApprovalSetting.objects.filter(institution=institution).first() or ApprovalSetting(
        institution=institution, version=0)


def update_settings(*, actor, institution, data, version):
    """A supervisor of `institution` chooses which actions need a supervisor's approval there."""
    if not is_supervisor_at(actor, institution):
        raise NotAllowed
    given = expected_version(version)
    with transaction.atomic():
        row = ApprovalSetting.objects.select_for_update().filter(institution=institution).first()
        if row is None:
            if given != 0:
                raise ValidationError({"version": _("Someone else changed these settings. Reload the page.")})
            row = ApprovalSetting(institution=institution, version=0)
        else:
            check_version(row.version, given)
        before = {k: getattr(row, k) for k in ApprovalSetting.KINDS}
        for kind in ApprovalSetting.KINDS:
            setattr(row, kind, bool(data.get(kind)))
        row.version += 1
        row.updated_by, row.updated_at = actor, timezone.now()
        if row.pk is None:
            try:
                with transaction.atomic():
                    row.save()
            except IntegrityError:  # another supervisor saved the first settings a moment ago (no row to lock)
                raise ConcurrentEdit() from None
        else:
            row.save()
        audit.record(actor=actor, action="approval.settings", obj=row, institution=institution,
                     changes=audit.diff(ApprovalSetting, before, {k: getattr(row, k) for k in ApprovalSetting.KINDS}))
    return row


def approval_link(approval):
    return reverse("work:approval", args=[approval.uuid])


def approval_gate(*, actor, kind, institution, case, target, payload, approval=None):
    """The gate registered with nicat.core.approvals (see there)."""
    if approval is not None:
        if (approval.status != ApprovalStatus.APPROVED or approval.kind != kind
                or str(approval.target) != str(target.uuid)):
            raise ValidationError(_("This approval does not cover this action."))
        return
    if institution is None or not setting_for(institution).requires(kind):
        return
    with transaction.atomic():
        # The case row locked first: two requests at the same moment (two colleagues, a double click) must not
        # both find none waiting and file two approvals of the same action.
        type(case).objects.row(case).select_for_update().first()
        waiting = Approval.objects.of(case).filter(kind=kind, target=target.uuid,
                                                  status=ApprovalStatus.PENDING).first()
        if waiting is not None:
            raise ValidationError(_("This already waits for a supervisor's approval (asked on %(day)s). Nothing "
                                    "was changed.") % {"day": timezone.localtime(waiting.requested_at)
                                                       .strftime("%Y-%m-%d %H:%M")})
        request = Approval.objects.create(case=case, institution=institution, kind=kind,
                                          target=target.uuid, payload=payload, requested_by=actor)
        audit.record(actor=actor, action="approval.request", obj=request, case=case, institution=institution,
                     details={"kind": kind, "target": str(target.uuid)})
        # A supervisor an access-restriction order keeps from the case is not told of it (notify_institution).
        notify_institution(institution=institution, kind=NotificationKind.APPROVAL_REQUESTED,
                           case_reference=case.reference, link=approval_link(request), exclude=actor,
                           roles=[Role.SUPERVISOR])
    raise gates.ApprovalPending(
        _("Sent for approval: %(what)s takes effect when a supervisor of %(institution)s approves it. You will be "
          "notified.") % {"what": ApprovalKind(kind).label, "institution": institution}, request.uuid)


def may_decide(user, approval):
    """A supervisor of the approving institution who sees the case now (an access-restriction order that keeps
    them from it keeps them from its approvals too), never the one who asked."""
    return (approval.requested_by_id != user.pk and is_supervisor_at(user, approval.institution)
            and policy.visible_cases(user).filter(pk=approval.case_id).exists())


def _carry_out(approval, actor, note):
    """The approved action, done now as the requester asked it (break-glass: the approver's review)."""
    from nicat.assistance import services as assistance
    from nicat.assistance.models import PlanGoal, RehabilitationPlan, Stay

    p = approval.payload or {}
    requester = approval.requested_by
    if approval.kind == ApprovalKind.PLAN:
        plan = RehabilitationPlan.objects.of(approval.case).get(uuid=approval.target)
        declined = list(PlanGoal.objects.of(plan).filter(uuid__in=p.get("declined_goals", [])))
        assistance.record_agreement(actor=requester, plan=plan, declined_goals=declined, note=p.get("note", ""),
                                    expected_version=p.get("version"), approval=approval)
    elif approval.kind == ApprovalKind.CASE_CLOSE:
        case = type(approval.case).objects.row(approval.case).get()
        assistance.close_case(actor=requester, case=case, closure_reason=p.get("closure_reason", ""),
                              status=p.get("status"), expected_version=p.get("version"), approval=approval)
    elif approval.kind == ApprovalKind.STAY_EXTENSION:
        stay = Stay.objects.of(approval.case).select_related("facility", "case").get(uuid=approval.target)
        assistance.extend_stay(actor=requester, stay=stay, reason=p.get("reason", ""),
                               expected_version=p.get("version"), approval=approval)
    elif approval.kind == ApprovalKind.BREAK_GLASS:
        from nicat.access.models import BreakGlass
        from nicat.access.services import review_break_glass

        opening = BreakGlass.objects.of(approval.case).get(uuid=approval.target)
        if opening.reviewed_at is None:
            review_break_glass(actor=actor, opening=opening, note=note)


def decide_approval(*, actor, approval, approve, note="", version):
    """Approve (and carry out) or refuse a pending request. Audited; the requester is notified."""
    note = _text(note)
    if not may_decide(actor, approval):
        raise NotAllowed
    if not approve and len(note) < 3:
        raise ValidationError({"note": _("Say why it is not approved, so that the requester can act on it.")})
    if approval.kind == ApprovalKind.BREAK_GLASS and len(note) < 3:
        raise ValidationError({"note": _("Write what you found: was the opening justified?")})
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": _("The note is longer than 5,000 characters. Shorten it.")})
    given = expected_version(version)
    with transaction.atomic():
        locked = Approval.objects.row(approval).select_for_update(of=("self",)).select_related(
            "case", "requested_by").get()
        check_version(locked.version, given)
        if locked.status != ApprovalStatus.PENDING:
            raise ValidationError(_("This request was already decided."))
        locked.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REFUSED
        locked.decided_by, locked.decided_at, locked.note = actor, timezone.now(), note
        locked.version += 1
        locked.save()
        audit.record(actor=actor, action="approval.approve" if approve else "approval.refuse", obj=locked,
                     case=locked.case, institution=locked.institution,
                     changes=audit.diff(Approval, {"status": ApprovalStatus.PENDING, "note": ""},
                                        {"status": locked.status, "note": note}),
                     details={"kind": locked.kind, "target": str(locked.target)})
        if approve:
            try:
                with transaction.atomic():
                    _carry_out(locked, actor, note)
            except NotAllowed:
                raise ValidationError(_("The person who asked may no longer do this (their role or the case "
                                        "changed). Refuse the request; they can ask again.")) from None
        if locked.requested_by is not None and locked.kind != ApprovalKind.BREAK_GLASS:
            notify_users(users=[locked.requested_by],
                         kind=NotificationKind.APPROVAL_GIVEN if approve else NotificationKind.APPROVAL_REFUSED,
                         case_reference=locked.case.reference, link=approval_link(locked),
                         institution=locked.institution, exclude=actor)
    return locked


# --- break-glass: the owner institution is told, and reviews when it asked to ------------------------------------


def on_break_glass(opening):
    """Listener of nicat.access: in the opening's transaction, tell the owner institution's case-working
    staff (reference and link only), and file the review when the owner wants every opening reviewed."""
    case = opening.case
    owner = case.owner_institution
    notify_institution(institution=owner, kind=NotificationKind.BREAK_GLASS_OPENED, case_reference=case.reference,
                       link=case_link(case), exclude=opening.user)
    if setting_for(owner).requires(gates.BREAK_GLASS):
        request = Approval.objects.create(case=case, institution=owner, kind=ApprovalKind.BREAK_GLASS,
                                          target=opening.uuid, payload={}, requested_by=opening.user)
        audit.record(actor=opening.user, action="approval.request", obj=request, case=case, institution=owner,
                     details={"kind": ApprovalKind.BREAK_GLASS, "target": str(opening.uuid)})


# --- deadlines approaching (a system job: `nicat work_reminders`) --------------------------------------------------


def send_deadline_reminders(*, today=None, days=1):
    """Notify, once per deadline, the people concerned by work due within `days` days (or overdue and never
    reminded): tasks and follow-ups (the assignee, else the task's institution) and stays ending
    (the facility's staff). Returns the number of reminders sent."""
    from nicat.assistance.models import Stay

    today = today or baku_today()
    horizon = today + datetime.timedelta(days=days)
    sent = 0
    tasks = (_due_anywhere(Task).filter(done_at__isnull=True, due_on__isnull=False, due_on__lte=horizon)
             .select_related("case", "assigned_to", "institution"))
    for task in tasks:
        if not _remember(f"task:{task.uuid}:{task.due_on.isoformat()}"):
            continue
        link = reverse("work:task", args=[task.uuid])
        if task.assigned_to is not None and _still_sees(task.assigned_to, task.case):
            notify_users(users=[task.assigned_to], kind=NotificationKind.DEADLINE_APPROACHING,
                         case_reference=task.case.reference, link=link, institution=task.institution)
        else:
            notify_institution(institution=task.institution, kind=NotificationKind.DEADLINE_APPROACHING,
                               case_reference=task.case.reference, link=link)
        sent += 1
    stays = (_due_anywhere(Stay).filter(ended_at__isnull=True, planned_end__lte=horizon)
             .select_related("case", "facility__institution"))
    for stay in stays:
        if not _remember(f"stay:{stay.uuid}:{stay.planned_end.isoformat()}"):
            continue
        notify_institution(institution=stay.facility.institution, kind=NotificationKind.DEADLINE_APPROACHING,
                           case_reference=stay.case.reference, link=case_link(stay.case))
        sent += 1
    return sent


def _still_sees(user, case):
    """The assignee of a task still works where the case is seen (their role there not ended, the referral not
    ended): else the reminder goes to the task's institution, which must act on it, not to someone who left."""
    return user.is_active and policy.visible_cases(user).filter(pk=case.pk).exists()


def _due_anywhere(model):
    return model.objects.system()  # whole table: the reminder job sweeps every institution's deadlines


def _remember(key):
    """True the first time `key` is seen (the reminder is then sent), False afterwards."""
    try:
        with transaction.atomic():
            DeadlineReminder.objects.create(key=key)
    except IntegrityError:
        return False
    return True
