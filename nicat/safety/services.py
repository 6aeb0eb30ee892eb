"""Every change of the safety records: access (the one policy, with the section check), validation, the
version check, and the audit event in the same transaction.

The gate: `require_safe(case=…, step=…)` — a high current level blocks contact with the family and
return until a supervisor of the owning institution (not the author of the plan) confirms the safety
plan. The assistance services (return, family reunification) and the family contacts of this app call it.
"""
import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nicat.access import policy, predicates
from nicat.access.sections import RELATIVES, SECURITY
from nicat.accounts.models import Role
from nicat.audit import services as audit
from nicat.consent.models import Purpose
from nicat.core import personview
from nicat.core.services import bump_version, check_version, require_visible, snapshot
from nicat.persons.age import is_child
from nicat.privacy import indexes, names
from nicat.safety.models import (
    Assessment,
    Factor,
    FamilyContact,
    Level,
    MeasureKind,
    Occasion,
    Relation,
    Relative,
    SecurityMeasure,
)

# Who records an assessment and writes a safety plan (on a case they may see).
ASSESS_ROLES = frozenset({Role.CASE_WORKER, Role.SUPERVISOR, Role.IDENTIFICATION_OFFICER, Role.SHELTER_STAFF})
# Who records a contact with the family.
CONTACT_ROLES = frozenset({Role.CASE_WORKER, Role.SUPERVISOR, Role.IDENTIFICATION_OFFICER})

ASSESSMENT_FIELDS = ("occasion", "factors", "level", "reasons", "review_on")
MEASURE_FIELDS = ("kind", "description", "address", "responsible_body", "starts_on", "ends_on", "review_on",
                  "person_view", "person_wishes")
RELATIVE_FIELDS = ("relation", "given_name", "family_name", "phone", "contact", "risk", "risk_notes", "measures")
TEXT_FIELDS = {"reasons", "description", "address", "responsible_body", "given_name", "family_name", "phone",
               "contact", "risk_notes", "measures", "note", "safety_plan"}

STEP_LABELS = {
    "family_contact": gettext_lazy("Contact with the family"),
    "return": gettext_lazy("Return"),
    "court": gettext_lazy("An appearance in court"),
}


class SafetyPlanRequired(ValidationError):
    """A risky step refused while the current level is high and no safety plan is confirmed. `url` is the
    safety page of the case, where the plan is written and confirmed."""

    def __init__(self, case, step, assessment):
        self.url = reverse("safety:case", args=[case.uuid]) + "#safety-plan"
        message = _("%(step)s is not allowed: the current safety assessment (%(day)s) rates the risk as high, and "
                    "no safety plan has been confirmed by a supervisor of %(owner)s. Write the safety plan and "
                    "have it confirmed first: %(url)s") % {
            "step": STEP_LABELS.get(step, step), "day": timezone.localtime(assessment.assessed_at).date().isoformat(),
            "owner": case.owner_institution.name, "url": self.url}
        super().__init__({"safety": ValidationError(message, code="safety_plan_required")})


