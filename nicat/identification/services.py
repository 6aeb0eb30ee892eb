"""Changes of the identification app: screenings, the referral for identification, the official
decision, and the statutory deadlines. Every change checks access, validates with sentences a case
worker understands, writes in one transaction with optimistic locking, and is audited there."""
import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from nicat.access import policy
from nicat.access.predicates import ACTION_ROLES, acting_on, deciding_institution
from nicat.access.sections import IDENTITY, NARRATIVE, RETURN
from nicat.audit import services as audit
from nicat.cases.models import CLOSED_STATUSES, Case, TraffickingEvent, TraffickingStatus
from nicat.consent import services as consent_services
from nicat.consent.models import OrderStatus, Purpose
from nicat.core.calendar import baku_date, baku_today
from nicat.core.errors import ConcurrentEdit, NotAllowed
from nicat.core.services import bump_version, require_visible, snapshot
from nicat.directory.selectors import competent_authority, is_foreign_mission, refuse_foreign_mission_on_permit
from nicat.identification import engine
from nicat.identification import indicators as data
from nicat.identification.models import (
    DecisionOutcome,
    Identification,
    IdentificationDecision,
    IdentificationStatus,
    Screening,
    ScreeningStatus,
)
from nicat.legal import rules
from nicat.persons import age as age_rule
from nicat.vocab.models import Term

MAX_FACTS = 20000
MAX_INDICATOR_FACTS = 4000
LEGAL_FIELDS = {"acts": "act", "means": "means", "purposes": "exploitation"}
FACT_FIELDS = {"acts_facts": "acts", "means_facts": "means", "purpose_facts": "purposes"}
SCREENING_FIELDS = ("status", "acts_began_on", "population", "exploitation_kind", "acts_facts", "means_facts",
                    "purpose_facts", "consent_reported", "answers", "next_step")
OUTCOME_STATUS = {DecisionOutcome.RECOGNISED: TraffickingStatus.ACTUAL,
                  DecisionOutcome.NOT_RECOGNISED: TraffickingStatus.NOT_A_VICTIM}


# --- access -----------------------------------------------------------------------------------------

def may_screen(user, case, screening=None):
    """Whether `user` may read and write this screening of `case` (`screening=None`: start one). A screening's
    facts are what happened (the "narrative" section): its own institution's first responders (for a new one,
    the owner's, every case-working role: a doctor of the NGO screens too) and whoever sees the case's
    narrative section. A partner the referral shares less with (a clinic given the medical section) neither
    reads nor rewrites them."""
    institution_id = screening.institution_id if screening is not None else case.owner_institution_id
    return institution_id in policy.case_institution_ids(user) or policy.can_see_section(user, case, NARRATIVE)


def require_screening(user, case, screening=None):
    """Refuse (403 naming the narrative section) unless `may_screen`."""
    if not may_screen(user, case, screening):
        raise policy.SectionNotAllowed(NARRATIVE)


# --- age and citizenship ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class AgeAtActs:
    years: int | None
    is_estimate: bool
    on: datetime.date
    dated_from: str  # "recorded" (the screening's date of the acts), "first_event", "first_contact"
    majority: int  # the age of majority in force on that day (nicat.persons.age.child_age)


def age_on(person, day):
    """(whole years on `day`, is_estimate) by the one age rule (nicat.persons.age); (None, False) if unknown."""
    return age_rule.years_on(person, day)


def acts_date(case, acts_began_on=None):
    """The date the acts began: as recorded, else the earliest trafficking event, else the first contact
    (the latest the acts can have begun, so the age taken there is the highest it can have been)."""
    if acts_began_on:
        return acts_began_on, "recorded"
    dates = [d for d in TraffickingEvent.objects.of(case).values_list("date_from", flat=True) if d]
    if dates:
        return min(dates), "first_event"
    return baku_date(case.first_contact_at), "first_contact"


def age_at_acts(case, acts_began_on=None):
    """The person's age at the time of the acts, by the one age rule: a child then is a child here."""
    day, dated_from = acts_date(case, acts_began_on)
    years, estimate = age_rule.years_on(case.person, day)
    return AgeAtActs(years, estimate, day, dated_from, age_rule.child_age(day))


def citizenship_status(person):
    """"citizen" (the home state's citizenship among others: `NICAT_HOME_STATE`, Azerbaijan by default),
    "stateless", "foreign" or "unknown"."""
    codes = {t.code for t in person.citizenships.all()}
    if settings.NICAT_HOME_STATE in codes:
        return "citizen"
    if "XXA" in codes:
        return "stateless"
    return "foreign" if codes else "unknown"


def is_presumed_child(person, day=None):
    """A child on `day` (today on the Baku calendar), or presumed one until the age is established."""
    return age_rule.is_child(person, day)


def _identification_row(case):
    """The case's identification row, created if missing; a lost creation race is a concurrent edit."""
    try:
        with transaction.atomic():
            return Identification.objects.of(case).get_or_create(case=case)[0]
    except IntegrityError:
        raise ConcurrentEdit() from None


