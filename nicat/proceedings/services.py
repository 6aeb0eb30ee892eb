"""Every change to suspected traffickers and criminal proceedings: access (the case visible, the
section allowed), validation with sentences a case worker understands, one transaction, the version
check on updates, and the audit event in that same transaction.

Who may write: whoever sees the `investigation` section of the case (law enforcement: the
identification officers and supervisors of a law-enforcement institution, on cases they own or that
a referral with consent shares with them). The `hearings` section is read-only for the others.
"""
import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from nicat.access import policy
from nicat.access.sections import INVESTIGATION
from nicat.audit import services as audit
from nicat.core import personview, validators
from nicat.core.services import atomic_edit, bump_version, require_visible, snapshot
from nicat.privacy import indexes, names
from nicat.proceedings.checks import run_appearance_checks
from nicat.proceedings.models import (
    AgeBand,
    Appearance,
    AppearanceMode,
    AppearanceStatus,
    CriminalCase,
    Hearing,
    HearingPurpose,
    LiabilityKind,
    Perpetrator,
    ReleaseOutcome,
    ReleaseRequest,
    Stage,
    StageChange,
    VerdictOutcome,
    VictimStatus,
)

PERPETRATOR_FIELDS = ("given_name", "family_name", "patronymic", "aliases", "roles", "role_details", "organisation",
                      "relation", "nationalities", "gender", "age_band")
CRIMINAL_CASE_FIELDS = ("number", "articles", "investigating_body", "opened_on", "victim_status", "perpetrators")
VERDICT_FIELDS = ("verdict_on", "verdict_court", "verdict_outcome", "sentence_summary", "confiscation_amount",
                  "confiscation_description")
HEARING_FIELDS = ("starts_at", "court", "purpose")
APPEARANCE_FIELDS = ("status", "mode", "accompanied_by", "person_view", "wished_mode", "person_wishes")
RELEASE_FIELDS = ("criminal_case", "liability", "offence", "requested_on", "authority")
RELEASE_DECISION_FIELDS = ("outcome", "decided_on", "decision_note")
M2M = {"roles", "nationalities", "articles", "perpetrators"}
VOCABULARY = {"roles": "perpetrator_role", "nationalities": "country", "relation": "trafficker_relation",
              "gender": "gender", "articles": "criminal_article"}


# --- access ------------------------------------------------------------------------------------------

def require_investigation(actor, case):
    """The case is visible to `actor` (else NotAllowed → 404) and `actor` sees its investigation file
    (else SectionNotAllowed → 403 naming it). Returns the institution acted for."""
    require_visible(actor, case)
    policy.require_section(actor, case, INVESTIGATION)
    return policy.institution_seeing_section(actor, case, INVESTIGATION)


# --- validation helpers ------------------------------------------------------------------------------

def _text(errors, data, name, limit, *, required=False, multiline=False, message=None):
    value = data.get(name)
    value = "" if value is None else value
    if not isinstance(value, str):
        errors[name] = _("Enter text.")
        return ""
    value = value.strip()
    if required and not value:
        errors[name] = message or _("This field is required.")
        return value
    if len(value) > limit:
        errors[name] = _("At most %(n)s characters.") % {"n": limit}
        return value
    try:
        (validators.plain_text if multiline else validators.single_line)(value)
    except ValidationError as error:
        errors[name] = error.messages
    return value


def _past_date(errors, data, name, *, required=False, message=None):
    value = data.get(name)
    if value in (None, ""):
        if required:
            errors[name] = message or _("Enter the date.")
        return None
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        errors[name] = _("Enter a valid date.")
        return None
    try:
        validators.not_in_future(value)
    except ValidationError as error:
        errors[name] = error.messages
    return value


def _choice(errors, data, name, choices, default=None):
    value = data.get(name) or default
    if value not in choices.values:
        errors[name] = _("Choose one of the listed values.")
    return value


def _term(errors, data, name, *, required=False):
    term = data.get(name)
    if term is None:
        if required:
            errors[name] = _("Choose a value.")
        return None
    if getattr(term, "vocabulary", None) != VOCABULARY[name] or not term.active:
        errors[name] = _("Choose one of the listed values.")
    return term


def _terms(errors, data, name, *, required=False, message=None):
    terms = list(data.get(name) or [])
    if required and not terms:
        errors[name] = message or _("Choose at least one.")
    if any(getattr(t, "vocabulary", None) != VOCABULARY[name] or not t.active for t in terms):
        errors[name] = _("Choose from the listed values.")
    return terms


