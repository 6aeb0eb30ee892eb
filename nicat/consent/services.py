"""Consent: record it, withdraw it, and THE GATE every disclosure, measure and referral passes.

    from nicat.consent.services import require_consent, authorise
    require_consent(case=case, purpose=Purpose.REFERRAL, institution=shelter)   # raises ValidationError
    consent, legal_basis_use = authorise(actor=..., case=..., purpose=..., institution=...,
                                         legal_basis="court_order", legal_basis_reason="...")

For a scope (case, purpose, institution, service) the most recent *event* decides: a consent given,
a consent refused, or a withdrawal. A withdrawal takes effect in its own transaction: the handlers
registered with `register_withdrawal_handler` (referrals revokes the referrals that relied on it)
run inside it, so the access that depended on the consent ends together with it.
"""
import datetime
import hashlib

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from nicat.access import policy
from nicat.accounts.models import Role
from nicat.audit import services as audit
from nicat.consent import legal_bases
from nicat.consent.models import (
    PURPOSES_NAMING_INSTITUTION,
    RETIRED_PURPOSES,
    Consent,
    Decision,
    GivenBy,
    LegalBasisUse,
    Method,
    OrderStatus,
    Purpose,
    WithdrawalWish,
)
from nicat.core import uploads
from nicat.core.errors import NotAllowed
from nicat.core.services import check_version, require_visible, snapshot
from nicat.directory.models import ServiceKind
from nicat.persons.age import age_of
from nicat.privacy import storage

MAX_FORM_BYTES = 2 * 1024 * 1024
FORM_TYPES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
CONSENT_FIELDS = ("purpose", "institution", "service", "decision", "given_by", "representative_name",
                  "representative_relation", "child_view", "method", "interpreter_language", "given_at", "expires_at",
                  "note")

_withdrawal_handlers = []
_event_handlers = []

# Events announced to the handlers registered with `register_event_handler` (referrals notifies the
# institutions concerned and acts on the referrals that rest on a legal basis):
WISH_RECORDED = "wish_recorded"                   # a consent recorded outside the owner institution: to confirm
WITHDRAWN_ELSEWHERE = "withdrawn_elsewhere"       # a withdrawal recorded outside the owner institution
WITHDRAWAL_WISH = "withdrawal_wish"               # a wish to withdraw a consent the recorder does not see
LEGAL_BASIS_REQUESTED = "legal_basis_requested"   # awaits a supervisor of the competent authority
LEGAL_BASIS_APPROVED = "legal_basis_approved"
LEGAL_BASIS_REJECTED = "legal_basis_rejected"


def register_withdrawal_handler(fn):
    """`fn(*, actor, consent)` runs inside the withdrawal's transaction (register in AppConfig.ready())."""
    _withdrawal_handlers.append(fn)
    return fn


def register_event_handler(fn):
    """`fn(*, actor, event, consent=None, use=None, case=None)` runs inside the transaction of the change it
    announces (`case` alone for a change of the whole case: every consent withdrawn)."""
    _event_handlers.append(fn)
    return fn


def _announce(actor, event, consent=None, use=None, case=None):
    for handler in _event_handlers:
        handler(actor=actor, event=event, consent=consent, use=use, case=case)


def owner_staff(actor, case):
    """The owner institution of `case` if `actor` works there (it alone records and confirms consents)."""
    return policy.acting_institution(actor, case.owner_institution)


def _when(dt):
    return formats.date_format(timezone.localtime(dt), "SHORT_DATE_FORMAT")


def sniff_form(data):
    """The content type of a signed form (PDF, JPEG or PNG, judged by its first bytes), or ValidationError."""
    if not data:
        raise ValidationError({"signed_form": _("The signed form is empty. Choose the scanned file again.")})
    if len(data) > MAX_FORM_BYTES:
        raise ValidationError({"signed_form": _("The signed form is larger than 2 MB. Scan it at a lower resolution "
                                         "or as a PDF.")})
    for magic, content_type in FORM_TYPES:
        if data.startswith(magic):
            return content_type
    raise ValidationError({"signed_form": _("The signed form must be a PDF, JPEG or PNG file.")})