# --- screening --------------------------------------------------------------------------------------------

def answers_for(screening, *, case=None, overrides=None):
    """The engine's `Answers` for a screening (optionally with not-yet-saved values in `overrides`)."""
    values = _screening_values(screening)
    values.update(overrides or {})
    age = age_at_acts(case or screening.case, values.get("acts_began_on"))
    answers = values.get("answers") or {}
    return engine.Answers(
        age_at_acts=age.years, age_is_estimate=age.is_estimate, age_basis=age.dated_from, majority=age.majority,
        population=values.get("population") or None, exploitation=values.get("exploitation_kind") or None,
        acts=frozenset(values["acts"]), means=frozenset(values["means"]), purposes=frozenset(values["purposes"]),
        facts={name: values.get(field) for field, name in FACT_FIELDS.items()},
        consent_reported=bool(values.get("consent_reported")),
        indicators={code: (v or {}).get("answer") for code, v in answers.items()},
        indicator_facts={code: (v or {}).get("facts") for code, v in answers.items()},
    )


def _screening_values(screening):
    values = {f: getattr(screening, f) for f in SCREENING_FIELDS}
    for name in LEGAL_FIELDS:
        values[name] = sorted(t.code for t in getattr(screening, name).all()) if screening.pk else []
    values["answers"] = dict(screening.answers or {})
    return values


def _term_codes(name, vocabulary, terms, errors):
    codes = []
    for term in terms or []:
        if not isinstance(term, Term) or term.vocabulary != vocabulary or not term.active:
            label = getattr(term, "label", None) or str(term)
            errors[name] = {
                "act": _("“%(value)s” is not one of the acts in the legal definition. Choose from the list."),
                "means": _("“%(value)s” is not one of the means in the legal definition. Choose from the list."),
                "exploitation": _("“%(value)s” is not a form of exploitation in the vocabulary. Choose from the "
                                  "list."),
            }[vocabulary] % {"value": str(label)[:64]}
            return None
        codes.append(term.code)
    return sorted(set(codes))


def _validate_screening(case, screening, incoming):
    """Merge `incoming` into the screening's values and check them; return (values, terms by field)."""
    errors = {}
    values = _screening_values(screening)
    terms = {}
    for name, vocabulary in LEGAL_FIELDS.items():
        if name in incoming:
            codes = _term_codes(name, vocabulary, incoming[name], errors)
            if codes is not None:
                values[name] = codes
                terms[name] = list(incoming[name])
    for field in FACT_FIELDS:
        if field in incoming:
            text = (incoming[field] or "").strip()
            if len(text) > MAX_FACTS:
                errors[field] = _("The facts are longer than 20,000 characters. Keep the essentials; attach the "
                                  "rest as a note.")
            values[field] = text
    if "consent_reported" in incoming:
        values["consent_reported"] = bool(incoming["consent_reported"])
    if "exploitation_kind" in incoming:
        kind = incoming["exploitation_kind"] or ""
        if kind and kind not in data.EXPLOITATION_KINDS:
            errors["exploitation_kind"] = _("Choose labour or sexual exploitation, or leave it empty.")
        values["exploitation_kind"] = kind
    if "acts_began_on" in incoming:
        day = incoming["acts_began_on"]
        if day and day > timezone.localdate():
            errors["acts_began_on"] = _("The date the acts began is in the future. Enter the real or an "
                                        "approximate date, or leave it empty.")
        elif day and case.person.birth_date and day < case.person.birth_date:
            errors["acts_began_on"] = _("The acts cannot have begun before the person was born. Check this date "
                                        "and the date of birth.")
        values["acts_began_on"] = day
    if "population" in incoming:
        population = incoming["population"] or ""
        if population and population not in data.POPULATIONS:
            errors["population"] = _("Choose the adult or the child lists, or leave it empty.")
        values["population"] = population

    # Which list applies: the age at the time of the acts, and the purposes.
    legal = data.legal_definition()
    age = age_at_acts(case, values["acts_began_on"])
    derived, basis, _conflict = engine._population(
        engine.Answers(age_at_acts=age.years, age_is_estimate=age.is_estimate, majority=age.majority), legal)
    if values["population"] and values["population"] != derived and "population" not in errors:
        if basis == "age_unknown":
            errors["population"] = _("The age at the time of the acts is not known, so the child lists apply "
                                     "until it is established. Record the date of birth or an estimated age "
                                     "first, or leave the lists empty.")
        elif derived == "child":
            errors["population"] = _("The person was %(age)s at the time of the acts (%(day)s): a child. Use the "
                                     "child lists, or correct the date of birth or the date of the acts.") % {
                "age": age.years, "day": age.on.isoformat()}
        else:
            errors["population"] = _("The person was %(age)s at the time of the acts (%(day)s): an adult. Use the "
                                     "adult lists, or correct the date of birth or the date of the acts.") % {
                "age": age.years, "day": age.on.isoformat()}
    population = values["population"] or derived
    kind = values["exploitation_kind"] or legal.exploitation_kind(values["purposes"])
    iset = data.indicator_set()
    indicator_list = iset.list_for(population, kind)

    if "answers" in incoming:
        merged = dict(values["answers"])
        for code, entry in (incoming["answers"] or {}).items():
            if isinstance(entry, str):
                entry = {"answer": entry}
            if not isinstance(entry, dict):
                errors["answers"] = _("Each indicator answer is yes, no or unknown, with optional facts.")
                break
            indicator = iset.by_code.get(code)
            if indicator is None or indicator_list.name not in indicator.grades:
                errors["answers"] = _("“%(code)s” is not an indicator of the list used (%(list)s). Answer only the "
                                      "indicators shown.") % {"code": str(code)[:80], "list": indicator_list.label}
                break
            answer = entry.get("answer") or engine.UNKNOWN
            if answer not in engine.ANSWERS:
                errors["answers"] = _("Answer “%(code)s” with yes, no or unknown.") % {"code": code}
                break
            facts = (entry.get("facts") or "").strip()
            if len(facts) > MAX_INDICATOR_FACTS:
                errors["answers"] = _("The facts for “%(code)s” are longer than 4,000 characters. Keep the "
                                      "essentials.") % {"code": code}
                break
            if answer == engine.UNKNOWN and not facts:
                merged.pop(code, None)
            else:
                merged[code] = {"answer": answer, "facts": facts}
        values["answers"] = merged
    if errors:
        raise ValidationError(errors)
    return values, terms


