"""The individual social rehabilitation plan: goals in the seven areas, actions, the person's
agreement (a person may decline any part), reviews — and the log of services delivered.

No measure against the person's will: a goal the person declines is recorded as declined and
nothing is planned or delivered under it; agreeing to the plan passes the consent gate for the
service of every goal the person accepts.
"""
import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from nicat.access import policy
from nicat.assistance import conf, eligibility
from nicat.assistance.models import (
    OPEN_GOAL_STATUSES,
    SERVICE_KINDS,
    ActionStatus,
    Area,
    AuthorisedStateBody,
    GoalStatus,
    PlanAction,
    PlanGoal,
    PlanReview,
    PlanStatus,
    RehabilitationPlan,
    ServiceDelivery,
)
from nicat.assistance.services._common import (
    MEDICAL_KINDS,
    PLAN_ROLES,
    SERVICE_ROLES,
    atomic_edit,
    bump_version,
    not_in_future,
    require_case_role,
    require_section,
    require_service_consent,
    snapshot,
    text,
)
from nicat.audit import services as audit
from nicat.core import approvals as gates
from nicat.directory.models import AUTHORISED_ONLY_SERVICES, ServiceKind

GOAL_FIELDS = ("area", "description", "responsible_institution", "due_on", "status", "outcome")
ACTION_FIELDS = ("description", "responsible_institution", "due_on", "status", "outcome")
SERVICE_FIELDS = ("kind", "description", "provider", "staff_name", "delivered_at", "duration_minutes", "goal")
MAX_SERVICE_MINUTES = 24 * 60


def _require_open_plan(plan):
    if plan.status == PlanStatus.CLOSED:
        raise ValidationError({"plan": _("The plan was closed by its final review. Nothing more can be added.")})


def _require_institution(value, field):
    if value is None:
        raise ValidationError({field: _("Choose the institution responsible.")})
    if not value.active:
        raise ValidationError({field: _("%(name)s is no longer active. Choose another institution.")
                               % {"name": value.name}})


def _require_provider(institution, area, field="responsible_institution"):
    """The institution responsible for a goal or an action provides its service: only an authorised provider
    (the one rule of provider_authorisation: a private business never is)."""
    _require_institution(institution, field)
    allowed, reason = provider_authorisation(institution, area)
    if not allowed:
        raise ValidationError({field: reason})


def _require_health_section(actor, case, kind):
    """A psychological or medical goal, action or service belongs to the health section: who may not see it
    may not record, change or plan it."""
    if kind in MEDICAL_KINDS:
        require_section(actor, case, "medical")


def _require_consent_in_force(goal, provider=None):
    """Once the plan is agreed, new work under a goal needs the person's consent to its service, from the
    institution that provides it, still in force: a consent withdrawn since the agreement stops it."""
    if goal.plan.status == PlanStatus.AGREED:
        require_service_consent(case=goal.case, service=goal.area, provider=provider or goal.responsible_institution)


def create_plan(*, actor, case, next_review_on=None):
    institution = require_case_role(actor, case, PLAN_ROLES)
    answer = eligibility.rehabilitation_plan(case)
    if not answer:
        raise ValidationError({"case": answer.reason})
    next_review_on = next_review_on or timezone.localdate() + datetime.timedelta(
        days=conf.plan_review_interval_days())
    try:
        with transaction.atomic():
            plan = RehabilitationPlan.objects.create(case=case, institution=institution, created_by=actor,
                                                     next_review_on=next_review_on)
            audit.record(actor=actor, action="plan.create", obj=plan, case=case, institution=institution,
                         changes=audit.diff(RehabilitationPlan, {}, {"status": plan.status,
                                                                     "next_review_on": next_review_on}))
    except IntegrityError:
        raise ValidationError({"case": _("This case already has a rehabilitation plan: there is one plan per "
                                         "case. Open it and add goals there.")}) from None
    return plan