def _aliases(errors, data):
    aliases = data.get("aliases") or []
    if isinstance(aliases, str):
        aliases = [a for a in (x.strip() for x in aliases.replace("\n", ",").split(",")) if a]
    if not isinstance(aliases, list) or not all(isinstance(a, str) and len(a) <= 150 for a in aliases):
        errors["aliases"] = _("Enter the other names separated by commas, each at most 150 characters.")
        return []
    for alias in aliases:
        try:
            validators.single_line(alias)
        except ValidationError as error:
            errors["aliases"] = error.messages
    return [a.strip() for a in aliases if a.strip()][:20]


def _set_m2m(obj, name, values):
    """Set a many-to-many of `obj`. Suspects are scoped records (their related manager needs an actor):
    written through the link table, after the service checked that each is of the same case."""
    if name != "perpetrators":
        getattr(obj, name).set(values)
        return
    through = CriminalCase.perpetrators.through
    through.objects.filter(criminalcase_id=obj.pk).delete()
    through.objects.bulk_create([through(criminalcase_id=obj.pk, perpetrator_id=p.pk) for p in values])


def _snap(obj, fields):
    out = {}
    for f in fields:
        if f == "perpetrators":
            out[f] = sorted(str(p.uuid) for p in Perpetrator.objects.of(obj.case).filter(criminal_cases=obj))
        elif f in M2M:
            out[f] = sorted(str(t.code) for t in getattr(obj, f).all())
        else:
            out[f] = snapshot(obj, [f])[f]
    for key, value in out.items():
        if isinstance(value, Decimal):
            out[key] = str(value)
        elif isinstance(value, (datetime.date, datetime.datetime)):
            out[key] = value.isoformat()
    return out


def name_index(given="", family="", patronymic=""):
    """Blind index of a suspect's full name: the same person spelt in Latin, Cyrillic or English, in any
    order, gives the same index (nicat.privacy.names.canonical)."""
    return indexes.exact("perpetrator.name", names.canonical(given or "", family or "", patronymic or ""))


def number_index(number):
    """Blind index of a criminal case number (spaces and case folded)."""
    return indexes.exact("proceedings.number", "".join((number or "").split()).upper())


# --- suspected traffickers ---------------------------------------------------------------------------

def _clean_perpetrator(data, partial=False):
    errors, clean = {}, {}

    def wanted(name):
        return not partial or name in data

    for name in ("given_name", "family_name", "patronymic"):
        if wanted(name):
            clean[name] = _text(errors, data, name, 150)
    if wanted("aliases"):
        clean["aliases"] = _aliases(errors, data)
    if wanted("role_details"):
        clean["role_details"] = _text(errors, data, "role_details", validators.text_max_chars(), multiline=True)
    if wanted("organisation"):
        clean["organisation"] = _text(errors, data, "organisation", 255)
    if wanted("roles"):
        clean["roles"] = _terms(errors, data, "roles", required=True,
                                message=_("Choose the suspect's role: recruiter, transporter, exploiter, controller…"))
    for name in ("relation", "gender"):
        if wanted(name):
            clean[name] = _term(errors, data, name)
    if wanted("nationalities"):
        clean["nationalities"] = _terms(errors, data, "nationalities")
    if wanted("age_band"):
        clean["age_band"] = _choice(errors, data, "age_band", AgeBand, AgeBand.UNKNOWN)
    return clean, errors


def add_perpetrator(*, actor, case, data):
    institution = require_investigation(actor, case)
    clean, errors = _clean_perpetrator(data)
    if not errors and not (clean["given_name"] or clean["family_name"] or clean["aliases"]):
        errors["family_name"] = _("Enter the suspect's name, or at least a nickname under other names.")
    if errors:
        raise ValidationError(errors)
    m2m = {k: clean.pop(k) for k in list(clean) if k in M2M}
    with transaction.atomic():
        perpetrator = Perpetrator(case=case, institution=institution, created_by=actor, **clean)
        perpetrator.name_index = name_index(clean["given_name"], clean["family_name"], clean["patronymic"])
        perpetrator.save()
        for name, terms in m2m.items():
            getattr(perpetrator, name).set(terms)
        audit.record(actor=actor, action="perpetrator.create", obj=perpetrator, case=case, institution=institution,
                     changes=audit.diff(Perpetrator, {}, _snap(perpetrator, PERPETRATOR_FIELDS)))
    return perpetrator