def _snapshot(values):
    return snapshot(values, (*SCREENING_FIELDS, *LEGAL_FIELDS))


def save_screening(*, actor, case, data_in, screening=None, expected_version=None, complete=False):
    """Create a screening (`screening=None`) or save more answers into a draft; `complete=True` closes it.

    `data_in` holds only what changes: acts/means/purposes (Terms), *_facts (text), acts_began_on (date),
    population / exploitation_kind ("" to derive), consent_reported (bool), answers ({code: {answer, facts}}).
    """
    require_visible(actor, case)
    institution = policy.acting_institution(actor, case=case)
    if institution is None:
        raise NotAllowed
    if screening is not None and screening.case_id != case.pk:
        raise NotAllowed
    require_screening(actor, case, screening)
    if screening is not None:
        if screening.is_completed:
            raise ValidationError(_("This screening is completed and can no longer be changed. Start a new "
                                    "screening to record new facts."))
        if expected_version is None:
            raise ValidationError({"version": _("Give the version of the screening you read, so that no one "
                                                "else's answers are overwritten.")})
    values, terms = _validate_screening(case, screening or Screening(case=case), data_in)
    answers = answers_for(screening or Screening(case=case), case=case, overrides=values)
    result = recommend(case, answers)
    if complete:
        values["status"] = ScreeningStatus.COMPLETED
    values["next_step"] = result["next_step"]
    with transaction.atomic():
        if screening is None:
            before = {}
            screening = Screening(case=case, institution=institution, created_by=actor)
            action = "identification.screening.complete" if complete else "identification.screening.create"
        else:
            before = _snapshot(_screening_values(screening))
            if not Screening.objects.row(screening).filter(version=expected_version,
                                                           status=ScreeningStatus.DRAFT).update(version=F("version") + 1):
                raise ConcurrentEdit()
            screening.version = expected_version + 1
            action = "identification.screening.complete" if complete else "identification.screening.update"
        for field in SCREENING_FIELDS:
            if field != "status" or complete:
                setattr(screening, field, values[field])
        screening.result = result
        screening.indicator_set_version = result["indicator_set"]["version"]
        screening.updated_by = actor
        if complete:
            screening.completed_by = actor
            screening.completed_at = timezone.now()
        screening.save()
        for name, given in terms.items():
            getattr(screening, name).set(given)
        if complete:
            identification = _identification_row(case)
            if identification.status == IdentificationStatus.SCREENED:
                Identification.objects.row(identification).update(
                    screening=screening, version=F("version") + 1, updated_at=timezone.now())
        audit.record(actor=actor, action=action, obj=screening, case=case, institution=institution,
                     changes=audit.diff(Screening, before, _snapshot(values)),
                     details={"next_step": result["next_step"], "list": result["list"],
                              "indicator_set": result["indicator_set"]["version"]})
    return screening


def preview_screening(*, actor, case, data_in):
    """The recommendation the answers on the screening form give now, without saving anything (the form
    shows it as the answers change). Raises ValidationError like save_screening for answers it refuses."""
    require_visible(actor, case)
    blank = Screening(case=case)
    values, _terms = _validate_screening(case, blank, data_in)
    return recommend(case, answers_for(blank, case=case, overrides=values))