def validate_consent_data(data, *, case):
    errors = {}
    purpose = data.get("purpose")
    if purpose not in Purpose.values:
        errors["purpose"] = _("Choose what the consent is for.")
    elif purpose in RETIRED_PURPOSES:
        errors["purpose"] = _("Consent to the processing of personal data is not recorded: keeping the case rests "
                              "on the law. Record consent for each disclosure or measure instead (a referral, a "
                              "service, contacting the family …).")
    if data.get("decision") not in Decision.values:
        errors["decision"] = _("Choose whether the consent was given or refused.")
    method = data.get("method")
    if method not in Method.values:
        errors["method"] = _("Choose how the consent was given: in writing, orally, or with an interpreter.")
    institution = data.get("institution")
    if purpose in PURPOSES_NAMING_INSTITUTION and institution is None:
        errors["institution"] = _("Name the institution this consent is for: consent to a referral or to "
                                  "notifying an embassy is given for one institution.")
    if institution is not None and not institution.active:
        errors["institution"] = _("This institution is no longer active. Choose another one.")
    if purpose == Purpose.CONSULAR_NOTIFICATION and institution is not None and institution.kind.code != \
            "embassy_consulate":
        errors["institution"] = _("Consular notification goes to an embassy or consulate. Choose one.")
    service = data.get("service") or ""
    if service and service not in ServiceKind.values:
        errors["service"] = _("Choose a service from the list.")
    if purpose == Purpose.SERVICE and not service:
        errors["service"] = _("Choose the service the person agrees to receive.")
    if method == Method.INTERPRETER and not data.get("interpreter_language"):
        errors["interpreter_language"] = _("Choose the language the interpreter used.")
    now = timezone.now()
    given_at = data.get("given_at") or now
    if given_at > now + timezone.timedelta(minutes=5):
        errors["given_at"] = _("The date of the consent is in the future. Enter when it was given.")
    expires_at = data.get("expires_at")
    if expires_at is not None and expires_at <= given_at:
        errors["expires_at"] = _("The consent would expire before it was given. Check the dates.")
    # The one age rule (nicat.persons.age): a child on the day of the consent — or presumed one while the age
    # is unknown or an estimate near 18 (Council of Europe Convention Art. 10(3)) — consents through the
    # legal representative.
    age = age_of(case.person, given_at)
    given_by = data.get("given_by") or GivenBy.PERSON
    if given_by not in GivenBy.values:
        errors["given_by"] = _("Choose who gave the consent.")
    if age.is_child:
        if given_by != GivenBy.LEGAL_REPRESENTATIVE and not age.is_presumed:
            errors["given_by"] = _("The person was a child (%(age)s years old) on that day: the legal "
                                   "representative gives consent. Record the representative, and the child's own "
                                   "view.") % {"age": age.years}
        elif given_by != GivenBy.LEGAL_REPRESENTATIVE:
            errors["given_by"] = _("The person's age is not established, so the person is presumed to be a child "
                                   "until it is: the legal representative gives consent. Record the date of birth "
                                   "(or the representative, and the child's own view).")
        if not (data.get("child_view") or "").strip():
            errors["child_view"] = _("Record the child's own view (or why the child could not express one).")
    if given_by == GivenBy.LEGAL_REPRESENTATIVE:
        if not (data.get("representative_name") or "").strip():
            errors["representative_name"] = _("Enter the name of the legal representative.")
        if not (data.get("representative_relation") or "").strip():
            errors["representative_relation"] = _("Enter how the representative is related to the person "
                                                  "(parent, guardian, guardianship authority …).")
    if errors:
        raise ValidationError(errors)


def record_consent(*, actor, case, data, form_bytes=None):
    """Record a decision (given or refused) for one purpose. A refusal is recorded just like a consent.

    The owner institution's decision counts at once. Recorded by anyone else who sees the case (the person
    told them), it is the person's wish: it counts only once the owner institution confirms it
    (`confirm_consent`), and the owner is notified."""
    require_visible(actor, case)
    owner = owner_staff(actor, case)
    institution = owner or policy.institution_on(actor, case)
    if institution is None:
        raise NotAllowed
    data = dict(data)
    errors = {}
    for check in (lambda: validate_consent_data(data, case=case),
                  lambda: sniff_form(form_bytes) if form_bytes is not None else ""):
        try:
            content_type = check()
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    with uploads.kept_if_committed() as store, transaction.atomic():
        consent = Consent(case=case, recorded_by=actor, recorded_by_institution=institution,
                          **{f: data[f] for f in CONSENT_FIELDS if data.get(f) not in (None, "")})
        if not consent.given_at:
            consent.given_at = timezone.now()
        if owner is not None:
            consent.confirmed_at, consent.confirmed_by = timezone.now(), actor
        if form_bytes:
            consent.form_content_type = content_type
            consent.form_size = len(form_bytes)
            extension = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}[content_type]
            # Encrypted on the way to the disk, under a random name (nicat.privacy.storage).
            # A full disk: a message on the form, nothing written (nicat.core.uploads).
            store(consent.signed_form, f"consent{extension}", ContentFile(form_bytes), field="signed_form")
        consent.save()
        details = {"purpose": consent.purpose, "decision": consent.decision,
                   "awaiting_confirmation": owner is None}
        if form_bytes:
            details["form"] = {"type": content_type, "size": len(form_bytes),
                               "sha256": hashlib.sha256(form_bytes).hexdigest()}
        audit.record(actor=actor, action="consent.record", obj=consent, case=case, institution=institution,
                     changes=audit.diff(Consent, {}, snapshot(consent, CONSENT_FIELDS)), details=details)
        if owner is None:
            _announce(actor, WISH_RECORDED, consent=consent)
        else:
            _end_superseded(actor, consent, owner)
    return consent