def update_perpetrator(*, actor, perpetrator, data, expected_version):
    institution = require_investigation(actor, perpetrator.case)
    clean, errors = _clean_perpetrator(data, partial=True)
    if errors:
        raise ValidationError(errors)
    m2m = {k: clean.pop(k) for k in list(clean) if k in M2M}
    with atomic_edit(perpetrator):
        bump_version(Perpetrator, perpetrator, expected_version)
        before = _snap(perpetrator, PERPETRATOR_FIELDS)
        for name, value in clean.items():
            setattr(perpetrator, name, value)
        if not (perpetrator.given_name or perpetrator.family_name or perpetrator.aliases):
            raise ValidationError({"family_name": _("Enter the suspect's name, or at least a nickname under other "
                                                    "names.")})
        perpetrator.name_index = name_index(perpetrator.given_name, perpetrator.family_name, perpetrator.patronymic)
        perpetrator.save()
        for name, terms in m2m.items():
            getattr(perpetrator, name).set(terms)
        audit.record(actor=actor, action="perpetrator.update", obj=perpetrator, case=perpetrator.case,
                     institution=institution,
                     changes=audit.diff(Perpetrator, before, _snap(perpetrator, PERPETRATOR_FIELDS)))
    return perpetrator


# --- the criminal case -------------------------------------------------------------------------------

def _clean_criminal_case(data, case, partial=False):
    errors, clean = {}, {}

    def wanted(name):
        return not partial or name in data

    if wanted("number"):
        clean["number"] = _text(errors, data, "number", 100, required=True,
                                message=_("Enter the number of the criminal case."))
    if wanted("articles"):
        clean["articles"] = _terms(errors, data, "articles", required=True,
                                   message=_("Choose the article of the Criminal Code (for example 144-1)."))
    if wanted("investigating_body"):
        body = data.get("investigating_body")
        if body is None or not getattr(body, "active", False):
            errors["investigating_body"] = _("Choose the body that investigates the case.")
        clean["investigating_body"] = body
    if wanted("opened_on"):
        clean["opened_on"] = _past_date(errors, data, "opened_on", required=True,
                                        message=_("Enter the date the criminal case was opened."))
    if wanted("victim_status"):
        clean["victim_status"] = _choice(errors, data, "victim_status", VictimStatus, VictimStatus.VICTIM)
    if wanted("perpetrators"):
        suspects = list(data.get("perpetrators") or [])
        if any(p.case_id != case.pk for p in suspects):
            # Never link a suspect recorded on another case (that would reveal it through this one).
            errors["perpetrators"] = _("Choose suspects recorded on this case.")
        clean["perpetrators"] = suspects
    return clean, errors


def open_criminal_case(*, actor, case, data):
    institution = require_investigation(actor, case)
    clean, errors = _clean_criminal_case(data, case)
    stage = _choice(errors, data, "stage", Stage, Stage.INQUIRY)
    if errors:
        raise ValidationError(errors)
    m2m = {k: clean.pop(k) for k in list(clean) if k in M2M}
    with transaction.atomic():
        criminal_case = CriminalCase(case=case, institution=institution, created_by=actor, stage=stage,
                                     stage_since=clean["opened_on"], **clean)
        criminal_case.number_index = number_index(clean["number"])
        criminal_case.save()
        for name, values in m2m.items():
            _set_m2m(criminal_case, name, values)
        StageChange.objects.create(criminal_case=criminal_case, from_stage="", to_stage=stage,
                                   changed_on=clean["opened_on"], recorded_by=actor)
        audit.record(actor=actor, action="criminal_case.create", obj=criminal_case, case=case,
                     institution=institution,
                     changes=audit.diff(CriminalCase, {}, _snap(criminal_case, CRIMINAL_CASE_FIELDS + ("stage",))))
    return criminal_case