def recommend(case, answers):
    """The engine's recommendation for `answers`, with the figure its sentences name from the legal parameters:
    the referral hours in force on the case's first contact (`rules.referral_hours`, the deadline the case page
    shows), so that the advice "refer within N hours" never says another figure than the deadline."""
    result = engine.evaluate(answers)
    for reason in result["reasons"]:
        if reason["code"] == "next_refer_identification":
            reason["params"]["hours"] = rules.referral_hours(case.first_contact_at)
    return result


def view_screening(*, actor, screening, channel="web"):
    """Reading a screening's facts is reading identifying data: audited."""
    audit.record(actor=actor, action="identification.screening.view", obj=screening, case=screening.case,
                 institution=policy.acting_institution(actor, case=screening.case), details={"channel": channel})


# --- referral for identification ----------------------------------------------------------------------------

def referral_in_force(identification):
    """Does the referral for identification still rest on something: the person's valid consent, or an
    approved legal basis? (The Main Department's access follows the same rule: apps.referred_for_identification.)"""
    if identification is None or identification.referred_at is None:
        return False
    if identification.legal_basis_use_id:
        return identification.legal_basis_use.is_approved
    return identification.consent_id is not None and identification.consent.is_valid()


def referral_awaits_approval(identification):
    return bool(identification and identification.legal_basis_use_id and
                identification.legal_basis_use.status == OrderStatus.PENDING)


def refer_for_identification(*, actor, case, note="", screening=None, legal_basis="", legal_basis_reason="",
                             order=None, copy_bytes=None, sections=None):
    """Refer the case to the competent authority (the Main Department) for official identification.

    Passes the consent gate: the person's recorded consent for identification (purpose `identification`),
    or a legal basis (its decision, copy and sections; approved by a supervisor of the competent
    authority before the Main Department sees anything). Withdrawing that consent ends the Main
    Department's access at once (`end_for_withdrawn_consent`); the case may then be referred again on a
    new consent."""
    require_visible(actor, case)
    institution = policy.acting_institution(actor, case=case)
    if institution is None:
        raise NotAllowed
    errors = {}
    identification = Identification.objects.of(case).select_related("consent", "legal_basis_use").first()
    if identification and identification.status == IdentificationStatus.REFERRED and (
            referral_in_force(identification) or referral_awaits_approval(identification)):
        raise ValidationError(_("This case was already referred for identification on %(day)s. Nothing was "
                                "changed.") % {"day": timezone.localtime(identification.referred_at)
                                               .strftime("%Y-%m-%d %H:%M")})
    if case.trafficking_status != TraffickingStatus.POSSIBLE or (
            identification and identification.status in (IdentificationStatus.RECOGNISED,
                                                         IdentificationStatus.NOT_RECOGNISED)):
        raise ValidationError(_("The competent authority has already decided on this case. A new referral is "
                                "not needed; ask the Main Department to review its decision if new facts came "
                                "to light."))
    if case.status in CLOSED_STATUSES:
        errors["__all__"] = _("The case is closed. Reopen it before referring the person for identification.")
    note = (note or "").strip()
    if len(note) > MAX_FACTS:
        errors["note"] = _("The note is longer than 20,000 characters. Keep the essentials.")
    authority = competent_authority()
    if authority is None:
        errors["__all__"] = _("No competent authority for identification is set up. Ask the administrator to mark "
                              "the Main Department as the competent body.")
    if screening is not None and (screening.case_id != case.pk):
        raise NotAllowed
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        consent, legal_basis_use = consent_services.authorise(
            actor=actor, case=case, purpose=Purpose.IDENTIFICATION, institution=authority,
            legal_basis=legal_basis or "", legal_basis_reason=legal_basis_reason or "", order=order,
            copy_bytes=copy_bytes, sections=sections)
        identification = _identification_row(case)
        previous = identification.status
        updated = Identification.objects.row(identification).filter(
            version=identification.version,
            status__in=[IdentificationStatus.SCREENED, IdentificationStatus.REFERRED]).update(
            status=IdentificationStatus.REFERRED, referred_at=now, referred_by=actor,
            referred_by_institution=institution, referred_to=authority, consent_confirmed=consent is not None,
            consent=consent, legal_basis_use=legal_basis_use,
            screening=screening or identification.screening, version=F("version") + 1, updated_at=now)
        if not updated:
            raise ConcurrentEdit()
        identification.refresh_from_db()
        identification.referral_note = note
        identification.save(update_fields=["referral_note"])
        due = rules.referral_due(case.first_contact_at)
        audit.record(actor=actor, action="identification.referral", obj=identification, case=case,
                     institution=institution,
                     changes={**audit.diff(Identification, {"referral_note": ""}, {"referral_note": note}),
                              "status": [previous, IdentificationStatus.REFERRED],
                              "referred_to": [None, str(authority.uuid)]},
                     details={"on_time": now <= due, "consent": str(consent.uuid) if consent else None,
                              "legal_basis": legal_basis_use.legal_basis if legal_basis_use else None})
        if legal_basis_use is None:  # on a legal basis the authority hears of it when a supervisor approves it
            _notify(institution=authority, kind="identification_received", case=case, exclude=actor)
    return identification