def _end_superseded(actor, refusal, owner):
    """The person's latest decision for a purpose and scope wins: a refusal that counts (recorded or confirmed by
    the owner institution) ends every earlier consent it covers as a withdrawal does — at the moment of the
    refusal, with the withdrawal handlers (referrals revoked, planned services cancelled, family tracing
    stopped …), so nothing stays open on a consent row that the read-time checks still find in force."""
    if refusal.decision != Decision.REFUSED or refusal.confirmed_at is None:
        return
    at = min(refusal.given_at, timezone.now())
    earlier = (Consent.objects.of(refusal.case).select_for_update(of=("self",))
               .filter(purpose=refusal.purpose, decision=Decision.GIVEN, withdrawn_at__isnull=True,
                       confirmed_at__isnull=False, given_at__lte=refusal.given_at)
               .exclude(pk=refusal.pk).select_related("case", "institution").order_by("pk"))
    for locked in earlier:
        if refusal.covers(institution=locked.institution, service=locked.service):
            _withdraw(actor, locked, "", owner, False, at=max(at, locked.given_at),
                      superseded_by_refusal=str(refusal.uuid))
        elif locked.covers(institution=refusal.institution, service=refusal.service):
            # A refusal narrower than the consent (one institution, of a consent given for any): the consent
            # stays for the others; what rested on it for the refused scope ends — the same handlers, which
            # end only what no consent in force covers any more.
            for handler in _withdrawal_handlers:
                handler(actor=actor, consent=locked)


def confirm_consent(*, actor, consent, expected_version=None):
    """The owner institution confirms a decision recorded elsewhere: from now on it counts."""
    case = consent.case
    require_visible(actor, case)
    institution = owner_staff(actor, case)
    if institution is None:
        raise ValidationError(_("Only %(owner)s, which owns the case, confirms a consent recorded elsewhere.")
                              % {"owner": case.owner_institution.name})
    with transaction.atomic():
        locked = Consent.objects.row(consent).select_for_update(of=("self",)).get()
        check_version(locked.version, expected_version)
        if locked.confirmed_at is not None:
            raise ValidationError(_("This decision already counts; there is nothing to confirm."))
        if locked.withdrawn_at is not None:
            raise ValidationError(_("This consent was withdrawn on %(day)s; it cannot be confirmed. Record a new "
                                    "one if the person agrees again.") % {"day": _when(locked.withdrawn_at)})
        locked.confirmed_at, locked.confirmed_by = timezone.now(), actor
        locked.version += 1
        locked.save(update_fields=["confirmed_at", "confirmed_by", "version"])
        audit.record(actor=actor, action="consent.confirm", obj=locked, case=case, institution=institution,
                     details={"purpose": locked.purpose, "decision": locked.decision,
                              "recorded_by_institution": locked.recorded_by_institution.code
                              if locked.recorded_by_institution_id else None})
        _end_superseded(actor, locked, institution)
    consent.confirmed_at, consent.confirmed_by, consent.version = locked.confirmed_at, actor, locked.version
    return locked


def withdraw_consent(*, actor, consent, note="", expressed_by_person=False):
    """Withdraw a consent now. Whatever depended on it ends in the same transaction.

    The owner institution withdraws on the person's behalf. Anyone else who sees the case records only
    a withdrawal the person expressed to them (`expressed_by_person`, and the note says how and when):
    it takes effect at once and the owner institution is notified."""
    case = consent.case
    require_visible(actor, case)
    owner = owner_staff(actor, case)
    note = _withdrawal_note(case, owner, note, expressed_by_person)
    with transaction.atomic():
        locked = Consent.objects.row(consent).select_for_update(of=("self",)).select_related("case", "institution").get()
        if locked.decision != Decision.GIVEN:
            raise ValidationError(_("This is a refusal, so there is nothing to withdraw. If the person now "
                                    "agrees, record a new consent."))
        if locked.withdrawn_at is not None:
            raise ValidationError(_("This consent was already withdrawn on %(day)s.") %
                                  {"day": _when(locked.withdrawn_at)})
        _withdraw(actor, locked, note, owner, expressed_by_person)
        if owner is None:
            _announce(actor, WITHDRAWN_ELSEWHERE, consent=locked)
    consent.withdrawn_at, consent.withdrawn_by, consent.version = locked.withdrawn_at, actor, locked.version
    return locked


def _withdrawal_note(case, owner, note, expressed_by_person):
    """The note of a withdrawal; outside the owner institution only one the person expressed, said how."""
    note = (note or "").strip()
    if owner is None:
        errors = {}
        if not expressed_by_person:
            errors["expressed_by_person"] = _(
                "Only %(owner)s, which owns the case, withdraws a consent on its own. You may record a withdrawal "
                "only if the person told you they withdraw it: confirm that, and say how and when.") % {
                "owner": case.owner_institution.name}
        if not note:
            errors["note"] = _("Say how and when the person told you they withdraw the consent.")
        if errors:
            raise ValidationError(errors)
    return note