def add_goal(*, actor, plan, area, description, responsible_institution, due_on=None):
    institution = require_case_role(actor, plan.case, PLAN_ROLES)
    _require_open_plan(plan)
    errors = {}
    if area not in Area.values:
        errors["area"] = _("Choose one of the seven areas of social rehabilitation.")
    if not text(description):
        errors["description"] = _("Describe the goal in a sentence the person would recognise.")
    if errors:
        raise ValidationError(errors)
    _require_health_section(actor, plan.case, area)
    _require_provider(responsible_institution, area)
    with transaction.atomic():
        # Lock the plan and check it again as stored: a final review closing it at the same moment either comes
        # first (and we refuse) or waits for this goal (and finds it open). Appending needs no version.
        _require_open_plan(RehabilitationPlan.objects.row(plan).select_for_update().get())
        goal = PlanGoal.objects.create(plan=plan, case=plan.case, area=area, description=text(description),
                                       responsible_institution=responsible_institution, due_on=due_on,
                                       created_by=actor)
        audit.record(actor=actor, action="plan.goal_add", obj=goal, case=plan.case, institution=institution,
                     changes=audit.diff(PlanGoal, {}, snapshot(goal, GOAL_FIELDS)))
    return goal


def update_goal(*, actor, goal, data, expected_version):
    """Change a goal's status, outcome, due date or responsible institution (not to "declined": see decline_goal)."""
    institution = require_case_role(actor, goal.case, PLAN_ROLES)
    _require_health_section(actor, goal.case, goal.area)
    plan = goal.plan
    _require_open_plan(plan)
    if goal.is_declined:
        raise ValidationError({"status": _("The person declined this goal; it stays declined. If they now want "
                                           "it, add it again and record their agreement.")})
    status = data.get("status", goal.status)
    if status not in GoalStatus.values or status == GoalStatus.DECLINED:
        raise ValidationError({"status": _("Choose planned, in progress, achieved or not achieved. To record that "
                                           "the person declines the goal, use “Declined by the person”.")})
    if status != GoalStatus.PLANNED and plan.status != PlanStatus.AGREED:
        raise ValidationError({"status": _("The plan has not been agreed with the person yet. Record their "
                                           "agreement before work on a goal starts.")})
    provider = data.get("responsible_institution", goal.responsible_institution)
    if "responsible_institution" in data or (status == GoalStatus.IN_PROGRESS and status != goal.status):
        # A new provider, or the work starting: still an authorised provider (an authorisation ends).
        _require_provider(provider, goal.area)
    if provider != goal.responsible_institution or (status == GoalStatus.IN_PROGRESS and status != goal.status):
        # Another provider, or the work starting: the person's consent to the service from it, in force now.
        _require_consent_in_force(goal, provider)
    with atomic_edit(goal):
        bump_version(PlanGoal, goal, expected_version)
        before = snapshot(goal, GOAL_FIELDS)
        for field in ("status", "outcome", "due_on", "responsible_institution", "description"):
            if field in data:
                setattr(goal, field, text(data[field]) if field in ("outcome", "description") else data[field])
        goal.save()
        audit.record(actor=actor, action="plan.goal_update", obj=goal, case=goal.case, institution=institution,
                     changes=audit.diff(PlanGoal, before, snapshot(goal, GOAL_FIELDS)))
    return goal


def _decline(goal, note):
    goal.status = GoalStatus.DECLINED
    goal.declined_at = timezone.now()
    if note:
        goal.outcome = note
    goal.save()
    # Nothing is done under a declined goal: its open actions are cancelled.
    # A new version for each, so that a change read before the decline cannot write over it.
    PlanAction.objects.of(goal).filter(status=ActionStatus.PLANNED).update(status=ActionStatus.CANCELLED,
                                                                           version=F("version") + 1)