def awaiting_referral(cases):
    """The one rule of a case whose referral to the competent authority is still awaited, as a filter of the
    queryset `cases`: an open case of a possible victim, not opened by the competent authority itself, not yet
    referred (`case_deadlines` shows the same cases' referral deadline as due or overdue)."""
    return (cases.filter(trafficking_status=TraffickingStatus.POSSIBLE).exclude(status__in=CLOSED_STATUSES)
            .exclude(owner_institution__is_competent_authority=True)
            .filter(Q(identification__isnull=True) | Q(identification__referred_at__isnull=True)))


def remind_overdue_referrals(*, now=None):
    """The periodic job `identification.deadlines` (nicat worker): the institution that owns an open case of a
    possible victim not referred to the competent authority within the referral hours in force on the day
    of first contact (`rules.referral_due`, the deadline the case page shows) is told once — a notification
    to its case workers (kind, reference, link) and an `identification.referral_overdue` event, which is
    also how a case already reminded is known. Returns how many cases were reminded."""
    from nicat.audit.models import AuditEvent
    from nicat.legal import services as legal_parameters

    now = now or timezone.now()
    # whole table: the job looks over every institution's open cases for the deadline, and tells each owner
    # about its own (kind, reference and link only)
    cases = (awaiting_referral(Case.objects.system()).filter(first_contact_at__lt=now)
             .select_related("owner_institution"))
    with legal_parameters.remembered():  # the referral hours read once, not once per open case
        deadlines = ((case, rules.referral_due(case.first_contact_at)) for case in cases.iterator(chunk_size=2000))
        due = [(case, deadline) for case, deadline in deadlines if deadline < now]
    if not due:
        return 0
    reminded = set(AuditEvent.objects.filter(action="identification.referral_overdue",
                                             case_uuid__in=[str(c.uuid) for c, _deadline in due])
                   .values_list("case_uuid", flat=True))
    count = 0
    for case, deadline in due:
        if str(case.uuid) in reminded:
            continue
        with transaction.atomic():
            audit.record(actor=None, action="identification.referral_overdue", obj=case, case=case,
                         institution=case.owner_institution, details={"deadline": deadline.isoformat()})
            _notify(institution=case.owner_institution, kind="identification_overdue", case=case)
        count += 1
    return count


def _notify(*, institution, kind, case, exclude=None):
    """A notification (kind, reference, link — nothing identifying) to the case-working staff of `institution`,
    in the caller's transaction; e-mailed after it commits when e-mail is configured (issue 15)."""
    from django.urls import reverse

    from nicat.referrals.notify import notify_institution

    if institution is not None:
        notify_institution(institution=institution, kind=kind, case_reference=case.reference,
                           link=reverse("cases:detail", args=[case.uuid]), exclude=exclude)


def end_for_withdrawn_consent(*, actor, consent):
    """Withdrawal handler (IdentificationConfig.ready()), inside the withdrawal's transaction: a referral for
    identification that rested on this consent rests on another valid one for the same scope, or it no
    longer gives the Main Department access (the grant requires a valid consent); the withdrawal is
    audited on the identification and the Main Department's officers are told."""
    if consent.purpose != Purpose.IDENTIFICATION:
        return
    for identification in (Identification.objects.of(consent, via="consent").select_for_update(of=("self",))
                           .select_related("case", "referred_to")):
        state, other = consent_services.decisive_consent(case=identification.case, purpose=Purpose.IDENTIFICATION,
                                                         institution=identification.referred_to)
        if state == "valid":  # still covered (another consent, or this one beyond a narrower refusal)
            if other.pk == identification.consent_id:
                continue
            identification.consent = other
            identification.version += 1
            identification.save(update_fields=["consent", "version"])
            continue
        if identification.consent_id == consent.pk and consent.withdrawn_at is None and consent.is_valid():
            # A refusal narrower than the consent (the Main Department refused by name beside a consent for any
            # body): the consent row stays in force for the others, so the referral no longer rests on it —
            # otherwise the read-time rule (apps.referral_basis_q), which looks at the row, would keep the access.
            identification.consent = None
            identification.version += 1
            identification.save(update_fields=["consent", "version"])
        audit.record(actor=actor, action="identification.referral.access_ended", obj=identification,
                     case=identification.case, institution=policy.acting_institution(actor, case=identification.case),
                     details={"consent": str(consent.uuid), "status": identification.status})
        if identification.referred_to_id and identification.status == IdentificationStatus.REFERRED:
            from nicat.referrals.models import NotificationKind
            from nicat.referrals.notify import notify_institution

            notify_institution(institution=identification.referred_to, kind=NotificationKind.REFERRAL_REVOKED,
                               case_reference=identification.case.reference,
                               link=reverse("identification:worklist"))