def update_criminal_case(*, actor, criminal_case, data, expected_version):
    institution = require_investigation(actor, criminal_case.case)
    clean, errors = _clean_criminal_case(data, criminal_case.case, partial=True)
    if errors:
        raise ValidationError(errors)
    m2m = {k: clean.pop(k) for k in list(clean) if k in M2M}
    with atomic_edit(criminal_case):
        bump_version(CriminalCase, criminal_case, expected_version)
        before = _snap(criminal_case, CRIMINAL_CASE_FIELDS)
        for name, value in clean.items():
            setattr(criminal_case, name, value)
        if "opened_on" in clean and StageChange.objects.of(criminal_case).filter(
                changed_on__lt=clean["opened_on"]).exclude(from_stage="").exists():
            raise ValidationError({"opened_on": _("A change of stage is dated before this day. Check the date.")})
        criminal_case.number_index = number_index(criminal_case.number)
        criminal_case.save()
        for name, values in m2m.items():
            _set_m2m(criminal_case, name, values)
        audit.record(actor=actor, action="criminal_case.update", obj=criminal_case, case=criminal_case.case,
                     institution=institution,
                     changes=audit.diff(CriminalCase, before, _snap(criminal_case, CRIMINAL_CASE_FIELDS)))
    return criminal_case


def change_stage(*, actor, criminal_case, stage, changed_on, expected_version, note=""):
    """Move the criminal case to `stage` on `changed_on` (dated, never before the current stage began)."""
    institution = require_investigation(actor, criminal_case.case)
    errors = {}
    data = {"stage": stage, "changed_on": changed_on, "note": note}
    stage = _choice(errors, data, "stage", Stage)
    changed_on = _past_date(errors, data, "changed_on", required=True,
                            message=_("Enter the date of the change of stage."))
    note = _text(errors, data, "note", validators.text_max_chars(), multiline=True)
    if not errors and stage == criminal_case.stage:
        errors["stage"] = _("The criminal case is already at this stage.")
    if not errors and stage == Stage.VERDICT:
        errors["stage"] = _("Record the verdict itself (date, court, outcome): the stage follows from it.")
    if errors:
        raise ValidationError(errors)
    with atomic_edit(criminal_case):
        bump_version(CriminalCase, criminal_case, expected_version)
        criminal_case.refresh_from_db()
        if changed_on < criminal_case.stage_since:
            raise ValidationError({"changed_on": _("The current stage began on %(day)s; the change cannot be "
                                                   "earlier.") % {"day": criminal_case.stage_since.isoformat()}})
        before = criminal_case.stage
        StageChange.objects.create(criminal_case=criminal_case, from_stage=before, to_stage=stage,
                                   changed_on=changed_on, note=note, recorded_by=actor)
        criminal_case.stage, criminal_case.stage_since = stage, changed_on
        criminal_case.save(update_fields=["stage", "stage_since"])
        audit.record(actor=actor, action="criminal_case.stage", obj=criminal_case, case=criminal_case.case,
                     institution=institution, changes={"stage": [before, stage]},
                     details={"changed_on": changed_on.isoformat()})
    return criminal_case


def _amount(errors, data, name):
    value = data.get(name)
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        errors[name] = _("Enter an amount in manat, for example 15000 or 15000.50.")
        return None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12") or amount != amount.quantize(
            Decimal("0.01")):
        errors[name] = _("Enter an amount of zero or more, with at most two decimals.")
        return None
    return amount.quantize(Decimal("0.01"))