def _withdraw(actor, locked, note, owner, expressed_by_person, at=None, **details):
    """Withdraw one locked consent now (or `at`, the moment of a later refusal), audited, and end what rested
    on it (the withdrawal handlers)."""
    locked.withdrawn_at = at or timezone.now()
    locked.withdrawn_by = actor
    locked.withdrawal_note = note
    locked.version += 1
    locked.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_note", "version"])
    audit.record(actor=actor, action="consent.withdraw", obj=locked, case=locked.case,
                 institution=owner or policy.institution_on(actor, locked.case),
                 changes=audit.diff(Consent, {"withdrawal_note": ""}, {"withdrawal_note": locked.withdrawal_note}),
                 details={"purpose": locked.purpose, "by_owner": owner is not None,
                          "expressed_by_person": bool(expressed_by_person), **details})
    for handler in _withdrawal_handlers:
        handler(actor=actor, consent=locked)


def withdraw_all_consents(*, actor, case, note="", expressed_by_person=False):
    """The person withdraws every consent she gave on the case — those the actor sees and those given to others
    (the police, an embassy …) that a receiving institution is not shown (nicat.consent.selectors.concerning).
    Each consent in force (or awaiting the owner's confirmation) is withdrawn at once, with what rested on it, in
    one transaction; outside the owner institution only as the person expressed it (`expressed_by_person` and
    a note saying how), and the owner institution is notified once. Returns how many were withdrawn (shown to
    the owner's staff only: to a receiver the number would tell of consents it does not see)."""
    require_visible(actor, case)
    owner = owner_staff(actor, case)
    if owner is None and policy.institution_on(actor, case) is None:
        raise NotAllowed
    note = _withdrawal_note(case, owner, note, expressed_by_person)
    with transaction.atomic():
        in_force = list(Consent.objects.of(case).select_for_update(of=("self",))
                        .filter(decision=Decision.GIVEN, withdrawn_at__isnull=True)
                        .select_related("case", "institution").order_by("pk"))
        for locked in in_force:
            _withdraw(actor, locked, note, owner, expressed_by_person, every_consent=True)
        audit.record(actor=actor, action="consent.withdraw_all", obj=case, case=case,
                     institution=owner or policy.institution_on(actor, case),
                     details={"withdrawn": len(in_force), "by_owner": owner is not None,
                              "expressed_by_person": bool(expressed_by_person),
                              "consents": [str(c.uuid) for c in in_force]})
        if owner is None:
            _announce(actor, WITHDRAWN_ELSEWHERE, case=case)
    return len(in_force)


def record_withdrawal_wish(*, actor, case, note):
    """The person told `actor` (outside the owner institution) that she withdraws a consent not listed to them —
    one given to the police, an embassy or another institution, which a receiver does not see. Nothing is
    withdrawn: her expressed wish is recorded with the note (sealed), audited, and the owner institution — which
    sees every consent — is notified and has it on its work list until it acts on it (`resolve_withdrawal_wish`).
    The answer tells the recorder nothing of the other consents. The owner's staff withdraw directly instead."""
    require_visible(actor, case)
    if owner_staff(actor, case) is not None:
        raise ValidationError({"note": _("Your institution owns the case and sees every consent: withdraw the "
                                         "consent the person names directly.")})
    institution = policy.institution_on(actor, case)
    if institution is None:
        raise NotAllowed
    note = (note or "").strip()
    if len(note) < 10:
        raise ValidationError({"note": _("Write what the person said: which consent she withdraws (as she named "
                                         "it), how and when she told you — at least 10 characters.")})
    if len(note) > 5000:
        raise ValidationError({"note": _("The note is longer than 5,000 characters.")})
    with transaction.atomic():
        wish = WithdrawalWish.objects.create(case=case, note=note, recorded_by=actor,
                                             recorded_by_institution=institution)
        audit.record(actor=actor, action="consent.withdrawal_wish", obj=wish, case=case, institution=institution,
                     changes=audit.diff(WithdrawalWish, {}, {"note": note}),
                     details={"owner": case.owner_institution.code})
        _announce(actor, WITHDRAWAL_WISH, case=case)
    return wish


def resolve_withdrawal_wish(*, actor, wish, note, expected_version=None):
    """The owner institution has acted on a wish to withdraw a consent (withdrawn the consent it names, or
    found none and says so): it leaves the work list, with what was done. Nothing is withdrawn here."""
    case = wish.case
    require_visible(actor, case)
    institution = owner_staff(actor, case)
    if institution is None:
        raise NotAllowed
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say what you did: which consent you withdrew, or why none was.")})
    if len(note) > 5000:
        raise ValidationError({"note": _("The note is longer than 5,000 characters.")})
    with transaction.atomic():
        locked = WithdrawalWish.objects.row(wish).select_for_update(of=("self",)).get()
        check_version(locked.version, expected_version)
        if locked.handled_at is not None:
            raise ValidationError(_("This wish was already acted on, on %(day)s.") % {"day": _when(locked.handled_at)})
        locked.handled_at, locked.handled_by, locked.handling_note = timezone.now(), actor, note
        locked.version += 1
        locked.save(update_fields=["handled_at", "handled_by", "handling_note", "version"])
        audit.record(actor=actor, action="consent.withdrawal_wish_resolve", obj=locked, case=case,
                     institution=institution, changes=audit.diff(WithdrawalWish, {}, {"handling_note": note}))
    return locked