# --- the official decision --------------------------------------------------------------------------------------

def _clean_documents(documents, errors):
    cleaned = []
    if not isinstance(documents, (list, tuple)):
        errors["documents"] = _("List the documents the decision rests on: title, date and reference of each.")
        return cleaned
    for position, doc in enumerate(documents, start=1):
        if not isinstance(doc, dict):
            errors["documents"] = _("Document %(n)s: give a title, a date and a reference.") % {"n": position}
            break
        title = str(doc.get("title") or "").strip()
        reference = str(doc.get("reference") or "").strip()
        day = doc.get("date") or None
        if isinstance(day, str):
            try:
                day = datetime.date.fromisoformat(day)
            except ValueError:
                errors["documents"] = _("Document %(n)s: the date “%(value)s” is not a date (YYYY-MM-DD).") % {
                    "n": position, "value": day[:20]}
                break
        if not title and not reference and not day:
            continue
        if not title:
            errors["documents"] = _("Document %(n)s: give its title.") % {"n": position}
            break
        if len(title) > 300 or len(reference) > 200:
            errors["documents"] = _("Document %(n)s: the title or the reference is too long.") % {"n": position}
            break
        if day and day > timezone.localdate():
            errors["documents"] = _("Document %(n)s: the date is in the future.") % {"n": position}
            break
        cleaned.append({"title": title, "date": day.isoformat() if day else "", "reference": reference})
    return cleaned


def record_decision(*, actor, case, decision, expected_version):
    """Record the competent authority's official decision and set the case's trafficking status.

    `decision`: outcome ("recognised" | "not_recognised"), decided_on (date), reason (text),
    release_from_liability (bool), liability_note (text), documents ([{title, date, reference}]),
    certificate_language ("az" | "ru" | "en"). `expected_version`: the case version the officer read.
    """
    require_visible(actor, case)
    institution = deciding_institution(actor, case)
    if institution is None:
        raise policy.Refused(_("Only an identification officer of the Main Department (the competent authority) "
                               "can record the official decision on the trafficking status. Nothing was changed."))
    errors = {}
    outcome = decision.get("outcome")
    if outcome not in DecisionOutcome.values:
        errors["outcome"] = _("Choose the decision: recognised or not recognised as a victim of trafficking.")
    decided_on = decision.get("decided_on") or timezone.localdate()
    if isinstance(decided_on, datetime.datetime):
        decided_on = timezone.localdate(decided_on)
    if decided_on > timezone.localdate():
        errors["decided_on"] = _("The date of the decision is in the future. Enter the date it was taken.")
    elif decided_on < timezone.localdate(case.first_contact_at):
        errors["decided_on"] = _("The decision cannot predate the first contact with the person. Check the date.")
    reason = (decision.get("reason") or "").strip()
    if outcome == DecisionOutcome.NOT_RECOGNISED and not reason:
        errors["reason"] = _("Write the reason why the person is not recognised as a victim: the person and the "
                             "referring institution are told it.")
    if len(reason) > MAX_FACTS:
        errors["reason"] = _("The reasons are longer than 20,000 characters. Keep the essentials.")
    release = bool(decision.get("release_from_liability"))
    liability_note = (decision.get("liability_note") or "").strip()
    if release and outcome == DecisionOutcome.NOT_RECOGNISED:
        errors["release_from_liability"] = _("Release from liability follows only from recognition as a victim. "
                                             "Untick it, or record the person as recognised.")
    if liability_note and not release:
        errors["liability_note"] = _("Offences are listed only when the person is released from liability. "
                                     "Tick the release or clear the list.")
    documents = _clean_documents(decision.get("documents") or [], errors)
    if not documents and "documents" not in errors:
        errors["documents"] = _("List at least one document the decision rests on (for example the inquiry "
                                "report): title, date and reference.")
    language = decision.get("certificate_language") or "az"
    if language not in ("az", "ru", "en"):
        errors["certificate_language"] = _("Choose the language of the certificate: Azerbaijani, Russian or "
                                           "English.")
    if expected_version is None:
        errors["version"] = _("Give the version of the case you read, so that no one else's change is overwritten.")
    if errors:
        raise ValidationError(errors)

    new_status = OUTCOME_STATUS[outcome]
    with transaction.atomic():
        before = {"trafficking_status": case.trafficking_status,
                  "status_decided_by": case.status_decided_by_id, "status_decided_on": case.status_decided_on}
        if not Case.objects.row(case).filter(version=expected_version).update(
                trafficking_status=new_status, status_decided_by=institution, status_decided_on=decided_on,
                version=F("version") + 1, updated_at=timezone.now()):
            raise ConcurrentEdit()
        record = IdentificationDecision.objects.create(
            case=case, outcome=outcome, decided_on=decided_on, institution=institution, decided_by=actor,
            reason=reason, release_from_liability=release, liability_note=liability_note if release else "",
            documents=documents, certificate_language=language, previous_status=case.trafficking_status)
        identification = _identification_row(case)
        Identification.objects.row(identification).update(
            status=outcome, decision=record, version=F("version") + 1, updated_at=timezone.now())
        case.trafficking_status, case.status_decided_by, case.status_decided_on = new_status, institution, decided_on
        case.version = expected_version + 1
        changes = audit.diff(Case, before, {"trafficking_status": new_status, "status_decided_by": institution.pk,
                                            "status_decided_on": decided_on})
        changes.update(audit.diff(IdentificationDecision, {}, {
            "outcome": outcome, "decided_on": decided_on, "reason": reason, "release_from_liability": release,
            "liability_note": record.liability_note, "documents": documents, "certificate_language": language}))
        audit.record(actor=actor, action="identification.decision", obj=record, case=case, institution=institution,
                     changes=changes, details={"outcome": outcome, "documents": len(documents),
                                               "release_from_liability": release})
        kind = "status_recognised" if outcome == DecisionOutcome.RECOGNISED else "status_not_recognised"
        told = {institution.pk}
        for target in (case.owner_institution, identification.referred_by_institution):
            if target is not None and target.pk not in told:
                told.add(target.pk)
                _notify(institution=target, kind=kind, case=case, exclude=actor)
    return record