def decline_goal(*, actor, goal, note="", expected_version):
    """The person declines this part of the plan. Respected: its planned actions are cancelled."""
    institution = require_case_role(actor, goal.case, PLAN_ROLES)
    _require_open_plan(goal.plan)
    if goal.is_declined:
        raise ValidationError({"status": _("This goal is already declined.")})
    with atomic_edit(goal):
        bump_version(PlanGoal, goal, expected_version)
        before = snapshot(goal, GOAL_FIELDS)
        _decline(goal, text(note))
        audit.record(actor=actor, action="plan.goal_decline", obj=goal, case=goal.case, institution=institution,
                     changes=audit.diff(PlanGoal, before, snapshot(goal, GOAL_FIELDS)))
    return goal


def add_action(*, actor, goal, description, responsible_institution, due_on=None):
    institution = require_case_role(actor, goal.case, PLAN_ROLES)
    _require_health_section(actor, goal.case, goal.area)
    _require_open_plan(goal.plan)
    if goal.is_declined:
        raise ValidationError({"goal": _("The person declined this goal. No action is planned under a declined "
                                         "goal: their decision is respected.")})
    if goal.status not in OPEN_GOAL_STATUSES:
        raise ValidationError({"goal": _("This goal is finished (%(status)s). Add a new goal for new work.")
                               % {"status": goal.get_status_display()}})
    if not text(description):
        raise ValidationError({"description": _("Describe the action: what will be done.")})
    _require_provider(responsible_institution, goal.area)
    _require_consent_in_force(goal)
    with transaction.atomic():
        # Lock the goal: a decline at the same moment either comes first (and we refuse) or after.
        locked = PlanGoal.objects.row(goal).select_for_update().get()
        if locked.is_declined:
            raise ValidationError({"goal": _("The person declined this goal a moment ago. Nothing was added.")})
        if locked.status not in OPEN_GOAL_STATUSES:  # finished by a colleague since it was read
            raise ValidationError({"goal": _("This goal is finished (%(status)s). Add a new goal for new work.")
                                   % {"status": locked.get_status_display()}})
        action = PlanAction.objects.create(goal=goal, case=goal.case, description=text(description),
                                           responsible_institution=responsible_institution, due_on=due_on,
                                           created_by=actor)
        audit.record(actor=actor, action="plan.action_add", obj=action, case=goal.case, institution=institution,
                     changes=audit.diff(PlanAction, {}, snapshot(action, ACTION_FIELDS)))
    return action


def update_action(*, actor, action, status, outcome="", expected_version):
    institution = require_case_role(actor, action.case, PLAN_ROLES)
    _require_health_section(actor, action.case, action.goal.area)
    _require_open_plan(action.goal.plan)
    if status not in ActionStatus.values:
        raise ValidationError({"status": _("Choose planned, done, not done or cancelled.")})
    if action.goal.is_declined and status != ActionStatus.CANCELLED:
        raise ValidationError({"status": _("The person declined this goal; its actions stay cancelled.")})
    if status in (ActionStatus.PLANNED, ActionStatus.DONE) and status != action.status:
        # Planned again or done by its provider: still an authorised provider, as the service log asks.
        _require_provider(action.responsible_institution, action.goal.area)
    with atomic_edit(action):
        if status in (ActionStatus.PLANNED, ActionStatus.DONE) and status != action.status:
            # Planned again or done: the person's consent to the service from its provider, in force now.
            _require_consent_in_force(action.goal, action.responsible_institution)
        bump_version(PlanAction, action, expected_version)
        before = snapshot(action, ACTION_FIELDS)
        action.status, action.outcome = status, text(outcome) or action.outcome
        action.save()
        audit.record(actor=actor, action="plan.action_update", obj=action, case=action.case, institution=institution,
                     changes=audit.diff(PlanAction, before, snapshot(action, ACTION_FIELDS)))
    return action