# --- the gate -------------------------------------------------------------------------------------


def _decisions(consents, purpose, at):
    """The consents of `consents` (a queryset of one case's or of several cases') that count at `at` for `purpose`:
    given by then and confirmed — the one rule of `decisive_consent` and `consents_valid_for`."""
    return consents.filter(purpose=purpose, given_at__lte=at, confirmed_at__isnull=False).select_related("institution")


def _events(case, purpose, institution, service, at):
    """(time, kind, consent) of every decision and withdrawal that applies to the scope, oldest first."""
    consents = _decisions(Consent.objects.of(case), purpose, at)
    return _ordered_events((c for c in consents if c.covers(institution=institution, service=service)), at)


def _ordered_events(consents, at):
    events = []
    for c in consents:
        events.append((c.given_at, c.pk, c.decision, c))
        if c.withdrawn_at is not None and c.withdrawn_at <= at:
            events.append((c.withdrawn_at, c.pk, "withdrawn", c))
    events.sort(key=lambda e: (e[0], e[1], e[2] == "withdrawn"))
    return events


def refusing_case_ids(consents, purpose, at=None):
    """Ids of the cases whose decisive decision for `purpose` (given for no particular institution or service)
    is a refusal or a withdrawal — `decisive_consent` for every case of `consents` at once (a queryset of
    Consent: the caller's door to the rows it may read), for a use of the whole registry that must leave
    those cases out (the anonymised research release)."""
    at = at or timezone.now()
    by_case = {}
    for c in consents.filter(purpose=purpose, given_at__lte=at, confirmed_at__isnull=False,
                             institution__isnull=True, service=""):
        by_case.setdefault(c.case_id, []).append(c)
    return {case_id for case_id, consents in by_case.items()
            if _ordered_events(consents, at)[-1][2] in (Decision.REFUSED, "withdrawn")}


def decisive_consent(*, case, purpose, institution=None, service="", at=None):
    """(state, consent) for the scope: state is "valid", "missing", "refused", "withdrawn" or "expired"."""
    at = at or timezone.now()
    return _decisive(_events(case, purpose, institution, service or "", at), at)


def consents_valid_for(*, pairs, purpose, at=None):
    """`{(case pk, institution pk): consent_is_valid(case=…, purpose=purpose, institution=…)}` for many (case,
    institution) pairs — a list's rows — in one query: the consents of those cases only (`of_many`), decided as
    `decisive_consent` decides (the last decision or withdrawal that covers the institution)."""
    at = at or timezone.now()
    pairs = list(pairs)
    by_case: dict = {}
    cases = list({case.pk: case for case, _institution in pairs}.values())
    for c in _decisions(Consent.objects.of_many(cases), purpose, at):
        by_case.setdefault(c.case_id, []).append(c)
    return {(case.pk, institution.pk): _decisive(_ordered_events(
        (c for c in by_case.get(case.pk, ()) if c.covers(institution=institution, service="")), at), at)[0] == "valid"
        for case, institution in pairs}


def _decisive(events, at):
    if not events:
        return "missing", None
    _when_, _pk, kind, consent = events[-1]
    if kind == "withdrawn":
        return "withdrawn", consent
    if kind == Decision.REFUSED:
        return "refused", consent
    if not consent.is_valid(at):
        return "expired", consent
    return "valid", consent


def _scope_text(purpose, institution, service):
    text = str(Purpose(purpose).label)
    if institution is not None:
        text += " — " + institution.name
    if service:
        text += " — " + str(ServiceKind(service).label)
    return text


def moment_of(on):
    """The moment a measure dated `on` took place: a datetime as it is; a day (a date without a time) as the
    end of that day in Baku — a consent given that day covers it, a withdrawal or expiry that day stops it."""
    if on is None or isinstance(on, datetime.datetime):
        return on
    return timezone.make_aware(datetime.datetime.combine(on, datetime.time(23, 59, 59, 999999)),
                               timezone.get_default_timezone())


def consent_in_force(*, case, purpose, on, institution=None, service="", lock=False):
    """THE rule for a measure with a date of its own (a service delivered, an admission, a return completed),
    whenever it is recorded: the consent for the scope must have been in force on `on` (a date or a
    datetime) — given before it, not yet withdrawn, expired or refused then — and still be recorded. A later
    withdrawal does not undo a past lawful measure; a measure dated after a withdrawal (or before the consent
    was given) is refused. Returns the consent, or raises the gate's ValidationError."""
    return require_consent(case=case, purpose=purpose, institution=institution, service=service,
                           at=moment_of(on), lock=lock)