# --- after recognition ------------------------------------------------------------------------------------------------

def may_mark_permit(user, case):
    """Is `user` offered the "residence permit discussed" button: sees the case's "return" section, and acts for
    no foreign state's embassy or consulate (`mark_residence_permit_discussed` refuses it)?"""
    if not policy.can_see_section(user, case, RETURN):
        return False
    try:
        institution = acting_on(user, ACTION_ROLES["return"], case)
    except PermissionDenied:
        return False
    return institution.pk == case.owner_institution_id or not is_foreign_mission(institution)


def mark_residence_permit_discussed(*, actor, case, expected_version, on=None):
    """Record that the temporary residence permit was offered to a foreign or stateless victim.

    The permit belongs to the case's "return" section (as the permit record in assistance does): whoever does
    not see it is refused (403 naming it). `expected_version`: the version of the case's identification the
    user read (a missing one is refused, a stale one is a concurrent edit)."""
    require_visible(actor, case)
    policy.require_section(actor, case, RETURN)
    refuse_foreign_mission_on_permit(acting_on(actor, ACTION_ROLES["return"], case), case)
    identification = Identification.objects.of(case).first()
    if identification is None or identification.status != IdentificationStatus.RECOGNISED:
        raise ValidationError(_("The temporary residence permit follows official recognition; this case is not "
                                "recognised."))
    if citizenship_status(case.person) == "citizen":
        raise ValidationError(_("The person is a citizen of Azerbaijan: no residence permit is needed."))
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ValidationError({"on": _("The date is in the future.")})
    with transaction.atomic():
        bump_version(Identification, identification, expected_version)
        Identification.objects.row(identification).update(residence_permit_discussed_on=on,
                                                           updated_at=timezone.now())
        audit.record(actor=actor, action="identification.residence_permit_discussed", obj=identification, case=case,
                     institution=policy.acting_institution(actor, case=case),
                     changes={"residence_permit_discussed_on": [
                         identification.residence_permit_discussed_on.isoformat()
                         if identification.residence_permit_discussed_on else None, on.isoformat()]})


def referral_offered(case, identification):
    """May the case page (and a completed screening) offer "Refer for identification"? Only before the
    referral is in force or awaits approval, never after the official decision, never on a closed case."""
    status = identification.status if identification else IdentificationStatus.SCREENED
    if identification is not None and identification.decision_id:
        return False
    return bool((status == IdentificationStatus.SCREENED or (
        status == IdentificationStatus.REFERRED and not referral_in_force(identification)
        and not referral_awaits_approval(identification)))
        and not case.is_closed and case.trafficking_status == "PossibleVictimOfTrafficking")


def certificate_pdf(*, actor, case, language=None):
    """The printable status certificate of a recognised victim (PDF bytes). Printing it is audited."""
    from nicat.identification.certificate import render_certificate

    require_visible(actor, case)
    if not policy.can_see_section(actor, case, IDENTITY):
        raise policy.Refused(_("The certificate shows the person's name and date of birth, and you may not see "
                               "the section “%(section)s” of this case. Ask the institution that owns the case "
                               "to print it.") % {"section": policy.section_label(IDENTITY)})
    identification = Identification.objects.of(case).select_related("decision__institution").first()
    decision = identification.decision if identification else None
    if decision is None or decision.outcome != DecisionOutcome.RECOGNISED:
        raise ValidationError(_("A status certificate exists only for an officially recognised victim."))
    language = language or decision.certificate_language
    if language not in ("az", "ru", "en"):
        raise ValidationError({"language": _("Choose Azerbaijani, Russian or English.")})
    person = case.person
    # Foreign, stateless, or not recorded (treated as possibly foreign, as the case's deadlines do): the
    # certificate states the reflection period and the permit for all of them (docs/legal-rules.md §2).
    status = citizenship_status(person)
    reflection_end = rules.reflection_period_end(case.first_contact_at) if status != "citizen" else None
    pdf = render_certificate(case=case, person=person, decision=decision, language=language,
                             reflection_end=reflection_end, child=is_presumed_child(person))
    audit.record(actor=actor, action="identification.certificate.print", obj=decision, case=case,
                 institution=policy.acting_institution(actor, case=case), details={"language": language})
    return pdf