def record_verdict(*, actor, criminal_case, data, expected_version):
    """The court's verdict (date, court, outcome, sentence) and the confiscation; the case moves to the
    verdict stage on the verdict's date."""
    institution = require_investigation(actor, criminal_case.case)
    errors = {}
    verdict_on = _past_date(errors, data, "verdict_on", required=True, message=_("Enter the date of the verdict."))
    outcome = _choice(errors, data, "verdict_outcome", VerdictOutcome)
    court = _text(errors, data, "verdict_court", 255, required=True, message=_("Enter the court that gave the "
                                                                                 "verdict."))
    sentence = _text(errors, data, "sentence_summary", validators.text_max_chars(), multiline=True)
    amount = _amount(errors, data, "confiscation_amount")
    confiscated = _text(errors, data, "confiscation_description", validators.text_max_chars(), multiline=True)
    if not errors and outcome in (VerdictOutcome.CONVICTION, VerdictOutcome.PARTLY) and not sentence:
        errors["sentence_summary"] = _("Summarise the sentence (for example: 8 years of imprisonment).")
    if errors:
        raise ValidationError(errors)
    with atomic_edit(criminal_case):
        bump_version(CriminalCase, criminal_case, expected_version)
        criminal_case.refresh_from_db()
        if verdict_on < criminal_case.opened_on:
            raise ValidationError({"verdict_on": _("The verdict cannot be before the criminal case was opened.")})
        if criminal_case.stage not in (Stage.IN_COURT, Stage.APPEAL, Stage.VERDICT):
            raise ValidationError({"verdict_on": _("The case is not in court. Record that it went to court first.")})
        before = _snap(criminal_case, VERDICT_FIELDS + ("stage",))
        criminal_case.verdict_on, criminal_case.verdict_outcome, criminal_case.verdict_court = verdict_on, outcome, court
        criminal_case.sentence_summary, criminal_case.confiscation_amount = sentence, amount
        criminal_case.confiscation_description = confiscated
        if criminal_case.stage != Stage.VERDICT:
            if verdict_on < criminal_case.stage_since:
                raise ValidationError({"verdict_on": _("The current stage began on %(day)s; the verdict cannot be "
                                                       "earlier.") % {"day": criminal_case.stage_since.isoformat()}})
            StageChange.objects.create(criminal_case=criminal_case, from_stage=criminal_case.stage,
                                       to_stage=Stage.VERDICT, changed_on=verdict_on, recorded_by=actor)
            criminal_case.stage, criminal_case.stage_since = Stage.VERDICT, verdict_on
        criminal_case.save()
        audit.record(actor=actor, action="criminal_case.verdict", obj=criminal_case, case=criminal_case.case,
                     institution=institution,
                     changes=audit.diff(CriminalCase, before, _snap(criminal_case, VERDICT_FIELDS + ("stage",))))
    return criminal_case


# --- hearings and the victim's appearances -------------------------------------------------------------

def _clean_hearing(data, partial=False):
    errors, clean = {}, {}
    if not partial or "starts_at" in data:
        starts_at = data.get("starts_at")
        if not isinstance(starts_at, datetime.datetime):
            errors["starts_at"] = _("Enter the date and time of the hearing.")
        else:
            if timezone.is_naive(starts_at):
                starts_at = timezone.make_aware(starts_at)
            try:
                validators.plausible_date(starts_at)
            except ValidationError as error:
                errors["starts_at"] = error.messages
        clean["starts_at"] = starts_at
    if not partial or "court" in data:
        clean["court"] = _text(errors, data, "court", 255, required=True, message=_("Enter the court."))
    if not partial or "purpose" in data:
        clean["purpose"] = _choice(errors, data, "purpose", HearingPurpose, HearingPurpose.TRIAL)
    return clean, errors