def cancel_for_withdrawn_consent(*, actor, consent):
    """Withdrawal handler (AssistanceConfig.ready()), inside the withdrawal's transaction: the planned actions
    of the case's plan that the withdrawn consent to a service covered (its service, a provider it named or
    any), and that no other consent in force still covers, are cancelled — each audited."""
    from nicat.consent.models import Purpose
    from nicat.consent.services import consent_is_valid

    if consent.purpose != Purpose.SERVICE:
        return
    institution = policy.acting_institution(actor, case=consent.case)
    for action in (PlanAction.objects.of(consent.case).select_for_update(of=("self",))
                   .filter(status=ActionStatus.PLANNED, goal__area=consent.service)
                   .select_related("goal", "responsible_institution")):
        provider = action.responsible_institution
        if not consent.covers(institution=provider, service=consent.service) or consent_is_valid(
                case=consent.case, purpose=Purpose.SERVICE, institution=provider, service=consent.service):
            continue
        before = snapshot(action, ACTION_FIELDS)
        action.status = ActionStatus.CANCELLED
        action.version += 1
        action.save(update_fields=["status", "version"])
        audit.record(actor=actor, action="plan.action_update", obj=action, case=consent.case,
                     institution=institution, changes=audit.diff(PlanAction, before, snapshot(action, ACTION_FIELDS)),
                     details={"consent": str(consent.uuid)})


def record_agreement(*, actor, plan, declined_goals=(), note="", expected_version, approval=None):
    """The person's agreement to the plan: the goals they decline are recorded as declined; for every goal
    they accept, the consent gate must find their consent to that service."""
    institution = require_case_role(actor, plan.case, PLAN_ROLES)
    _require_open_plan(plan)
    goals = list(PlanGoal.objects.of(plan))
    if not goals:
        raise ValidationError({"plan": _("The plan has no goals yet. Add the goals, then go through them with "
                                         "the person.")})
    declined_ids = {g.pk for g in declined_goals}
    foreign = declined_ids - {g.pk for g in goals}
    if foreign:
        raise ValidationError({"declined_goals": _("A declined goal does not belong to this plan.")})
    # The goals as the person was asked about them: an approval carries out the agreement to these, not to a
    # goal added or changed while it waited for the supervisor.
    asked = {str(g.uuid): g.version for g in goals}
    if approval is not None and (approval.payload or {}).get("goals") != asked:
        raise ValidationError({"plan": _(
            "The plan's goals changed after the person's agreement was sent for approval (a goal was added, "
            "changed or declined). Refuse this request; go through the goals with the person again and record "
            "their agreement anew.")})
    # Where the institution wants its supervisor to sign off the plan, the agreement waits for it (issue 15).
    gates.gate(actor=actor, kind=gates.PLAN, institution=plan.institution, case=plan.case, target=plan,
               payload={"declined_goals": sorted(str(g.uuid) for g in declined_goals), "note": note or "",
                        "version": expected_version, "goals": asked}, approval=approval)
    with atomic_edit(plan):
        bump_version(RehabilitationPlan, plan, expected_version)
        accepted = [g for g in goals if g.pk not in declined_ids and not g.is_declined]
        for goal in accepted:
            # The service of the goal, from the institution responsible for it (the one rule).
            require_service_consent(case=plan.case, service=goal.area, provider=goal.responsible_institution)
        newly_declined = []
        for goal in goals:
            if goal.pk in declined_ids and not goal.is_declined:
                _decline(goal, "")
                newly_declined.append(str(goal.uuid))
        before = {"status": plan.status, "agreement_note": plan.agreement_note}
        plan.status, plan.agreed_at, plan.agreement_note = PlanStatus.AGREED, timezone.now(), text(note)
        plan.save()
        audit.record(actor=actor, action="plan.agree", obj=plan, case=plan.case, institution=institution,
                     changes=audit.diff(RehabilitationPlan, before, {"status": plan.status,
                                                                     "agreement_note": plan.agreement_note}),
                     details={"declined_goals": newly_declined, "accepted_goals": [str(g.uuid) for g in accepted]})
    return plan