def verify_certificate(*, number, code):
    """Anyone may check a printed status certificate: True when the number and the verification code
    belong to a current official recognition, else False — never anything about the person. Audited
    (anonymous; the case only when the number names one)."""
    import re

    from django.utils.crypto import constant_time_compare

    from nicat.access.services import case_named
    from nicat.identification.certificate import verification_codes

    number = (number or "").strip().upper()
    wanted = re.sub(r"[^A-Z0-9]", "", (code or "").upper())
    reference, _sep, prefix = number.rpartition("-")
    valid, case = False, None
    if reference and len(prefix) == 8 and len(wanted) == 16:
        case = case_named(reference)
        identification = Identification.objects.of(case).select_related("decision").first() if case else None
        decision = identification.decision if identification else None
        valid = bool(decision is not None and decision.outcome == DecisionOutcome.RECOGNISED
                     and str(decision.uuid).upper().startswith(prefix)
                     and any([constant_time_compare(c.replace("-", ""), wanted) for c in verification_codes(decision)]))
    audit.record(actor=None, action="identification.certificate.verify", case=case if valid else None,
                 details={"valid": valid})
    return valid


# --- deadlines --------------------------------------------------------------------------------------------------------

@dataclass
class Deadline:
    kind: str  # "referral" | "reflection" | "residence_permit" | "decision"
    state: str  # "done" | "due" | "overdue" | "info"
    due: object = None  # datetime (referral) or date
    done_at: object = None
    late: bool = False
    case: object = None

    @property
    def is_overdue(self):
        return self.state == "overdue"


NOT_LOADED = object()  # case_deadlines(identification=...) not given: read it (None: the case has none)


def case_deadlines(case, *, identification=NOT_LOADED, now=None):
    """The statutory deadlines of one case, computed (never stored) from the legal parameters in force on
    the day each right arose (nicat.legal.rules, docs/legal-rules.md):

    * referral to the competent authority within the referral hours of first contact — not for a case
      the competent authority opened itself;
    * foreign or stateless (presumed) victims, or citizenship unknown (treated as possibly foreign), unless
      decided not a victim: the recovery and reflection period runs from the first contact (not from
      recognition) — no expulsion while it runs, nor while the identification is pending —; once
      recognised, the one-year temporary residence permit is offered on request by the end of that period.
    """
    now = now or timezone.now()
    today = baku_today(now)
    items = []
    if identification is NOT_LOADED:
        identification = Identification.objects.of(case).select_related("decision").first()
    status = identification.status if identification else IdentificationStatus.SCREENED
    due = rules.referral_due(case.first_contact_at)
    if identification and identification.referred_at:
        items.append(Deadline("referral", "done", due, identification.referred_at,
                              late=identification.referred_at > due, case=case))
    elif (not case.owner_institution.is_competent_authority and case.status not in CLOSED_STATUSES
          and case.trafficking_status == TraffickingStatus.POSSIBLE):
        items.append(Deadline("referral", "overdue" if now > due else "due", due, case=case))
    citizenship = citizenship_status(case.person)
    if citizenship == "citizen" or case.trafficking_status == TraffickingStatus.NOT_A_VICTIM:
        return items
    if status == IdentificationStatus.REFERRED:
        items.append(Deadline("no_expulsion", "info", case=case))
    end = rules.reflection_period_end(case.first_contact_at)
    items.append(Deadline("reflection", "info" if today <= end else "done", end, case=case))
    if status == IdentificationStatus.RECOGNISED and case.trafficking_status == TraffickingStatus.ACTUAL:
        discussed = identification.residence_permit_discussed_on
        if discussed:
            items.append(Deadline("residence_permit", "done", end, discussed, case=case))
        else:
            items.append(Deadline("residence_permit", "overdue" if today > end else "due", end, case=case))
    return items


def case_flags(case):
    """Protections shown on the case: a child is never deported; no expulsion during the reflection period."""
    person = case.person
    flags = []
    status = citizenship_status(person)
    age = age_rule.age_of(person)
    if age.is_child and status != "citizen":
        flags.append({"code": "child_never_deport", "age_unknown": not age.known})
    if status == "unknown":
        flags.append({"code": "citizenship_unknown"})
    return flags
