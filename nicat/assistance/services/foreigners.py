"""Residence permits, interpreters, voluntary return, reception of returned citizens, family reunification
and follow-up. Eligibility never depends on citizenship (eligibility.residence_and_return_support).

Return is voluntary: it passes the consent gate (purpose "return") and a risk assessment first;
a high risk stops it. It may be prepared before the person is asked, never after a refusal or a withdrawal,
and a withdrawal cancels the returns being prepared (`end_for_withdrawn_consent`). Contacting the family
passes the gate too (purpose "family_contact") — starting a tracing and each step of it (tracing, assessing,
reunifying); a withdrawal marks the open tracings withdrawn. Both also pass the safety gate of the case
(nicat.safety.services.require_safe): a high current level of risk blocks them until a supervisor of the
owning institution confirms a safety plan.
"""
import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from nicat.access import policy
from nicat.assistance import conf, eligibility
from nicat.assistance.models import (
    DocumentsStatus,
    FamilyReunification,
    FollowUp,
    InterpreterNeed,
    PermitStatus,
    ResidencePermit,
    ReturnDirection,
    ReturnPlan,
    ReturnStatus,
    ReunificationStatus,
    RiskLevel,
)
from nicat.assistance.services._common import (
    RETURN_ROLES,
    SERVICE_ROLES,
    atomic_edit,
    bump_version,
    not_in_future,
    require_case_role,
    require_consent,
    require_section,
    snapshot,
    text,
)
from nicat.audit import services as audit
from nicat.consent.models import Purpose
from nicat.directory.selectors import refuse_foreign_mission_on_permit
from nicat.legal import rules
from nicat.safety.services import require_safe

PERMIT_FIELDS = ("status", "applied_on", "decided_on", "expires_on", "permit_number",
                 "note")
RETURN_FIELDS = ("direction", "country", "status", "risk_level", "risk_assessed_on", "risk_notes",
                 "documents_status", "documents_notes", "travel_date", "travel_notes", "receiving_organisation",
                 "receiving_organisation_name", "consulate", "completed_on")
REUNIFICATION_FIELDS = ("family_member", "country", "status", "note")


def _return_role(actor, case):
    """Return, residence and family matters are the case's "return" section."""
    institution = require_case_role(actor, case, RETURN_ROLES)
    require_section(actor, case, "return")
    return institution


def _permit_role(actor, case):
    """The residence permit is the "return" section too, and the home state's: never a foreign state's mission."""
    institution = _return_role(actor, case)
    refuse_foreign_mission_on_permit(institution, case)
    return institution


def _eligible(case):
    answer = eligibility.residence_and_return_support(case)
    if not answer:
        raise ValidationError({"case": answer.reason})


# --- residence permits -----------------------------------------------------------------------------


def open_residence_permit(*, actor, case, note=""):
    """Start tracking the temporary residence permit. Its reflection period is not stored: it is computed from
    the first contact by the one rule (nicat.legal.rules.reflection_period_end)."""
    institution = _permit_role(actor, case)
    _eligible(case)
    with transaction.atomic():
        # Tracked before she is asked (to know the deadlines), never against her refusal of it.
        from nicat.consent.services import require_not_refused

        require_not_refused(case=case, purpose=Purpose.RESIDENCE_PERMIT)
        # One permit in progress at a time (a double click, a second tab): the case row is locked so that two
        # requests at once cannot both find none.
        policy.case_model().objects.row(case).select_for_update().first()
        current = ResidencePermit.objects.of(case).filter(
            status__in=[PermitStatus.NOT_REQUESTED, PermitStatus.APPLIED]).first()
        if current is not None:
            raise ValidationError(_("A residence permit is already being tracked for this case (%(status)s). "
                                    "Update it instead of tracking another.") % {
                "status": current.get_status_display()})
        permit = ResidencePermit.objects.create(case=case, note=text(note), created_by=actor)
        audit.record(actor=actor, action="permit.open", obj=permit, case=case, institution=institution,
                     changes=audit.diff(ResidencePermit, {}, snapshot(permit, PERMIT_FIELDS)))
    return permit