def schedule_hearing(*, actor, criminal_case, data):
    institution = require_investigation(actor, criminal_case.case)
    clean, errors = _clean_hearing(data)
    if not errors and criminal_case.stage not in (Stage.IN_COURT, Stage.APPEAL, Stage.VERDICT):
        errors["starts_at"] = _("The case is not in court yet. Record that it went to court first.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        hearing = Hearing.objects.create(criminal_case=criminal_case, created_by=actor, **clean)
        audit.record(actor=actor, action="hearing.create", obj=hearing, case=criminal_case.case,
                     institution=institution, changes=audit.diff(Hearing, {}, _snap(hearing, HEARING_FIELDS)))
    return hearing


def update_hearing(*, actor, hearing, data, expected_version):
    case = hearing.criminal_case.case
    institution = require_investigation(actor, case)
    clean, errors = _clean_hearing(data, partial=True)
    if errors:
        raise ValidationError(errors)
    with atomic_edit(hearing):
        bump_version(Hearing, hearing, expected_version)
        before, starts_at = _snap(hearing, HEARING_FIELDS), hearing.starts_at
        for name, value in clean.items():
            setattr(hearing, name, value)
        if (hearing.starts_at != starts_at and hearing.starts_at > timezone.now()
                and Appearance.objects.of(hearing, via="hearing").filter(status__in=OUTCOMES_AFTER_HEARING).exists()):
            # Whether she appeared is recorded: the hearing took place, and cannot be moved to a time still ahead.
            raise ValidationError({"starts_at": _(
                "Whether the victim appeared at this hearing is recorded, so it has taken place: it cannot be moved "
                "to a time still ahead. Schedule the next hearing as a new one.")})
        hearing.save()
        checks = _recheck_appearance(actor, case, hearing) if hearing.starts_at != starts_at else None
        audit.record(actor=actor, action="hearing.update", obj=hearing, case=case, institution=institution,
                     changes=audit.diff(Hearing, before, _snap(hearing, HEARING_FIELDS)),
                     details={"checks": checks} if checks is not None else None)
    return hearing


def _recheck_appearance(actor, case, hearing):
    """A hearing moved to another day: the victim's appearance still required there passes the appearance checks
    again for the new day, as when it was planned (a safety assessment due for review before it, or a high level
    without a confirmed plan, refuses the move: nothing changes). The labels are kept on the appearance; None when
    no appearance is required."""
    appearance = Appearance.objects.of(hearing, via="hearing").filter(status=AppearanceStatus.REQUIRED).first()
    if appearance is None:
        return None
    try:
        passed = run_appearance_checks(actor=actor, case=case, hearing=hearing, mode=appearance.mode)
    except ValidationError as error:
        raise ValidationError({"starts_at": [
            _("The victim is required at this hearing, and on the new day: %(reason)s")
            % {"reason": " ".join(error.messages)}]}) from None
    appearance.safety_checked = passed
    appearance.save(update_fields=["safety_checked"])
    return passed


def plan_appearance(*, actor, hearing, data):
    """The victim is required at `hearing`: every registered appearance check runs first
    (nicat.proceedings.checks — the safety assessment); a refusal records nothing."""
    case = hearing.criminal_case.case
    institution = require_investigation(actor, case)
    errors = {}
    mode = _choice(errors, data, "mode", AppearanceMode, AppearanceMode.IN_PERSON)
    accompanied_by = data.get("accompanied_by")
    if accompanied_by is not None and not getattr(accompanied_by, "active", False):
        errors["accompanied_by"] = _("Choose an institution from the directory.")
    # A procedural duty, not a matter of consent — never planned without asking her: her view, how she wishes to
    # take part, and her wishes (accompaniment, protective measures asked), the one rule of nicat.core.personview.
    wishes = _text(errors, data, "person_wishes", 5000, multiline=True)
    view = personview.check_view(
        errors, data.get("person_view"), wishes,
        view_message=_("Record what the person thinks of appearing: she agrees, she objects, or she could not be "
                       "asked. Appearing may be her duty, but she is always asked."),
        wishes_message=_("Write down the person's wishes about the appearance: how she would take part, who should "
                         "accompany her, the protective measures she asks for — or why she could not be asked."))
    wished_mode = data.get("wished_mode") or ""
    if wished_mode and wished_mode not in AppearanceMode.values:
        errors["wished_mode"] = _("Choose how she wishes to take part from the list.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        Hearing.objects.row(hearing).select_for_update().first()
        if Appearance.objects.of(hearing, via="hearing").exists():
            raise ValidationError({"hearing": _("The victim's appearance at this hearing is already planned.")})
        passed = run_appearance_checks(actor=actor, case=case, hearing=hearing, mode=mode)
        appearance = Appearance.objects.create(hearing=hearing, mode=mode, accompanied_by=accompanied_by,
                                               status=AppearanceStatus.REQUIRED, safety_checked=passed,
                                               person_view=view, wished_mode=wished_mode, person_wishes=wishes,
                                               created_by=actor)
        audit.record(actor=actor, action="appearance.create", obj=appearance, case=case, institution=institution,
                     changes=audit.diff(Appearance, {}, _snap(appearance, APPEARANCE_FIELDS)),
                     details={"checks": passed, "person_view": view, "wished_mode": wished_mode or None,
                              "as_she_wishes": not wished_mode or wished_mode == mode})
    return appearance


# The outcomes that say what happened at the hearing: recorded only once it has begun ("excused" may come before).
OUTCOMES_AFTER_HEARING = (AppearanceStatus.APPEARED, AppearanceStatus.DID_NOT_APPEAR)


def _hearing_not_yet_held(starts_at):
    return ValidationError({"status": _(
        "The hearing has not taken place yet (it is on %(when)s): record whether the victim appeared after it. "
        "If the court excused her in advance, choose \"Excused\"; if the hearing was moved, change its date "
        "first.") % {"when": formats.date_format(timezone.localtime(starts_at), "SHORT_DATETIME_FORMAT")}})


def record_appearance(*, actor, appearance, status, expected_version):
    """Whether the victim appeared (after the hearing: "appeared" or "did not appear" for a hearing still ahead is
    refused on `status`, nothing recorded)."""
    case = appearance.hearing.criminal_case.case
    institution = require_investigation(actor, case)
    errors = {}
    status = _choice(errors, {"status": status}, "status", AppearanceStatus)
    if errors:
        raise ValidationError(errors)
    with atomic_edit(appearance):
        if status in OUTCOMES_AFTER_HEARING:
            # The hearing's time as stored, locked (before the appearance, in update_hearing's order) so that a
            # concurrent move cannot slip between the check and the write.
            starts_at = (Hearing.objects.row(appearance.hearing).select_for_update()
                         .values_list("starts_at", flat=True).get())
            if starts_at > timezone.now():
                raise _hearing_not_yet_held(starts_at)
        bump_version(Appearance, appearance, expected_version)
        before = appearance.status
        appearance.status = status
        appearance.save(update_fields=["status"])
        audit.record(actor=actor, action="appearance.update", obj=appearance, case=case, institution=institution,
                     changes={"status": [before, status]})
    return appearance


# --- release from liability ------------------------------------------------------------------------------

def request_release(*, actor, case, data):
    institution = require_investigation(actor, case)
    errors = {}
    criminal_case = data.get("criminal_case")
    if criminal_case is not None and criminal_case.case_id != case.pk:
        errors["criminal_case"] = _("Choose a criminal case of this case.")
    liability = _choice(errors, data, "liability", LiabilityKind)
    offence = _text(errors, data, "offence", validators.text_max_chars(), required=True, multiline=True,
                    message=_("Describe the offence the person committed as a result of being trafficked."))
    requested_on = _past_date(errors, data, "requested_on", required=True, message=_("Enter the date of the request."))
    authority = _text(errors, data, "authority", 255, required=True,
                      message=_("Enter the body asked to decide (prosecutor's office, court, police)."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        release = ReleaseRequest.objects.create(case=case, criminal_case=criminal_case, liability=liability,
                                                offence=offence, requested_on=requested_on,
                                                authority=authority, created_by=actor)
        audit.record(actor=actor, action="release_request.create", obj=release, case=case, institution=institution,
                     changes=audit.diff(ReleaseRequest, {}, _snap(release, RELEASE_FIELDS)))
    return release


def decide_release(*, actor, release, outcome, decided_on, expected_version, decision_note=""):
    institution = require_investigation(actor, release.case)
    errors = {}
    data = {"outcome": outcome, "decided_on": decided_on, "decision_note": decision_note}
    outcome = _choice(errors, data, "outcome", ReleaseOutcome)
    decided_on = _past_date(errors, data, "decided_on", required=outcome != ReleaseOutcome.PENDING,
                            message=_("Enter the date of the decision."))
    note = _text(errors, data, "decision_note", validators.text_max_chars(), multiline=True)
    if not errors and decided_on and decided_on < release.requested_on:
        errors["decided_on"] = _("The decision cannot be before the request.")
    if errors:
        raise ValidationError(errors)
    with atomic_edit(release):
        bump_version(ReleaseRequest, release, expected_version)
        before = _snap(release, RELEASE_DECISION_FIELDS)
        release.outcome = outcome
        release.decided_on = decided_on if outcome != ReleaseOutcome.PENDING else None
        release.decision_note = note
        release.save()
        audit.record(actor=actor, action="release_request.decide", obj=release, case=release.case,
                     institution=institution,
                     changes=audit.diff(ReleaseRequest, before, _snap(release, RELEASE_DECISION_FIELDS)))
    return release


# --- compensation linked to the proceedings (issue 17, item 5) -------------------------------------------

def link_compensation(*, actor, claim, criminal_case, expected_version):
    """Link a compensation claim (nicat.assistance) to the criminal case of the same case whose verdict
    decides it (`criminal_case=None` removes the link). The claim's version moves on."""
    from nicat.assistance.models import CompensationClaim

    institution = require_investigation(actor, claim.case)
    if criminal_case is not None and criminal_case.case_id != claim.case_id:
        raise ValidationError({"criminal_case": _("Choose a criminal case of the same case as the claim.")})
    with atomic_edit(claim):
        bump_version(CompensationClaim, claim, expected_version)
        before = claim.criminal_case.uuid if claim.criminal_case_id else None
        claim.criminal_case = criminal_case
        claim.save(update_fields=["criminal_case"])
        audit.record(actor=actor, action="compensation.link_proceedings", obj=claim, case=claim.case,
                     institution=institution,
                     changes={"criminal_case": [str(before) if before else None,
                                                str(criminal_case.uuid) if criminal_case else None]})
    return claim