def require_consent(*, case, purpose, institution=None, service="", at=None, lock=False):
    """The valid consent for this purpose (and institution/service), or ValidationError saying which is missing.

    `at`: the moment the measure takes place (now by default; `consent_in_force` for a dated measure).
    `lock=True` (inside a transaction) locks the consent row, so a withdrawal running at the same time
    waits for the caller's transaction or makes it fail — never both succeed.
    """
    state, consent = decisive_consent(case=case, purpose=purpose, institution=institution, service=service, at=at)
    scope = _scope_text(purpose, institution, service)
    if state == "missing" and at is not None and at < timezone.now() and decisive_consent(
            case=case, purpose=purpose, institution=institution, service=service)[0] == "valid":
        raise ValidationError({"consent": ValidationError(
            _("On %(day)s, the date of this measure, no consent to “%(scope)s” was in force: the person's consent "
              "was given later. Check the date; a measure taken before the person consented is not recorded as "
              "consented.") % {"scope": scope, "day": _when(at)}, code="consent_missing")})
    if state == "missing":
        raise ValidationError({"consent": ValidationError(
            _("No consent is recorded for “%(scope)s”. Record the person's consent (for a child, the legal "
              "representative's) on the case first, or use a legal basis if a law requires this without "
              "consent.") % {"scope": scope}, code="consent_missing")})
    if state == "refused":
        raise ValidationError({"consent": ValidationError(
            _("The person refused consent to “%(scope)s” on %(day)s. The refusal is respected: nothing is done "
              "for this purpose unless the person consents later or a law requires it (legal basis).")
            % {"scope": scope, "day": _when(consent.given_at)}, code="consent_refused")})
    if state == "withdrawn":
        raise ValidationError({"consent": ValidationError(
            _("Consent to “%(scope)s” was withdrawn on %(day)s. Record a new consent if the person agrees "
              "again.") % {"scope": scope, "day": _when(consent.withdrawn_at)}, code="consent_withdrawn")})
    if state == "expired":
        raise ValidationError({"consent": ValidationError(
            _("Consent to “%(scope)s” expired on %(day)s. Ask the person again and record the new consent.")
            % {"scope": scope, "day": _when(consent.expires_at)}, code="consent_expired")})
    if lock:
        locked = Consent.objects.row(consent).select_for_update().get()
        if not locked.is_valid(at):
            raise ValidationError({"consent": ValidationError(
                _("Consent to “%(scope)s” was withdrawn a moment ago. Nothing was done.") % {"scope": scope},
                code="consent_withdrawn")})
        return locked
    return consent


def require_not_refused(*, case, purpose, institution=None, service=""):
    """For a measure that may be prepared before the person is asked (a voluntary return: its risks, documents
    and travel), but never against what the person decided: a refusal or a withdrawal in force for the scope
    stops it, with the gate's message. The measure itself still passes `require_consent`."""
    state, _consent = decisive_consent(case=case, purpose=purpose, institution=institution, service=service)
    if state in ("refused", "withdrawn"):
        require_consent(case=case, purpose=purpose, institution=institution, service=service)


def require_service_consent(*, case, service, provider, at=None, on=None, lock=False):
    """The one rule for a service (shelter, each rehabilitation area …): the person's consent to receive
    `service` from `provider`, the institution that provides it. A consent naming that institution covers
    it, and so does one naming no institution (given for the service from anyone); a consent naming
    another institution does not. Admission, the plan's agreement and the log of services all ask here.
    `on`: the date of a service already delivered (`consent_in_force`)."""
    return require_consent(case=case, purpose=Purpose.SERVICE, institution=provider, service=service,
                           at=at if on is None else moment_of(on), lock=lock)


def consent_is_valid(*, case, purpose, institution=None, service="", at=None):
    return decisive_consent(case=case, purpose=purpose, institution=institution, service=service, at=at)[0] == \
        "valid"


def valid_consent_q(prefix="consent__", at=None):
    """A Q that a related consent (through `prefix`) is given, not withdrawn and not expired."""
    at = at or timezone.now()
    return (Q(**{f"{prefix}decision": Decision.GIVEN}) & Q(**{f"{prefix}withdrawn_at__isnull": True}) &
            Q(**{f"{prefix}confirmed_at__isnull": False}) &
            (Q(**{f"{prefix}expires_at__isnull": True}) | Q(**{f"{prefix}expires_at__gt": at})))


# --- legal bases: orders that override consent, approved by a second person ------------------------

LEGAL_BASIS_FIELDS = ("legal_basis", "purpose", "issuing_body", "order_number", "order_date", "sections", "reason")


def approving_institution(user):
    """The competent authority on whose behalf `user` approves legal bases (a supervisor there), or None."""
    for m in policy.memberships(user):
        if m.role == Role.SUPERVISOR and m.institution.is_competent_authority:
            return m.institution
    return None


def may_approve_legal_bases(user):
    return approving_institution(user) is not None


def sniff_copy(data):
    """The content type of the copy of a decision (PDF, JPEG or PNG by its first bytes), or ValidationError."""
    if not data:
        raise ValidationError({"legal_basis_copy": _("Attach a copy of the decision (PDF, JPEG or PNG): nothing "
                                                     "is shared on a decision nobody can check.")})
    limit = storage.max_upload_bytes()
    if len(data) > limit:
        raise ValidationError({"legal_basis_copy": _("The copy of the decision is larger than %(mb)s MB. Scan it at "
                                                     "a lower resolution.") % {"mb": f"{limit / 1048576:g}"}})
    content_type = storage.sniff(data[:16])
    if content_type is None:
        raise ValidationError({"legal_basis_copy": _("The copy of the decision must be a PDF, JPEG or PNG file.")})
    return content_type