def add_review(*, actor, plan, summary, reviewed_on=None, is_final=False, next_review_on=None):
    """A review of the plan. The final review closes the plan; it needs every accepted goal finished."""
    institution = require_case_role(actor, plan.case, PLAN_ROLES)
    _require_open_plan(plan)
    reviewed_on = reviewed_on or timezone.localdate()
    not_in_future(reviewed_on, "reviewed_on")
    if len(text(summary)) < 10:
        raise ValidationError({"summary": _("Summarise the review: what was achieved, what changes (at least 10 "
                                            "characters).")})
    if next_review_on and next_review_on <= reviewed_on:
        raise ValidationError({"next_review_on": _("The next review must come after this one.")})
    with transaction.atomic():
        locked = RehabilitationPlan.objects.row(plan).select_for_update().get()
        _require_open_plan(locked)
        if is_final:
            open_goals = [g for g in PlanGoal.objects.of(plan) if g.status in OPEN_GOAL_STATUSES]
            if open_goals:
                raise ValidationError({"is_final": _(
                    "%(n)s goals are still planned or in progress (%(areas)s). Record for each whether it was "
                    "achieved or not before the final review.") % {
                    "n": len(open_goals), "areas": ", ".join(str(g.get_area_display()) for g in open_goals)}})
        review = PlanReview.objects.create(plan=plan, case=plan.case, reviewed_on=reviewed_on,
                                           summary=text(summary), is_final=bool(is_final),
                                           reviewed_by=actor, institution=institution)
        before = {"status": locked.status, "next_review_on": locked.next_review_on}
        if is_final:
            locked.status, locked.next_review_on = PlanStatus.CLOSED, None
        else:
            locked.next_review_on = next_review_on or reviewed_on + datetime.timedelta(
                days=conf.plan_review_interval_days())
        locked.version += 1
        locked.save()
        plan.status, plan.next_review_on, plan.version = locked.status, locked.next_review_on, locked.version
        audit.record(actor=actor, action="plan.review", obj=review, case=plan.case, institution=institution,
                     changes=audit.diff(PlanReview, {}, {"summary": review.summary, "is_final": review.is_final,
                                                         "reviewed_on": reviewed_on}),
                     details={"plan_status": [before["status"], locked.status]})
    return review


# --- services delivered --------------------------------------------------------------------------


def provider_authorisation(institution, kind):
    """(allowed, reason): may `institution` provide service `kind` to a victim (always free of charge)?

    Authorised: special institutions (shelters, assistance centres) for every service; registered
    non-profits for every service except shelter accommodation; state bodies registered as providing
    this service within their functions. Anyone else — a private business above all — is refused.
    """
    if institution is None:
        return False, _("Choose the institution that provided the service.")
    if not institution.active:
        return False, _("%(name)s is no longer active.") % {"name": institution.name}
    if institution.is_special_institution:
        return True, ""
    if kind in AUTHORISED_ONLY_SERVICES:
        return False, _("%(service)s is provided only by special institutions authorised by the executive "
                        "authority; %(name)s is not one.") % {"service": ServiceKind(kind).label,
                                                             "name": institution.name}
    if institution.is_nonprofit:
        return True, ""
    body = AuthorisedStateBody.objects.filter(institution=institution, active=True).first()
    if body is not None and kind in (body.service_kinds or []):
        return True, ""
    return False, _("%(name)s is neither an authorised special institution, a registered non-profit nor a state "
                    "body providing this service within its functions. Every service to a victim is free of charge "
                    "and private businesses may not provide paid services: record only services of authorised "
                    "providers.") % {"name": institution.name}


# Public bodies a victim is referred to for what is not a service: the police and the competent authority,
# the hotline, embassies and consulates (each purpose then asks its own rules).
PUBLIC_BODY_KINDS = frozenset({"law_enforcement", "hotline", "embassy_consulate"})