def _text(value):
    return (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()


def _institution(actor, case, roles):
    """The case is visible (else 404) and `actor` holds one of `roles` at an institution through which they see it
    (`predicates.acting_on`, else 403): a role held at an unrelated institution does not assess, plan or contact."""
    require_visible(actor, case)
    return predicates.acting_on(actor, roles, case)


def _section(actor, case, section):
    """The case is visible and `section` of it too (else 404 / 403 naming the section); the institution
    acted for is one through which the actor sees the case and whose roles there see the section
    (`policy.institution_seeing_section`): the owner first."""
    require_visible(actor, case)
    policy.require_section(actor, case, section)
    return policy.institution_seeing_section(actor, case, section)


def _date(value, field, required=True):
    if value in (None, ""):
        if required:
            raise ValidationError({field: _("Enter the date.")})
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError({field: _("Enter a valid date (YYYY-MM-DD).")}) from None


# --- the gate -----------------------------------------------------------------------------------------


def current_assessment(case):
    """The latest assessment of `case` (its current level), or None. For the services; pages read through
    the selectors."""
    return Assessment.objects.of(case).order_by("-assessed_at", "-pk").first()


def require_safe(*, case, step):
    """Refuse `step` ("family_contact" or "return") while the current level is high and its safety plan is
    not confirmed (SafetyPlanRequired, a ValidationError naming the field "safety")."""
    assessment = current_assessment(case)
    if assessment is not None and assessment.blocks_risky_steps:
        raise SafetyPlanRequired(case, step, assessment)
    return assessment


# --- assessments ---------------------------------------------------------------------------------------


RANK = {Level.LOW: 0, Level.MEDIUM: 1, Level.HIGH: 2}


def _require_may_set(institution, case, level):
    """Only the institution that owns the case lowers its level of risk: another institution on the case (a
    shelter that accepted the referral) records the same or a higher level, and tells the owner what it
    found. The level is what the family contact, the return and the court appearance are gated on."""
    current = current_assessment(case)
    if current is None or institution.pk == case.owner_institution_id or RANK[level] >= RANK[current.level]:
        return
    raise policy.Refused(_("Only %(owner)s, which owns the case, may lower its level of risk (now “%(level)s”, "
                           "assessed on %(day)s). Tell them what you found; you may record the same or a higher "
                           "level.") % {
        "owner": case.owner_institution.name, "level": current.get_level_display(),
        "day": timezone.localtime(current.assessed_at).date().isoformat()})


def record_assessment(*, actor, case, data):
    institution = _institution(actor, case, ASSESS_ROLES)
    errors = {}
    occasion = data.get("occasion")
    if occasion not in Occasion.values:
        errors["occasion"] = _("Choose the occasion of the assessment.")
    level = data.get("level")
    if level not in Level.values:
        errors["level"] = _("Choose the level of risk: low, medium or high.")
    factors = data.get("factors") or []
    if isinstance(factors, str):
        factors = [factors]
    unknown = [f for f in factors if f not in Factor.values]
    if unknown:
        errors["factors"] = _("Unknown risk factor: %(codes)s.") % {"codes": ", ".join(map(str, unknown))}
    elif Factor.CHILD in factors and not is_child(case.person):
        errors["factors"] = _("Risks specific to a child apply only to a child; by the recorded age this person "
                              "is an adult.")
    reasons = _text(data.get("reasons"))
    if len(reasons) < 10:
        errors["reasons"] = _("Give the reasons for the level: what was found, and what protects the person.")
    try:
        review_on = _date(data.get("review_on"), "review_on")
    except ValidationError as error:
        errors.update(error.message_dict)
        review_on = None
    if review_on and review_on < timezone.localdate():
        errors["review_on"] = _("The review date is in the past. Choose when the assessment will be reviewed.")
    if errors:
        raise ValidationError(errors)
    factors = [f for f in Factor.values if f in factors]
    with transaction.atomic():
        # One assessor at a time per case: the level compared below is the one the new assessment follows.
        policy.case_model().objects.row(case).select_for_update().first()
        _require_may_set(institution, case, level)
        assessment = Assessment.objects.create(
            case=case, occasion=occasion, factors=factors, level=level, reasons=reasons, review_on=review_on,
            assessed_by=actor, institution=institution)
        audit.record(actor=actor, action="safety.assess", obj=assessment, case=case, institution=institution,
                     changes=audit.diff(Assessment, {}, snapshot(assessment, ASSESSMENT_FIELDS)))
    return assessment


def write_safety_plan(*, actor, assessment, plan, expected_version):
    """The safety plan of a (high) assessment. A new text un-confirms it: the supervisor confirms what is
    written."""
    institution = _institution(actor, assessment.case, ASSESS_ROLES)
    plan = _text(plan)
    if len(plan) < 10:
        raise ValidationError({"safety_plan": _("Write the safety plan: who does what to keep the person and "
                                                "their relatives safe, and when.")})
    with transaction.atomic():
        before = {"safety_plan": assessment.safety_plan, "plan_confirmed_at": assessment.plan_confirmed_at}
        bump_version(Assessment, assessment, expected_version)
        assessment.safety_plan = plan
        assessment.plan_written_by, assessment.plan_written_at = actor, timezone.now()
        assessment.plan_confirmed_by = assessment.plan_confirmed_at = None
        assessment.save(update_fields=["safety_plan", "plan_written_by", "plan_written_at", "plan_confirmed_by",
                                       "plan_confirmed_at"])
        audit.record(actor=actor, action="safety.plan", obj=assessment, case=assessment.case, institution=institution,
                     changes=audit.diff(Assessment, before, {"safety_plan": plan, "plan_confirmed_at": None}))
    return assessment


def require_assess_role(actor):
    """403 unless `actor` holds a role that assesses (before anything else is looked at)."""
    return predicates.acting_for(actor, ASSESS_ROLES)


def may_confirm_plan(actor, assessment):
    return policy.has_role_at(actor, Role.SUPERVISOR, assessment.case.owner_institution)


def require_confirmer(actor, assessment):
    if not may_confirm_plan(actor, assessment):
        raise policy.Refused(_("Only a supervisor of %(owner)s, which owns the case, confirms a safety plan.")
                             % {"owner": assessment.case.owner_institution.name})


def confirm_safety_plan(*, actor, assessment, expected_version):
    """A supervisor of the owning institution confirms the safety plan — never its own author."""
    require_visible(actor, assessment.case)
    require_confirmer(actor, assessment)
    with transaction.atomic():
        locked = Assessment.objects.row(assessment).select_for_update().get()
        check_version(locked.version, expected_version)
        if not _text(locked.safety_plan):
            raise ValidationError({"safety_plan": _("There is no safety plan to confirm yet.")})
        if locked.plan_confirmed_at:
            raise ValidationError({"safety_plan": _("This safety plan is already confirmed.")})
        if locked.plan_written_by_id == actor.pk:
            raise ValidationError({"safety_plan": _("You wrote this safety plan, so you cannot confirm it: a second "
                                                    "supervisor of the institution confirms it.")})
        locked.plan_confirmed_by, locked.plan_confirmed_at = actor, timezone.now()
        locked.version += 1
        locked.save(update_fields=["plan_confirmed_by", "plan_confirmed_at", "version"])
        audit.record(actor=actor, action="safety.plan_confirm", obj=locked, case=locked.case,
                     institution=locked.case.owner_institution_id,
                     details={"plan_written_by": locked.plan_written_by.get_username() if locked.plan_written_by
                              else ""})
    assessment.plan_confirmed_by, assessment.plan_confirmed_at = locked.plan_confirmed_by, locked.plan_confirmed_at
    assessment.version = locked.version
    return assessment


# --- security measures (section "security") ---------------------------------------------------------


def _measure_values(data, current=None):
    merged = {f: data[f] if f in data else getattr(current, f, None) for f in MEASURE_FIELDS}
    errors = {}
    if merged["kind"] not in MeasureKind.values:
        errors["kind"] = _("Choose the measure.")
    if not _text(merged["responsible_body"]):
        errors["responsible_body"] = _("Name the body responsible for the measure.")
    if merged["kind"] == MeasureKind.CONFIDENTIAL_ADDRESS and not _text(merged["address"]):
        errors["address"] = _("Enter the confidential address.")
    # Lawful without her consent, never without asking her: her view, and her wishes when she objects (or why
    # she could not be asked), are recorded with the measure. Blank only on a measure recorded before this rule.
    view = personview.check_view(
        errors, merged["person_view"], _text(merged["person_wishes"]),
        required=current is None or bool(merged["person_view"]) or "person_view" in data,
        view_message=_("Record what the person thinks of the measure: she agrees, she objects, or she could not be "
                       "asked."),
        wishes_message=_("Write down the person's wishes: what she objects to and what she would accept — or why "
                         "she could not be asked. A measure to protect her may be lawful without her consent, but "
                         "her will is recorded and weighed."))
    for field, required in (("starts_on", True), ("ends_on", False), ("review_on", True)):
        try:
            merged[field] = _date(merged[field], field, required)
        except ValidationError as error:
            errors.update(error.message_dict)
            merged[field] = None
    if merged["starts_on"] and merged["ends_on"] and merged["ends_on"] < merged["starts_on"]:
        errors["ends_on"] = _("The measure cannot end before it starts. Check the dates.")
    if errors:
        raise ValidationError(errors)
    for f in ("description", "address", "responsible_body", "person_wishes"):
        merged[f] = _text(merged[f])
    merged["person_view"] = view
    return merged


def add_security_measure(*, actor, case, data):
    institution = _section(actor, case, SECURITY)
    values = _measure_values(data)
    with transaction.atomic():
        measure = SecurityMeasure.objects.create(case=case, created_by=actor, institution=institution,
                                                 **values)
        audit.record(actor=actor, action="security.add", obj=measure, case=case, institution=institution,
                     changes=audit.diff(SecurityMeasure, {}, snapshot(measure, MEASURE_FIELDS)),
                     details={"person_view": measure.person_view})
    return measure


def update_security_measure(*, actor, measure, data, expected_version):
    institution = _section(actor, measure.case, SECURITY)
    values = _measure_values(data, measure)
    with transaction.atomic():
        before = snapshot(measure, MEASURE_FIELDS)
        bump_version(SecurityMeasure, measure, expected_version)
        for f, v in values.items():
            setattr(measure, f, v)
        measure.save(update_fields=list(MEASURE_FIELDS))
        audit.record(actor=actor, action="security.update", obj=measure, case=measure.case, institution=institution,
                     changes=audit.diff(SecurityMeasure, before, snapshot(measure, MEASURE_FIELDS)))
    return measure


# --- relatives and helpers at risk (section "relatives") ----------------------------------------------


def name_index(given="", family=""):
    return indexes.exact("relative.name", names.canonical(given or "", family or ""))


def phone_index(phone=""):
    return indexes.exact("relative.phone", names.normalise_phone(phone or ""))


def _relative_values(data, current=None):
    merged = {f: data[f] if f in data else getattr(current, f, None) for f in RELATIVE_FIELDS}
    errors = {}
    if merged["relation"] not in Relation.values:
        errors["relation"] = _("Choose how the person is connected to the victim.")
    if merged["risk"] not in Level.values:
        errors["risk"] = _("Choose the level of risk to this person.")
    for f in ("given_name", "family_name", "phone", "contact", "risk_notes", "measures"):
        merged[f] = _text(merged[f])
    if not (merged["given_name"] or merged["family_name"]):
        errors["given_name"] = _("Enter at least a given or a family name.")
    if merged["phone"] and not names.normalise_phone(merged["phone"]):
        errors["phone"] = _("Enter a phone number with at least seven digits.")
    if errors:
        raise ValidationError(errors)
    return merged


def _index(relative):
    relative.name_index = name_index(relative.given_name, relative.family_name)
    relative.phone_index = phone_index(relative.phone)


def add_relative(*, actor, case, data):
    institution = _section(actor, case, RELATIVES)
    values = _relative_values(data)
    with transaction.atomic():
        relative = Relative(case=case, created_by=actor, institution=institution, **values)
        _index(relative)
        relative.save()
        audit.record(actor=actor, action="relative.add", obj=relative, case=case, institution=institution,
                     changes=audit.diff(Relative, {}, snapshot(relative, RELATIVE_FIELDS)))
    return relative


def update_relative(*, actor, relative, data, expected_version):
    institution = _section(actor, relative.case, RELATIVES)
    values = _relative_values(data, relative)
    with transaction.atomic():
        before = snapshot(relative, RELATIVE_FIELDS)
        bump_version(Relative, relative, expected_version)
        for f, v in values.items():
            setattr(relative, f, v)
        _index(relative)
        relative.save(update_fields=[*RELATIVE_FIELDS, "name_index", "phone_index"])
        audit.record(actor=actor, action="relative.update", obj=relative, case=relative.case, institution=institution,
                     changes=audit.diff(Relative, before, snapshot(relative, RELATIVE_FIELDS)))
    return relative


# --- contact with the family: a measure that needs consent and passes the safety gate ----------------


def record_family_contact(*, actor, case, contacted_on, note="", relative=None):
    from nicat.consent.services import require_consent

    institution = _institution(actor, case, CONTACT_ROLES)
    if relative is not None:
        policy.require_section(actor, case, RELATIVES)
        if relative.case_id != case.pk:
            raise ValidationError({"relative": _("This relative belongs to another case.")})
    day = _date(contacted_on, "contacted_on")
    if day > timezone.localdate():
        raise ValidationError({"contacted_on": _("This date is in the future. Enter when it happened.")})
    with transaction.atomic():
        assessment = current_assessment(case)
        if assessment is None:
            raise ValidationError({"safety": _("Assess the risks first: no contact with the family is made without "
                                               "a safety assessment (occasion “Before contact with the family”).")})
        require_safe(case=case, step="family_contact")
        require_consent(case=case, purpose=Purpose.FAMILY_CONTACT, lock=True)
        contact = FamilyContact.objects.create(case=case, relative=relative, contacted_on=day,
                                               note=_text(note), assessment=assessment, created_by=actor,
                                               institution=institution)
        audit.record(actor=actor, action="family_contact.record", obj=contact, case=case, institution=institution,
                     changes=audit.diff(FamilyContact, {}, {"contacted_on": day, "note": contact.note}),
                     details={"assessment": str(assessment.uuid),
                              "relative": str(relative.uuid) if relative is not None else ""})
    return contact




def appearance_check(*, actor, case, hearing, mode):
    """Before each appearance of the victim in court (nicat.proceedings.checks, registered in
    SafetyConfig.ready): a safety assessment must exist and not be past its review date on the hearing's
    day, and a high level needs its confirmed safety plan (SafetyPlanRequired), as for family contact and
    return. Returns the label kept on the appearance: the assessment's id and level, nothing personal."""
    assessment = current_assessment(case)
    day = timezone.localtime(hearing.starts_at).date()
    if assessment is None:
        raise ValidationError({"hearing": _("Assess the victim's safety before planning an appearance in court "
                                            "(the safety page of the case).")})
    if assessment.review_on and day and assessment.review_on < day:
        raise ValidationError({"hearing": _("The safety assessment of %(day)s is due for review on %(review)s, "
                                            "before the hearing: review it first.") % {
            "day": timezone.localtime(assessment.assessed_at).date().isoformat(),
            "review": assessment.review_on.isoformat()}})
    if assessment.blocks_risky_steps:
        raise SafetyPlanRequired(case, "court", assessment)
    return f"safety-assessment:{assessment.uuid}:{assessment.level}"