def validate_legal_basis(*, purpose, legal_basis, reason, order=None, copy_bytes=None, sections=None):
    """Check a request to act on a legal basis. Error keys are those of the forms and the API:
    legal_basis, legal_basis_reason, legal_basis_issuing_body, legal_basis_order_number,
    legal_basis_order_date, legal_basis_copy, legal_basis_sections."""
    from nicat.access.sections import CODES as SECTIONS

    order = order or {}
    errors = {}
    if legal_bases.get(legal_basis) is None:
        errors["legal_basis"] = _("Choose a legal basis from the list.")
    elif not legal_bases.allows(legal_basis, purpose):
        errors["legal_basis"] = _("“%(basis)s” does not allow “%(purpose)s” without consent. Choose another "
                                  "legal basis or record the person's consent.") % {
            "basis": legal_bases.label(legal_basis), "purpose": Purpose(purpose).label}
    if len((reason or "").strip()) < 10:
        errors["legal_basis_reason"] = _("Explain why the law requires this without consent in at least 10 "
                                         "characters.")
    if legal_bases.get(legal_basis) is not None and legal_bases.requires_order(legal_basis):
        if not (order.get("issuing_body") or "").strip():
            errors["legal_basis_issuing_body"] = _("Name the court or prosecutor's office that issued the decision.")
        elif len(order["issuing_body"].strip()) > 300:
            errors["legal_basis_issuing_body"] = _("The name of the issuing body is longer than 300 characters.")
        if not (order.get("order_number") or "").strip():
            errors["legal_basis_order_number"] = _("Enter the number of the decision.")
        elif len(order["order_number"].strip()) > 100:
            errors["legal_basis_order_number"] = _("The number of the decision is longer than 100 characters.")
        day = order.get("order_date")
        if not day:
            errors["legal_basis_order_date"] = _("Enter the date of the decision.")
        elif day > timezone.localdate() or day.year < 1991:
            errors["legal_basis_order_date"] = _("The date of the decision cannot be in the future or before 1991. "
                                                 "Check it.")
        try:
            sniff_copy(copy_bytes)
        except ValidationError as error:
            errors.update({k: v[0] for k, v in error.message_dict.items()})
    chosen = list(sections or [])
    if not chosen:
        errors["legal_basis_sections"] = _("Choose the sections of the case the decision names: only they are "
                                           "shared.")
    elif any(c not in SECTIONS for c in chosen):
        errors["legal_basis_sections"] = _("Unknown section(s): %(codes)s.") % {
            "codes": ", ".join(str(c) for c in chosen if c not in SECTIONS)}
    if errors:
        raise ValidationError(errors)


def request_legal_basis(*, actor, case, purpose, legal_basis, reason, institution=None, service="", order=None,
                        copy_bytes=None, sections=None):
    """Ask to act without consent because a law requires it. The request names the decision, attaches its
    copy (encrypted) and the sections it names; nothing rests on it until a supervisor of the competent
    authority other than the requester approves it (`approve_legal_basis`). Audited; the approvers are
    notified. The person's own decision for the scope (a refusal …) is kept with it."""
    require_visible(actor, case)
    acting = owner_staff(actor, case)
    if acting is None:
        raise ValidationError({"legal_basis": _("Only %(owner)s, which owns the case, may invoke a legal basis for "
                                                "it.") % {"owner": case.owner_institution.name}})
    order = order or {}
    validate_legal_basis(purpose=purpose, legal_basis=legal_basis, reason=reason, order=order,
                         copy_bytes=copy_bytes, sections=sections)
    state, _consent = decisive_consent(case=case, purpose=purpose, institution=institution, service=service or "")
    with uploads.kept_if_committed() as store, transaction.atomic():
        use = LegalBasisUse(case=case, purpose=purpose, institution=institution, legal_basis=legal_basis,
                            reason=reason.strip(), used_by=actor, used_by_institution=acting,
                            issuing_body=(order.get("issuing_body") or "").strip(),
                            order_number=(order.get("order_number") or "").strip(),
                            order_date=order.get("order_date"), sections=_ordered_sections(sections),
                            consent_state=state, status=OrderStatus.PENDING)
        if copy_bytes:
            content_type = sniff_copy(copy_bytes)
            use.copy_content_type, use.copy_size = content_type, len(copy_bytes)
            use.copy_sha256 = hashlib.sha256(copy_bytes).hexdigest()
            store(use.order_copy, "order" + storage.EXTENSIONS[content_type], ContentFile(copy_bytes),
                  field="legal_basis_copy")
        use.save()
        audit.record(actor=actor, action="consent.legal_basis_request", obj=use, case=case, institution=acting,
                     reason=f"{legal_bases.AUDIT_REASON_PREFIX}{legal_basis}",
                     changes=audit.diff(LegalBasisUse, {}, {"reason": use.reason, "legal_basis": legal_basis,
                                                            "purpose": purpose, "issuing_body": use.issuing_body,
                                                            "order_number": use.order_number,
                                                            "order_date": use.order_date, "sections": use.sections}),
                     details={"purpose": purpose, "legal_basis": legal_basis, "consent_state": state,
                              "sections": use.sections, "copy_sha256": use.copy_sha256 or None,
                              "institution": str(institution.uuid) if institution else None})
        _announce(actor, LEGAL_BASIS_REQUESTED, use=use)
    return use