def update_residence_permit(*, actor, permit, data, expected_version):
    institution = _permit_role(actor, permit.case)
    merged = {f: data.get(f, getattr(permit, f)) for f in PERMIT_FIELDS}
    errors = {}
    status = merged["status"]
    if status not in PermitStatus.values:
        errors["status"] = _("Choose the status of the permit.")
    if status in (PermitStatus.APPLIED, PermitStatus.GRANTED, PermitStatus.REFUSED) and not merged["applied_on"]:
        errors["applied_on"] = _("Enter the date of the application.")
    if status in (PermitStatus.GRANTED, PermitStatus.REFUSED) and not merged["decided_on"]:
        errors["decided_on"] = _("Enter the date of the decision.")
    if merged["applied_on"] and merged["decided_on"] and merged["decided_on"] < merged["applied_on"]:
        errors["decided_on"] = _("The decision cannot come before the application. Check the dates.")
    if status == PermitStatus.GRANTED and merged["decided_on"] and not merged["expires_on"]:
        merged["expires_on"] = rules.residence_permit_expiry(merged["decided_on"])
    if merged["expires_on"] and merged["decided_on"] and merged["expires_on"] <= merged["decided_on"]:
        errors["expires_on"] = _("The permit must be valid after the decision. Check the expiry date.")
    elif merged["expires_on"] and merged["applied_on"] and merged["expires_on"] <= merged["applied_on"]:
        errors["expires_on"] = _("The permit must be valid after the application. Check the expiry date.")
    if errors:
        raise ValidationError(errors)
    not_in_future(merged["applied_on"], "applied_on")
    not_in_future(merged["decided_on"], "decided_on")
    with atomic_edit(permit):
        if permit.status == PermitStatus.NOT_REQUESTED and status not in (PermitStatus.NOT_REQUESTED,
                                                                          PermitStatus.WITHDRAWN):
            # The application is made on her request only: her consent in force on the day it was lodged.
            require_consent(case=permit.case, purpose=Purpose.RESIDENCE_PERMIT, on=merged["applied_on"])
        bump_version(ResidencePermit, permit, expected_version)
        before = snapshot(permit, PERMIT_FIELDS)
        for f in ("status", "applied_on", "decided_on", "expires_on", "permit_number", "note"):
            value = merged[f]
            setattr(permit, f, text(value) if f in ("permit_number", "note") else value)
        permit.save()
        audit.record(actor=actor, action="permit.update", obj=permit, case=permit.case, institution=institution,
                     changes=audit.diff(ResidencePermit, before, snapshot(permit, PERMIT_FIELDS)))
    return permit


# --- interpreters -----------------------------------------------------------------------------------


def add_interpreter_need(*, actor, case, language, same_gender_preferred=False, note=""):
    institution = require_case_role(actor, case, SERVICE_ROLES)
    if language is None or language.vocabulary != "language":
        raise ValidationError({"language": _("Choose the language the person needs.")})
    try:
        with transaction.atomic():
            need = InterpreterNeed.objects.create(case=case, language=language, note=text(note),
                                                  same_gender_preferred=bool(same_gender_preferred),
                                                  created_by=actor)
            audit.record(actor=actor, action="interpreter.add", obj=need, case=case, institution=institution,
                         changes=audit.diff(InterpreterNeed, {}, {"language": language.code, "note": need.note}))
    except IntegrityError:
        raise ValidationError({"language": _("An interpreter into this language is already recorded.")}) from None
    return need


def remove_interpreter_need(*, actor, need):
    institution = require_case_role(actor, need.case, SERVICE_ROLES)
    with transaction.atomic():
        # removed once: a colleague who read it too (another tab, the same moment) is told, not audited again
        deleted, _rows = InterpreterNeed.objects.row(need).delete()
        if not deleted:
            raise ValidationError(_("This interpreter need was already removed."))
        audit.record(actor=actor, action="interpreter.remove", obj=need, case=need.case, institution=institution,
                     details={"language": need.language.code})


# --- return and reception ---------------------------------------------------------------------------


def _not_against_refusal(case):
    """A voluntary return is prepared (risks, documents, travel) before the person's consent is recorded — it
    is needed to complete it — but never once the person refused it or withdrew the consent."""
    from nicat.consent.services import require_not_refused

    require_not_refused(case=case, purpose=Purpose.RETURN)


