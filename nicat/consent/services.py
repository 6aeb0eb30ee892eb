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
import hashlib

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from nicat.access import policy
from nicat.audit import services as audit
from nicat.core.errors import NotAllowed
from nicat.core.services import require_visible, snapshot
from nicat.cases.models import Case
from nicat.consent import legal_bases
from nicat.consent.models import (PURPOSES_NAMING_INSTITUTION, Consent, Decision, GivenBy, LegalBasisUse, Method,
                                  Purpose)
from nicat.directory.models import ServiceKind
from nicat.persons.age import age_of

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


def register_withdrawal_handler(fn):
    """`fn(*, actor, consent)` runs inside the withdrawal's transaction (register in AppConfig.ready())."""
    _withdrawal_handlers.append(fn)
    return fn


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
    """Record a decision (given or refused) for one purpose. A refusal is recorded just like a consent."""
    require_visible(actor, case)
    institution = policy.acting_institution(actor)
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
    with transaction.atomic():
        consent = Consent(case=case, recorded_by=actor, recorded_by_institution=institution,
                          **{f: data[f] for f in CONSENT_FIELDS if data.get(f) not in (None, "")})
        if not consent.given_at:
            consent.given_at = timezone.now()
        if form_bytes:
            consent.form_content_type = content_type
            consent.form_size = len(form_bytes)
            extension = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}[content_type]
            # Encrypted on the way to the disk, under a random name (nicat.privacy.storage).
            consent.signed_form.save(f"consent{extension}", ContentFile(form_bytes), save=False)
        try:
            consent.save()
        except Exception:
            if consent.signed_form:
                consent.signed_form.storage.delete(consent.signed_form.name)
            raise
        details = {"purpose": consent.purpose, "decision": consent.decision}
        if form_bytes:
            details["form"] = {"type": content_type, "size": len(form_bytes),
                               "sha256": hashlib.sha256(form_bytes).hexdigest()}
        audit.record(actor=actor, action="consent.record", obj=consent, case=case, institution=institution,
                     changes=audit.diff(Consent, {}, snapshot(consent, CONSENT_FIELDS)), details=details)
    return consent


def withdraw_consent(*, actor, consent, note=""):
    """Withdraw a consent now. Whatever depended on it ends in the same transaction."""
    case = Case.objects.system().get(pk=consent.case_id)
    require_visible(actor, case)
    with transaction.atomic():
        locked = Consent.objects.system().select_for_update(of=("self",)).select_related("case", "institution").get(
            pk=consent.pk)
        if locked.decision != Decision.GIVEN:
            raise ValidationError(_("This is a refusal, so there is nothing to withdraw. If the person now "
                                    "agrees, record a new consent."))
        if locked.withdrawn_at is not None:
            raise ValidationError(_("This consent was already withdrawn on %(day)s.") %
                                  {"day": _when(locked.withdrawn_at)})
        locked.withdrawn_at = timezone.now()
        locked.withdrawn_by = actor
        locked.withdrawal_note = (note or "").strip()
        locked.version += 1
        locked.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_note", "version"])
        audit.record(actor=actor, action="consent.withdraw", obj=locked, case=case,
                     institution=policy.acting_institution(actor),
                     changes=audit.diff(Consent, {"withdrawal_note": ""}, {"withdrawal_note": locked.withdrawal_note}),
                     details={"purpose": locked.purpose})
        for handler in _withdrawal_handlers:
            handler(actor=actor, consent=locked)
    consent.withdrawn_at, consent.withdrawn_by, consent.version = locked.withdrawn_at, actor, locked.version
    return locked


# --- the gate -------------------------------------------------------------------------------------


def _events(case, purpose, institution, service, at):
    """(time, kind, consent) of every decision and withdrawal that applies to the scope, oldest first."""
    events = []
    for c in Consent.objects.system().filter(case=case, purpose=purpose, given_at__lte=at).select_related(
            "institution"):
        if not c.covers(institution=institution, service=service):
            continue
        events.append((c.given_at, c.pk, c.decision, c))
        if c.withdrawn_at is not None and c.withdrawn_at <= at:
            events.append((c.withdrawn_at, c.pk, "withdrawn", c))
    events.sort(key=lambda e: (e[0], e[1], e[2] == "withdrawn"))
    return events