# The former name: every use of a legal basis is now a request that waits for approval.
use_legal_basis = request_legal_basis


def _ordered_sections(codes):
    from nicat.access import sections

    return list(sections.ordered(codes or ()))


def _decide(actor, use, expected_version):
    institution = approving_institution(actor)
    if institution is None:
        raise NotAllowed
    locked = LegalBasisUse.objects.row(use).select_for_update(of=("self",)).select_related(
        "case", "institution", "used_by_institution").get()
    check_version(locked.version, expected_version)
    if locked.status != OrderStatus.PENDING:
        raise ValidationError(_("This legal basis was already %(status)s on %(day)s. Nothing was changed.") % {
            "status": str(OrderStatus(locked.status).label).lower(), "day": _when(locked.decided_at)})
    return institution, locked


def approve_legal_basis(*, actor, use, expected_version=None):
    """A supervisor of the competent authority — never the person who asked — approves: from now on the
    referral rests on it, limited to the sections the decision names; the owner and the receiving
    institution are notified."""
    with transaction.atomic():
        institution, locked = _decide(actor, use, expected_version)
        if locked.used_by_id == actor.pk:
            raise ValidationError(_("You asked for this legal basis yourself. Another supervisor of the competent "
                                    "authority must approve it: two people check every exception to consent."))
        locked.status, locked.decided_at = OrderStatus.APPROVED, timezone.now()
        locked.decided_by, locked.decided_by_institution = actor, institution
        locked.version += 1
        locked.save(update_fields=["status", "decided_at", "decided_by", "decided_by_institution", "version"])
        audit.record(actor=actor, action="consent.legal_basis_approve", obj=locked, case=locked.case,
                     institution=institution, reason=f"{legal_bases.AUDIT_REASON_PREFIX}{locked.legal_basis}",
                     changes={"status": [OrderStatus.PENDING, OrderStatus.APPROVED]},
                     details={"purpose": locked.purpose, "legal_basis": locked.legal_basis,
                              "sections": locked.sections, "requested_by": str(locked.used_by.uuid)
                              if locked.used_by_id else None})
        _announce(actor, LEGAL_BASIS_APPROVED, use=locked)
    return locked


def reject_legal_basis(*, actor, use, reason, expected_version=None):
    """A supervisor of the competent authority rejects, with a reason: nothing is shared on it."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for rejecting, so that the owner institution knows what "
                                           "is missing or wrong.")})
    if len(reason) > 5000:
        raise ValidationError({"reason": _("The reason is longer than 5,000 characters.")})
    with transaction.atomic():
        institution, locked = _decide(actor, use, expected_version)
        locked.status, locked.decided_at = OrderStatus.REJECTED, timezone.now()
        locked.decided_by, locked.decided_by_institution = actor, institution
        locked.decision_reason = reason
        locked.version += 1
        locked.save(update_fields=["status", "decided_at", "decided_by", "decided_by_institution",
                                   "decision_reason", "version"])
        audit.record(actor=actor, action="consent.legal_basis_reject", obj=locked, case=locked.case,
                     institution=institution, reason=f"{legal_bases.AUDIT_REASON_PREFIX}{locked.legal_basis}",
                     changes={"status": [OrderStatus.PENDING, OrderStatus.REJECTED],
                              **audit.diff(LegalBasisUse, {}, {"decision_reason": reason})},
                     details={"purpose": locked.purpose, "legal_basis": locked.legal_basis})
        _announce(actor, LEGAL_BASIS_REJECTED, use=locked)
    return locked


def authorise(*, actor, case, purpose, institution=None, service="", legal_basis="", legal_basis_reason="",
              lock=True, order=None, copy_bytes=None, sections=None):
    """(consent, None) when a valid consent covers the action, or (None, LegalBasisUse) when a legal basis is
    requested — a request that waits for approval: the caller keeps everything it shares behind
    `LegalBasisUse.is_approved`.

    Call inside the transaction of the action it authorises.
    """
    if legal_basis:
        return None, request_legal_basis(actor=actor, case=case, purpose=purpose, institution=institution,
                                         service=service, legal_basis=legal_basis, reason=legal_basis_reason,
                                         order=order, copy_bytes=copy_bytes, sections=sections)
    if (legal_basis_reason or "").strip():
        raise ValidationError({"legal_basis": _("You gave a reason but no legal basis. Choose the legal basis, "
                                                "or clear the reason to rely on the person's consent.")})
    return require_consent(case=case, purpose=purpose, institution=institution, service=service, lock=lock), None