def referral_recipient_authorisation(institution):
    """(allowed, reason): may `institution` receive a referral that names no service? It sends the person to
    be helped, so the same institutions as for a service (provider_authorisation, for any service) — and the
    public bodies a victim turns to — but never a private business, whatever consent it holds."""
    if institution.is_competent_authority or institution.kind.code in PUBLIC_BODY_KINDS:
        return True, ""
    if institution.is_special_institution or institution.is_nonprofit or AuthorisedStateBody.objects.filter(
            institution=institution, active=True).exists():
        return True, ""
    return False, _("%(name)s is neither an authorised special institution, a registered non-profit, a state "
                    "body providing services within its functions nor a public body a victim turns to. Every "
                    "service to a victim is free of charge and private businesses may not provide paid services: "
                    "refer the person only to an authorised institution.") % {"name": institution.name}


def save_state_body(*, actor, institution, service_kinds, legal_basis="", active=True):
    """Record (or change) which services a state body provides within its functions (administrators)."""
    from django.core.exceptions import PermissionDenied

    from nicat.assistance.services.shelters import is_administrator

    if not is_administrator(actor):
        raise PermissionDenied(_("Only an administrator records which state bodies provide services."))
    allowed = {k for k, _label in SERVICE_KINDS if k not in AUTHORISED_ONLY_SERVICES}
    kinds = sorted(set(service_kinds or []))
    if not kinds or not set(kinds) <= allowed:
        raise ValidationError({"service_kinds": _("Choose the services this body provides within its functions "
                                                  "(shelter accommodation is for special institutions only).")})
    if institution is None or institution.is_special_institution or institution.is_nonprofit:
        raise ValidationError({"institution": _("Special institutions and registered non-profits provide services "
                                                "already; choose a state body.")})
    with transaction.atomic():
        body, created = AuthorisedStateBody.objects.update_or_create(
            institution=institution, defaults={"service_kinds": kinds, "legal_basis": text(legal_basis),
                                               "active": bool(active)})
        audit.record(actor=actor, action="state_body.save", obj=body, institution=institution,
                     details={"service_kinds": kinds, "active": body.active, "created": created})
    return body


def record_service(*, actor, case, kind, provider, delivered_at, duration_minutes, description="", staff_name="",
                   goal=None):
    """Log a service delivered (what, by whom, when, for how long). Free of charge: no price exists."""
    institution = require_case_role(actor, case, SERVICE_ROLES)
    answer = eligibility.services(case)
    if not answer:
        raise ValidationError({"case": answer.reason})
    errors = {}
    if kind not in dict(SERVICE_KINDS):
        errors["kind"] = _("Choose the kind of service.")
    else:
        allowed, reason = provider_authorisation(provider, kind)
        if not allowed:
            errors["provider"] = reason
    try:
        duration_minutes = int(duration_minutes)
    except (TypeError, ValueError):
        duration_minutes = 0
    if not 0 < duration_minutes <= MAX_SERVICE_MINUTES:
        errors["duration_minutes"] = _("Enter how long the service took, in minutes (1 to 1440).")
    if delivered_at is None:
        errors["delivered_at"] = _("Enter when the service was delivered.")
    if goal is not None:
        if goal.case_id != case.pk:
            errors["goal"] = _("This goal belongs to another case.")
        elif goal.is_declined:
            errors["goal"] = _("The person declined this goal. No service is delivered under a declined goal.")
    if errors:
        raise ValidationError(errors)
    _require_health_section(actor, case, kind)
    not_in_future(delivered_at, "delivered_at", _("The service is in the future. Log services after they were "
                                                  "delivered; plan future ones as actions of the plan."))
    with transaction.atomic():
        # In force on the day it was delivered, not the day it is logged (a later withdrawal does not undo it).
        require_service_consent(case=case, service=kind, provider=provider, on=delivered_at)
        service = ServiceDelivery.objects.create(
            case=case, kind=kind, description=text(description), provider=provider, staff_name=text(staff_name),
            delivered_at=delivered_at, duration_minutes=duration_minutes, goal=goal, recorded_by=actor)
        audit.record(actor=actor, action="service.record", obj=service, case=case, institution=institution,
                     changes=audit.diff(ServiceDelivery, {}, snapshot(service, SERVICE_FIELDS)))
    return service