def decisive_consent(*, case, purpose, institution=None, service="", at=None):
    """(state, consent) for the scope: state is "valid", "missing", "refused", "withdrawn" or "expired"."""
    at = at or timezone.now()
    events = _events(case, purpose, institution, service or "", at)
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


def require_consent(*, case, purpose, institution=None, service="", at=None, lock=False):
    """The valid consent for this purpose (and institution/service), or ValidationError saying which is missing.

    `lock=True` (inside a transaction) locks the consent row, so a withdrawal running at the same time
    waits for the caller's transaction or makes it fail — never both succeed.
    """
    state, consent = decisive_consent(case=case, purpose=purpose, institution=institution, service=service, at=at)
    scope = _scope_text(purpose, institution, service)
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
        locked = Consent.objects.system().select_for_update().get(pk=consent.pk)
        if not locked.is_valid():
            raise ValidationError({"consent": ValidationError(
                _("Consent to “%(scope)s” was withdrawn a moment ago. Nothing was done.") % {"scope": scope},
                code="consent_withdrawn")})
        return locked
    return consent


def consent_is_valid(*, case, purpose, institution=None, service="", at=None):
    return decisive_consent(case=case, purpose=purpose, institution=institution, service=service, at=at)[0] == \
        "valid"


def valid_consent_q(prefix="consent__", at=None):
    """A Q that a related consent (through `prefix`) is given, not withdrawn and not expired."""
    at = at or timezone.now()
    return (Q(**{f"{prefix}decision": Decision.GIVEN}) & Q(**{f"{prefix}withdrawn_at__isnull": True}) &
            (Q(**{f"{prefix}expires_at__isnull": True}) | Q(**{f"{prefix}expires_at__gt": at})))


def validate_legal_basis(*, purpose, legal_basis, reason):
    errors = {}
    if legal_bases.get(legal_basis) is None:
        errors["legal_basis"] = _("Choose a legal basis from the list.")
    elif not legal_bases.allows(legal_basis, purpose):
        errors["legal_basis"] = _("“%(basis)s” does not allow “%(purpose)s” without consent. Choose another "
                                  "legal basis or record the person's consent.") % {
            "basis": legal_bases.label(legal_basis), "purpose": Purpose(purpose).label}
    if len((reason or "").strip()) < 10:
        errors["legal_basis_reason"] = _("Explain why the law requires this without consent (the decision, its "
                                         "number and date) in at least 10 characters.")
    if errors:
        raise ValidationError(errors)


def use_legal_basis(*, actor, case, purpose, legal_basis, reason, institution=None):
    """Record the use of a legal basis instead of consent: audited and shown on the case."""
    require_visible(actor, case)
    acting = policy.acting_institution(actor)
    if acting is None:
        raise NotAllowed
    validate_legal_basis(purpose=purpose, legal_basis=legal_basis, reason=reason)
    with transaction.atomic():
        use = LegalBasisUse.objects.system().create(case=case, purpose=purpose, institution=institution,
                                                    legal_basis=legal_basis, reason=reason.strip(), used_by=actor,
                                                    used_by_institution=acting)
        audit.record(actor=actor, action="consent.legal_basis_use", obj=use, case=case, institution=acting,
                     reason=f"legal basis: {legal_basis}",
                     changes=audit.diff(LegalBasisUse, {}, {"reason": use.reason, "legal_basis": legal_basis,
                                                            "purpose": purpose}),
                     details={"purpose": purpose, "legal_basis": legal_basis,
                              "institution": str(institution.uuid) if institution else None})
    return use


def authorise(*, actor, case, purpose, institution=None, service="", legal_basis="", legal_basis_reason="",
              lock=True):
    """(consent, None) when a valid consent covers the action, or (None, LegalBasisUse) when a legal basis is used.

    Call inside the transaction of the action it authorises.
    """
    if legal_basis:
        return None, use_legal_basis(actor=actor, case=case, purpose=purpose, institution=institution,
                                     legal_basis=legal_basis, reason=legal_basis_reason)
    if (legal_basis_reason or "").strip():
        raise ValidationError({"legal_basis": _("You gave a reason but no legal basis. Choose the legal basis, "
                                                "or clear the reason to rely on the person's consent.")})
    return require_consent(case=case, purpose=purpose, institution=institution, service=service, lock=lock), None