def plan_return(*, actor, case, direction, country, receiving_organisation=None, receiving_organisation_name="",
                consulate=None):
    institution = _return_role(actor, case)
    _eligible(case)
    errors = {}
    if direction not in ReturnDirection.values:
        errors["direction"] = _("Choose voluntary return or reception of a returned citizen.")
    if country is None or country.vocabulary != "country" or country.code == "XXA":
        errors["country"] = _("Choose the country the person returns to or comes back from.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if direction == ReturnDirection.VOLUNTARY_RETURN:
            _not_against_refusal(case)
        plan = ReturnPlan.objects.create(
            case=case, direction=direction, country=country, receiving_organisation=receiving_organisation,
            receiving_organisation_name=text(receiving_organisation_name), consulate=consulate, created_by=actor,
            documents_status=DocumentsStatus.NEEDED if direction == ReturnDirection.VOLUNTARY_RETURN
            else DocumentsStatus.NOT_NEEDED)
        audit.record(actor=actor, action="return.plan", obj=plan, case=case, institution=institution,
                     changes=audit.diff(ReturnPlan, {}, snapshot(plan, RETURN_FIELDS)))
    return plan


def update_return(*, actor, plan, data, expected_version):
    """Risk assessment, documents, travel and receiving organisation of a return being prepared."""
    institution = _return_role(actor, plan.case)
    if plan.status != ReturnStatus.PLANNED:
        raise ValidationError({"status": _("This return is %(status)s; it can no longer be changed.")
                               % {"status": plan.get_status_display().lower()}})
    errors = {}
    if data.get("risk_level", plan.risk_level) not in RiskLevel.values:
        errors["risk_level"] = _("Choose the level of risk.")
    if data.get("documents_status", plan.documents_status) not in DocumentsStatus.values:
        errors["documents_status"] = _("Choose the state of the travel documents.")
    if "risk_level" in data and data["risk_level"] != RiskLevel.NOT_ASSESSED and not text(
            data.get("risk_notes", plan.risk_notes)):
        errors["risk_notes"] = _("Write down the risk assessment: the risks found at home and on the way, and "
                                 "what protects the person.")
    if errors:
        raise ValidationError(errors)
    with atomic_edit(plan):
        if plan.direction == ReturnDirection.VOLUNTARY_RETURN:
            _not_against_refusal(plan.case)
        bump_version(ReturnPlan, plan, expected_version)
        before = snapshot(plan, RETURN_FIELDS)
        for f in ("risk_level", "risk_notes", "documents_status", "documents_notes", "travel_date", "travel_notes",
                  "receiving_organisation", "receiving_organisation_name", "consulate"):
            if f in data:
                value = data[f]
                setattr(plan, f, text(value) if f.endswith(("_notes", "_name")) else value)
        if "risk_level" in data and data["risk_level"] != before["risk_level"]:
            plan.risk_assessed_on = timezone.localdate()
        plan.save()
        audit.record(actor=actor, action="return.update", obj=plan, case=plan.case, institution=institution,
                     changes=audit.diff(ReturnPlan, before, snapshot(plan, RETURN_FIELDS)))
    return plan


def complete_return(*, actor, plan, completed_on, expected_version):
    """The person has returned (or, for reception, arrived). A voluntary return needs the person's consent,
    a risk assessment that is not high, documents and travel; a first follow-up is scheduled."""
    institution = _return_role(actor, plan.case)
    if plan.status != ReturnStatus.PLANNED:
        raise ValidationError({"status": _("This return is already %(status)s.")
                               % {"status": plan.get_status_display().lower()}})
    if completed_on is None:
        raise ValidationError({"completed_on": _("Enter the date of the return.")})
    not_in_future(completed_on, "completed_on")
    errors = {}
    if plan.direction == ReturnDirection.VOLUNTARY_RETURN:
        if plan.risk_level == RiskLevel.NOT_ASSESSED:
            errors["risk_level"] = _("Assess the risks of return first: no one is returned without a risk "
                                     "assessment.")
        elif plan.risk_level == RiskLevel.HIGH:
            errors["risk_level"] = _("The risk on return was assessed as high. The person is not returned while "
                                     "the risk is high; reassess when circumstances change.")
        if plan.documents_status not in (DocumentsStatus.READY, DocumentsStatus.NOT_NEEDED):
            errors["documents_status"] = _("The travel documents are not ready.")
        if not plan.travel_date:
            errors["travel_date"] = _("Enter the travel date.")
        if not (plan.receiving_organisation_id or plan.receiving_organisation_name):
            errors["receiving_organisation"] = _("Name the organisation that receives the person in their country.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if plan.direction == ReturnDirection.VOLUNTARY_RETURN:
            require_safe(case=plan.case, step="return")
            # In force on the day of the return, whenever it is recorded.
            require_consent(case=plan.case, purpose=Purpose.RETURN, on=completed_on)
        bump_version(ReturnPlan, plan, expected_version)
        before = snapshot(plan, RETURN_FIELDS)
        plan.status, plan.completed_on = ReturnStatus.COMPLETED, completed_on
        plan.save()
        follow_up = FollowUp.objects.create(
            case=plan.case, return_plan=plan, created_by=actor,
            due_on=completed_on + datetime.timedelta(days=conf.return_follow_up_days()))
        audit.record(actor=actor, action="return.complete", obj=plan, case=plan.case, institution=institution,
                     changes=audit.diff(ReturnPlan, before, snapshot(plan, RETURN_FIELDS)),
                     details={"follow_up": str(follow_up.uuid)})
    return plan


def cancel_return(*, actor, plan, note="", expected_version):
    """The person changed their mind (or return is not possible): respected, recorded."""
    institution = _return_role(actor, plan.case)
    if plan.status != ReturnStatus.PLANNED:
        raise ValidationError({"status": _("This return is already %(status)s.")
                               % {"status": plan.get_status_display().lower()}})
    with atomic_edit(plan):
        bump_version(ReturnPlan, plan, expected_version)
        before = snapshot(plan, RETURN_FIELDS)
        plan.status = ReturnStatus.CANCELLED
        if text(note):
            plan.travel_notes = "\n".join(x for x in (plan.travel_notes, text(note)) if x)
        plan.save()
        audit.record(actor=actor, action="return.cancel", obj=plan, case=plan.case, institution=institution,
                     changes=audit.diff(ReturnPlan, before, snapshot(plan, RETURN_FIELDS)))
    return plan


# --- family reunification and follow-up ---------------------------------------------------------------


def start_reunification(*, actor, case, family_member, country=None, note=""):
    institution = _return_role(actor, case)
    _eligible(case)
    if not text(family_member):
        raise ValidationError({"family_member": _("Name the family member and their relation to the person.")})
    with transaction.atomic():
        require_safe(case=case, step="family_contact")
        require_consent(case=case, purpose=Purpose.FAMILY_CONTACT)
        item = FamilyReunification.objects.create(case=case, family_member=text(family_member),
                                                  country=country, note=text(note), created_by=actor)
        audit.record(actor=actor, action="reunification.start", obj=item, case=case, institution=institution,
                     changes=audit.diff(FamilyReunification, {}, snapshot(item, REUNIFICATION_FIELDS)))
    return item


# Tracing the family, assessing it and reunifying are contact with the family: the person's consent in force
# and the safety gate, at every step.
FAMILY_CONTACT_STATUSES = (ReunificationStatus.TRACING, ReunificationStatus.ASSESSED, ReunificationStatus.REUNIFIED)
OPEN_REUNIFICATION = (ReunificationStatus.REQUESTED, ReunificationStatus.TRACING, ReunificationStatus.ASSESSED)


def update_reunification(*, actor, item, status, note="", expected_version):
    institution = _return_role(actor, item.case)
    if status not in ReunificationStatus.values:
        raise ValidationError({"status": _("Choose the status.")})
    with transaction.atomic():
        if status in FAMILY_CONTACT_STATUSES:
            require_safe(case=item.case, step="family_contact")
            require_consent(case=item.case, purpose=Purpose.FAMILY_CONTACT)
        bump_version(FamilyReunification, item, expected_version)
        before = snapshot(item, REUNIFICATION_FIELDS)
        item.status = status
        if text(note):
            item.note = "\n".join(x for x in (item.note, text(note)) if x)
        item.save()
        audit.record(actor=actor, action="reunification.update", obj=item, case=item.case, institution=institution,
                     changes=audit.diff(FamilyReunification, before, snapshot(item, REUNIFICATION_FIELDS)))
    return item


def end_for_withdrawn_consent(*, actor, consent):
    """Withdrawal handler (AssistanceConfig.ready()), inside the withdrawal's transaction. When no consent to
    return (to contacting the family) remains in force for the case, the voluntary returns being prepared are
    cancelled (the open family tracings are marked withdrawn by the person): the withdrawal takes effect at
    once for what rested on it, each change audited."""
    from nicat.consent.services import consent_is_valid

    if consent.purpose not in (Purpose.RETURN, Purpose.FAMILY_CONTACT, Purpose.RESIDENCE_PERMIT) or \
            consent.institution_id:
        return
    case = consent.case
    if consent_is_valid(case=case, purpose=consent.purpose):
        return
    institution = policy.institution_on(actor, case)
    details = {"consent": str(consent.uuid)}

    def end_each(model, rows, fields, status, action):
        for row in rows.select_for_update(of=("self",)):
            before = snapshot(row, fields)
            row.status = status
            row.version += 1
            row.save(update_fields=["status", "version"])
            audit.record(actor=actor, action=action, obj=row, case=case, institution=institution,
                         changes=audit.diff(model, before, snapshot(row, fields)), details=details)

    if consent.purpose == Purpose.RESIDENCE_PERMIT:
        # She no longer wants the permit: the application being tracked or lodged is withdrawn (a permit
        # already granted is hers and stays).
        end_each(ResidencePermit, ResidencePermit.objects.of(case).filter(
            status__in=[PermitStatus.NOT_REQUESTED, PermitStatus.APPLIED]), PERMIT_FIELDS, PermitStatus.WITHDRAWN,
            "permit.update")
    elif consent.purpose == Purpose.RETURN:
        end_each(ReturnPlan, ReturnPlan.objects.of(case).filter(
            direction=ReturnDirection.VOLUNTARY_RETURN, status=ReturnStatus.PLANNED), RETURN_FIELDS,
            ReturnStatus.CANCELLED, "return.cancel")
    else:
        end_each(FamilyReunification, FamilyReunification.objects.of(case).filter(status__in=OPEN_REUNIFICATION),
                 REUNIFICATION_FIELDS, ReunificationStatus.WITHDRAWN, "reunification.update")

def schedule_follow_up(*, actor, case, due_on, return_plan=None):
    institution = _return_role(actor, case)
    if due_on is None:
        raise ValidationError({"due_on": _("Enter when the follow-up is due.")})
    if return_plan is not None and return_plan.case_id != case.pk:
        raise ValidationError({"return_plan": _("This return belongs to another case.")})
    with transaction.atomic():
        item = FollowUp.objects.create(case=case, due_on=due_on, return_plan=return_plan, created_by=actor)
        audit.record(actor=actor, action="followup.schedule", obj=item, case=case, institution=institution,
                     details={"due_on": due_on.isoformat()})
    return item


def record_follow_up(*, actor, item, done_on, outcome):
    institution = _return_role(actor, item.case)
    if done_on is None:
        raise ValidationError({"done_on": _("Enter when the follow-up took place.")})
    not_in_future(done_on, "done_on")
    if len(text(outcome)) < 5:
        raise ValidationError({"outcome": _("Write down how the person is doing and what was agreed.")})
    if item.done_on:
        raise ValidationError({"done_on": _("This follow-up was already recorded.")})
    with atomic_edit(item):
        # Checked again on the locked row: a colleague may have recorded it since it was read.
        if FollowUp.objects.row(item).select_for_update().get().done_on:
            raise ValidationError({"done_on": _("This follow-up was already recorded.")})
        item.done_on, item.outcome = done_on, text(outcome)
        item.save(update_fields=["done_on", "outcome"])
        audit.record(actor=actor, action="followup.record", obj=item, case=item.case, institution=institution,
                     changes=audit.diff(FollowUp, {}, {"outcome": item.outcome, "done_on": done_on}))
    return item
