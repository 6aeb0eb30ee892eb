"""Changes to referrals: send, accept, decline, report progress, complete, cancel, revoke; return plans.

Every change checks which side the actor is on, locks the referral row (so two people answering
at once never both succeed), writes in one transaction with its audit event and its notifications.
Sending passes the consent gate (`nicat.consent.services.authorise`); withdrawing the consent it
relied on revokes it in the withdrawal's own transaction (`revoke_for_withdrawn_consent`).
"""
import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from nicat.access import policy
from nicat.access import sections as access_sections
from nicat.accounts.models import Role
from nicat.assistance.services import provider_authorisation, referral_recipient_authorisation
from nicat.audit import services as audit
from nicat.cases.models import Case
from nicat.consent import services as consent_services
from nicat.consent.models import Purpose
from nicat.core.errors import NotAllowed
from nicat.core.services import check_version
from nicat.directory import selectors as directory
from nicat.directory.models import STATE_ONLY_SERVICES, Institution, ServiceKind
from nicat.legal import rules
from nicat.legal import services as legal
from nicat.referrals import sections as S
from nicat.referrals.models import (
    ACTIVE_STATUSES,
    OPEN_STATUSES,
    REFERRAL_PURPOSES,
    DocumentStatus,
    EventKind,
    NotificationKind,
    Referral,
    ReferralEvent,
    ReturnPlan,
    Status,
    Urgency,
)
from nicat.referrals.notify import notify_institution

MAX_MESSAGE = 5000


def response_hours(urgency, on=None):
    """Hours the receiving institution has to answer: the legal parameter in force on `on` (nicat.legal)."""
    from django.utils import timezone

    return legal.value(f"referrals.response_hours.{urgency}", on or timezone.now())


def deadline_for(urgency, sent_at):
    return rules.referral_response_due(urgency, sent_at)


def _link(referral):
    return reverse("referrals:detail", args=[referral.uuid])


def _status_text(referral):
    return str(Status(referral.status).label)


def _side(actor, referral):
    ids = policy.case_institution_ids(actor)
    return {"from": referral.from_institution_id in ids, "to": referral.to_institution_id in ids}


def _lock(referral):
    return (Referral.objects.row(referral).select_for_update(of=("self",))
            .select_related("case", "from_institution", "to_institution", "consent", "legal_basis_use").get())


def _refresh(target, source):
    for field in Referral._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


def _event(referral, kind, actor, institution, text=""):
    return ReferralEvent.objects.create(referral=referral, case_id=referral.case_id, kind=kind,
                                        text=text or "", actor=actor, institution=institution)


def _audit(actor, action, referral, institution, changes=None, **details):
    audit.record(actor=actor, action=action, obj=referral, case=referral.case, institution=institution,
                 changes=changes or {},
                 details={"purpose": referral.purpose, "status": referral.status,
                          "from": referral.from_institution.code, "to": referral.to_institution.code, **details})


def _check_version(referral, expected_version):
    """The version the user read is required (a missing one is a 400, as everywhere) and must be current."""
    check_version(referral.version, expected_version)


def _bump(referral, fields):
    referral.version += 1
    referral.save(update_fields=[*fields, "version"])


# --- sending --------------------------------------------------------------------------------------


def _already_open(to):
    return _("There is already an open referral of this case to %(institution)s for this purpose.") % {
        "institution": to.name}


def validate_referral_data(data, *, case, from_institution):
    errors = {}
    to = data.get("to_institution")
    purpose = data.get("purpose")
    service = data.get("service") or ""
    if to is None:
        errors["to_institution"] = _("Choose the institution to refer to.")
    elif to.pk == from_institution.pk:
        errors["to_institution"] = _("A referral goes to another institution. Choose where the person should be "
                                     "referred.")
    elif not to.active:
        errors["to_institution"] = _("This institution is no longer active. Choose another one from the "
                                     "directory.")
    if purpose not in REFERRAL_PURPOSES:
        errors["purpose"] = _("Choose the purpose of the referral.")
    if service and service not in ServiceKind.values:
        errors["service"] = _("Choose a service from the list.")
    elif purpose == Purpose.SERVICE and not service:
        errors["service"] = _("Choose the service the person is referred for.")
    if to is not None and "to_institution" not in errors:
        if service and not directory.offers(to, service):
            errors["service"] = _("%(institution)s does not offer “%(service)s” according to the directory. "
                                  "Choose an institution that does.") % {
                "institution": to.name, "service": ServiceKind(service).label}
        elif service and service not in STATE_ONLY_SERVICES:
            # The one rule of who may provide a service to a victim (free of charge; never a private business),
            # the same as the plan's and the service log's (nicat.assistance.services.provider_authorisation).
            allowed, reason = provider_authorisation(to, service)
            if not allowed:
                errors["to_institution"] = _("%(reason)s Refer the person to an authorised provider.") % {
                    "reason": reason}
        elif not service:
            # Named no service, the referral still sends the person to be helped: never to a private business.
            allowed, reason = referral_recipient_authorisation(to)
            if not allowed:
                errors["to_institution"] = reason
        if purpose == Purpose.CONSULAR_NOTIFICATION:
            if to.kind.code != "embassy_consulate":
                errors["to_institution"] = _("Consular notification goes to an embassy or consulate.")
            else:
                citizenships = {t.pk for t in case.person.citizenships.all()}
                state = directory.represented_state(to)
                if state is not None and citizenships and state.pk not in citizenships:
                    errors["to_institution"] = _("This embassy represents %(country)s, which is not a citizenship "
                                                 "of the person. Choose the embassy of the person's state.") % {
                        "country": state.label}
        if purpose == Purpose.LAW_ENFORCEMENT and to.kind.code != "law_enforcement":
            errors["to_institution"] = _("Sharing with law enforcement goes to a law-enforcement agency.")
    chosen = list(data.get("shared_sections") or [])
    unknown = [s for s in chosen if s not in access_sections.CODES]
    if not chosen:
        errors["shared_sections"] = _("Choose what the receiving institution may see (at least one section).")
    elif unknown:
        errors["shared_sections"] = _("Unknown section(s): %(codes)s.") % {"codes": ", ".join(map(str, unknown))}
    elif purpose in S.ALLOWED:
        extra = [s for s in chosen if s not in S.ALLOWED[purpose]]
        if extra:
            errors["shared_sections"] = _("“%(purpose)s” does not need: %(sections)s. Share only what the purpose "
                                          "needs.") % {"purpose": Purpose(purpose).label,
                                                       "sections": "; ".join(str(access_sections.label(s)) for s in extra)}
    if data.get("urgency", Urgency.ROUTINE) not in Urgency.values:
        errors["urgency"] = _("Choose the urgency.")
    if len(data.get("message") or "") > MAX_MESSAGE:
        errors["message"] = _("The message is longer than %(n)s characters. Keep it to what the receiving "
                              "institution needs.") % {"n": MAX_MESSAGE}
    if case.is_closed:
        errors["__all__"] = _("The case is closed. Reopen it before referring the person.")
    if to is not None and purpose and not errors and Referral.objects.of(case).filter(
            to_institution=to, purpose=purpose, status__in=OPEN_STATUSES).exists():
        errors["to_institution"] = _already_open(to)
    if data.get("legal_basis") and "shared_sections" not in errors:
        named = set(data.get("legal_basis_sections") or [])
        beyond = [s for s in chosen if s not in named]
        if named and beyond:
            errors["shared_sections"] = _("The decision names only: %(named)s. It does not allow sharing: "
                                          "%(beyond)s.") % {"named": "; ".join(str(access_sections.label(s)) for s in access_sections.ordered(named)),
                                                            "beyond": "; ".join(str(access_sections.label(s)) for s in beyond)}
    if errors:
        raise ValidationError(errors)


def _order(data):
    return {"issuing_body": data.get("legal_basis_issuing_body") or "",
            "order_number": data.get("legal_basis_order_number") or "",
            "order_date": data.get("legal_basis_order_date")}


def _tells_an_embassy(to, purpose):
    """Is this a referral for another purpose than a consular notification to an embassy or consulate?"""
    return to.kind.code == "embassy_consulate" and purpose != Purpose.CONSULAR_NOTIFICATION


def create_referral(*, actor, case, data):
    """Refer the case from the actor's institution (the case owner) to another institution.

    `data`: to_institution, purpose, service, urgency, message, shared_sections, and optionally, instead
    of consent, a legal basis: legal_basis, legal_basis_reason, legal_basis_issuing_body,
    legal_basis_order_number, legal_basis_order_date, legal_basis_copy (bytes), legal_basis_sections (the
    sections the decision names; shared_sections must stay within them). A referral on a legal basis
    stays invisible to the receiving institution until a supervisor of the competent authority approves
    the basis (nicat.consent.services.approve_legal_basis); it is then notified.
    """
    if not Case.objects.visible_to(actor).filter(pk=case.pk).exists():
        raise NotAllowed
    from_institution = policy.acting_institution(actor, case.owner_institution)
    if from_institution is None:
        raise ValidationError(_("Only the institution that owns the case refers it onwards. Ask %(owner)s to "
                                "make the referral.") % {"owner": case.owner_institution.name})
    data = dict(data)
    data.setdefault("urgency", Urgency.ROUTINE)
    validate_referral_data(data, case=case, from_institution=from_institution)
    to = data["to_institution"]
    with transaction.atomic():
        consent, legal_basis_use = consent_services.authorise(
            actor=actor, case=case, purpose=data["purpose"], institution=to, service=data.get("service") or "",
            legal_basis=data.get("legal_basis") or "", legal_basis_reason=data.get("legal_basis_reason") or "",
            order=_order(data), copy_bytes=data.get("legal_basis_copy"),
            sections=data.get("legal_basis_sections"))
        if legal_basis_use is None and _tells_an_embassy(to, data["purpose"]):
            # A victim may fear their own state: a referral to an embassy or consulate for another purpose (a
            # return, a referral) tells it about the person too, so it also needs her consent to notify it.
            consent_services.require_consent(case=case, purpose=Purpose.CONSULAR_NOTIFICATION, institution=to,
                                             lock=True)
        now = timezone.now()
        try:
            with transaction.atomic():  # the database refuses a second open referral sent at the same moment
                referral = Referral.objects.create(
                    case=case, from_institution=from_institution, to_institution=to, purpose=data["purpose"],
                    service=data.get("service") or "", urgency=data["urgency"],
                    message=(data.get("message") or "").strip(), shared_sections=access_sections.ordered(data["shared_sections"]),
                    consent=consent, legal_basis_use=legal_basis_use, created_by=actor, created_at=now,
                    deadline_at=deadline_for(data["urgency"], now))
        except IntegrityError:
            raise ValidationError({"to_institution": _already_open(to)}) from None
        _event(referral, EventKind.SENT, actor, from_institution)
        _audit(actor, "referral.create", referral, from_institution,
               changes=audit.diff(Referral, {}, {"message": referral.message}),
               sections=referral.shared_sections, urgency=referral.urgency, service=referral.service,
               legal_basis=legal_basis_use.legal_basis if legal_basis_use else None,
               consent=str(consent.uuid) if consent else None)
        if legal_basis_use is None:  # on a legal basis: announced once it is approved
            notify_institution(institution=to, kind=NotificationKind.REFERRAL_RECEIVED,
                               case_reference=case.reference, link=_link(referral))
    return referral


# --- answering and working ------------------------------------------------------------------------


def _receiving(actor, referral):
    if not _side(actor, referral)["to"]:
        raise NotAllowed
    if referral.legal_basis_use_id and not referral.legal_basis_use.is_approved:
        raise NotAllowed  # the receiving side sees nothing of it before the legal basis is approved
    return policy.acting_institution(actor, referral.to_institution)


def _sending(actor, referral):
    if not _side(actor, referral)["from"]:
        raise NotAllowed
    return policy.acting_institution(actor, referral.from_institution)


def _receiver_knows(referral):
    """False while the referral rests on a legal basis not approved: the receiving side is told nothing."""
    return not (referral.legal_basis_use_id and not referral.legal_basis_use.is_approved)


def _require_status(referral, allowed):
    if referral.status not in allowed:
        raise ValidationError(_("This referral is now “%(status)s”, so this is no longer possible. Reload the "
                                "page to see its current state.") % {"status": _status_text(referral)})


def _still_authorised(referral):
    if referral.legal_basis_use_id:
        if not referral.legal_basis_use.is_approved:
            raise ValidationError(_("The legal basis of this referral is not approved by the competent authority. "
                                    "Nothing may be done for it."))
        return
    if referral.consent is None or not referral.consent.is_valid():
        raise ValidationError(_("The consent this referral relied on is no longer valid (withdrawn or expired). "
                                "Nothing may be done for it until the person consents again."))
    if _tells_an_embassy(referral.to_institution, referral.purpose) and not consent_services.consent_is_valid(
            case=referral.case, purpose=Purpose.CONSULAR_NOTIFICATION, institution=referral.to_institution):
        raise ValidationError(_("The person's consent to notify %(embassy)s is no longer in force (withdrawn or "
                                "expired). Nothing may be done for this referral until the person consents again.")
                              % {"embassy": referral.to_institution.name})


def accept_referral(*, actor, referral, note="", expected_version=None):
    institution = _receiving(actor, referral)
    with transaction.atomic():
        locked = _lock(referral)
        _check_version(locked, expected_version)
        _require_status(locked, {Status.PENDING})
        _still_authorised(locked)
        now = timezone.now()
        locked.status, locked.responded_at, locked.responded_by = Status.ACCEPTED, now, actor
        _bump(locked, ["status", "responded_at", "responded_by"])
        _event(locked, EventKind.ACCEPTED, actor, institution, note)
        _audit(actor, "referral.accept", locked, institution,
               changes={"status": [Status.PENDING, Status.ACCEPTED]},
               response_minutes=int(locked.response_time.total_seconds() // 60))
        notify_institution(institution=locked.from_institution, kind=NotificationKind.REFERRAL_ACCEPTED,
                           case_reference=locked.case.reference, link=_link(locked))
    _refresh(referral, locked)
    return referral


def decline_referral(*, actor, referral, reason, expected_version=None):
    institution = _receiving(actor, referral)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for declining, so that the sender can refer the "
                                           "person elsewhere.")})
    with transaction.atomic():
        locked = _lock(referral)
        _check_version(locked, expected_version)
        _require_status(locked, {Status.PENDING})
        now = timezone.now()
        locked.status, locked.responded_at, locked.responded_by = Status.DECLINED, now, actor
        locked.decline_reason = reason
        _bump(locked, ["status", "responded_at", "responded_by", "decline_reason"])
        _event(locked, EventKind.DECLINED, actor, institution, reason)
        _audit(actor, "referral.decline", locked, institution,
               changes={"status": [Status.PENDING, Status.DECLINED],
                        **audit.diff(Referral, {}, {"decline_reason": reason})},
               response_minutes=int(locked.response_time.total_seconds() // 60))
        notify_institution(institution=locked.from_institution, kind=NotificationKind.REFERRAL_DECLINED,
                           case_reference=locked.case.reference, link=_link(locked))
    _refresh(referral, locked)
    return referral


def report_progress(*, actor, referral, text):
    institution = _receiving(actor, referral)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write what was done or agreed.")})
    if len(text) > MAX_MESSAGE:
        raise ValidationError({"text": _("The report is longer than %(n)s characters.") % {"n": MAX_MESSAGE}})
    with transaction.atomic():
        locked = _lock(referral)
        _require_status(locked, ACTIVE_STATUSES)
        _still_authorised(locked)
        old = locked.status
        if locked.status == Status.ACCEPTED:
            locked.status, locked.started_at = Status.IN_PROGRESS, timezone.now()
            _bump(locked, ["status", "started_at"])
        event = _event(locked, EventKind.PROGRESS, actor, institution, text)
        _audit(actor, "referral.progress", locked, institution,
               changes={**({"status": [old, locked.status]} if old != locked.status else {}),
                        **audit.diff(ReferralEvent, {}, {"text": text})})
        notify_institution(institution=locked.from_institution, kind=NotificationKind.REFERRAL_PROGRESS,
                           case_reference=locked.case.reference, link=_link(locked))
    _refresh(referral, locked)
    return event


def complete_referral(*, actor, referral, text="", expected_version=None):
    institution = _receiving(actor, referral)
    with transaction.atomic():
        locked = _lock(referral)
        _check_version(locked, expected_version)
        _require_status(locked, ACTIVE_STATUSES)
        old = locked.status
        locked.status, locked.completed_at = Status.COMPLETED, timezone.now()
        _bump(locked, ["status", "completed_at"])
        _event(locked, EventKind.COMPLETED, actor, institution, (text or "").strip())
        _audit(actor, "referral.complete", locked, institution, changes={
            "status": [old, Status.COMPLETED], **audit.diff(ReferralEvent, {}, {"text": (text or "").strip()})})
        notify_institution(institution=locked.from_institution, kind=NotificationKind.REFERRAL_COMPLETED,
                           case_reference=locked.case.reference, link=_link(locked))
    _refresh(referral, locked)
    return referral


def cancel_referral(*, actor, referral, reason, expected_version=None):
    institution = _sending(actor, referral)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for cancelling.")})
    with transaction.atomic():
        locked = _lock(referral)
        _check_version(locked, expected_version)
        _require_status(locked, OPEN_STATUSES)
        old = locked.status
        locked.status, locked.cancelled_at, locked.cancel_reason = Status.CANCELLED, timezone.now(), reason
        _bump(locked, ["status", "cancelled_at", "cancel_reason"])
        _event(locked, EventKind.CANCELLED, actor, institution, reason)
        _audit(actor, "referral.cancel", locked, institution, changes={
            "status": [old, Status.CANCELLED], **audit.diff(Referral, {}, {"cancel_reason": reason})})
        if _receiver_knows(locked):
            notify_institution(institution=locked.to_institution, kind=NotificationKind.REFERRAL_CANCELLED,
                               case_reference=locked.case.reference, link=_link(locked))
    _refresh(referral, locked)
    return referral


# --- consent withdrawn --------------------------------------------------------------------------


def revoke_for_withdrawn_consent(*, actor, consent):
    """Withdrawal handler: inside the withdrawal's transaction, revoke every open referral that relied on
    this consent and is not covered by another valid one (referrals made under a legal basis stay). A
    consent to notify an embassy also carries the referrals to that embassy made for another purpose."""
    revoked = []
    relied_on = Q(purpose=consent.purpose)
    if consent.purpose == Purpose.CONSULAR_NOTIFICATION:
        relied_on |= Q(to_institution__kind__code="embassy_consulate")
    candidates = (Referral.objects.of(consent.case).select_for_update(of=("self",))
                  .filter(relied_on, status__in=OPEN_STATUSES, legal_basis_use__isnull=True)
                  .select_related("case", "from_institution", "to_institution"))
    for referral in candidates:
        own_purpose = referral.purpose == consent.purpose
        service = referral.service if own_purpose else ""
        if referral.consent_id != consent.pk and not consent.covers(institution=referral.to_institution,
                                                                     service=service):
            continue
        state, other = consent_services.decisive_consent(case=referral.case, purpose=consent.purpose,
                                                          institution=referral.to_institution, service=service)
        if state == "valid":  # still covered (by another consent, or by this one beyond a narrower refusal)
            if own_purpose and other.pk != referral.consent_id:
                referral.consent = other
                _bump(referral, ["consent"])
            continue
        old = referral.status
        referral.status, referral.revoked_at = Status.REVOKED, timezone.now()
        _bump(referral, ["status", "revoked_at"])
        _event(referral, EventKind.REVOKED, actor, None)
        _audit(actor, "referral.revoke", referral, policy.acting_institution(actor, case=referral.case),
               changes={"status": [old, Status.REVOKED]}, consent=str(consent.uuid))
        for institution in (referral.to_institution, referral.from_institution):
            notify_institution(institution=institution, kind=NotificationKind.REFERRAL_REVOKED,
                               case_reference=referral.case.reference, link=_link(referral))
        revoked.append(referral)
    return revoked


# --- consent events: legal bases decided, consents recorded or withdrawn outside the owner -----------


def on_consent_event(*, actor, event, consent=None, use=None, case=None):
    """Handler registered with nicat.consent.services.register_event_handler (ReferralsConfig.ready()):
    runs inside the transaction of the change it announces."""
    from nicat.consent import services as cs

    case = case or (use or consent).case
    owner = case.owner_institution
    if event == cs.LEGAL_BASIS_REQUESTED:
        for authority in Institution.objects.filter(is_competent_authority=True, active=True):
            notify_institution(institution=authority, kind=NotificationKind.LEGAL_BASIS_REQUESTED,
                               case_reference=case.reference, link=reverse("consent:order", args=[use.uuid]),
                               roles=[Role.SUPERVISOR], exclude=actor)
        return
    if event == cs.WISH_RECORDED:
        notify_institution(institution=owner, kind=NotificationKind.CONSENT_TO_CONFIRM,
                           case_reference=case.reference, link=reverse("cases:detail", args=[case.uuid]) + "#consent")
        return
    if event == cs.WITHDRAWAL_WISH:
        notify_institution(institution=owner, kind=NotificationKind.CONSENT_WITHDRAWAL_WISH,
                           case_reference=case.reference, link=reverse("consent:wishes", args=[case.uuid]))
        return
    if event == cs.WITHDRAWN_ELSEWHERE:
        notify_institution(institution=owner, kind=NotificationKind.CONSENT_WITHDRAWN,
                           case_reference=case.reference, link=reverse("cases:detail", args=[case.uuid]) + "#consent")
        return
    order_link = reverse("consent:order", args=[use.uuid])
    now = timezone.now()
    referrals = (Referral.objects.of(use, via="legal_basis_use").select_for_update(of=("self",))
                 .filter(status=Status.PENDING)
                 .select_related("case", "from_institution", "to_institution"))
    if event == cs.LEGAL_BASIS_APPROVED:
        notify_institution(institution=owner, kind=NotificationKind.LEGAL_BASIS_APPROVED,
                           case_reference=case.reference, link=order_link)
        for referral in referrals:
            # The answer is due from now: the receiving institution learns of the referral only now.
            referral.deadline_at, referral.overdue_notified_at = deadline_for(referral.urgency, now), None
            _bump(referral, ["deadline_at", "overdue_notified_at"])
            notify_institution(institution=referral.to_institution, kind=NotificationKind.REFERRAL_RECEIVED,
                               case_reference=case.reference, link=_link(referral))
    elif event == cs.LEGAL_BASIS_REJECTED:
        notify_institution(institution=owner, kind=NotificationKind.LEGAL_BASIS_REJECTED,
                           case_reference=case.reference, link=order_link)
        for referral in referrals:
            reason = _("The legal basis was rejected by the competent authority.")
            referral.status, referral.cancelled_at, referral.cancel_reason = Status.CANCELLED, now, reason
            _bump(referral, ["status", "cancelled_at", "cancel_reason"])
            _event(referral, EventKind.CANCELLED, actor, None, reason)
            _audit(actor, "referral.cancel", referral, None, changes={"status": [Status.PENDING, Status.CANCELLED]},
                   legal_basis_rejected=str(use.uuid))


# --- deadlines (a system job: `nicat referral_deadlines`) ---------------------------------------


def _all_referrals():
    return Referral.objects.system()  # whole table: the deadline job flags every institution's overdue referrals


def flag_overdue(*, now=None):
    """Notify both sides, once, of every referral still unanswered after its deadline. Returns how many."""
    now = now or timezone.now()
    count = 0
    with transaction.atomic():
        overdue = (_all_referrals().select_for_update(of=("self",))
                   .filter(status=Status.PENDING, deadline_at__lte=now, overdue_notified_at__isnull=True)
                   .select_related("case", "from_institution", "to_institution", "legal_basis_use"))
        for referral in overdue:
            referral.overdue_notified_at = now
            referral.save(update_fields=["overdue_notified_at"])
            audit.record(actor=None, action="referral.overdue", obj=referral, case=referral.case,
                         details={"deadline": referral.deadline_at.isoformat(), "urgency": referral.urgency})
            receivers = [referral.to_institution] if _receiver_knows(referral) else []
            for institution in (*receivers, referral.from_institution):
                notify_institution(institution=institution, kind=NotificationKind.REFERRAL_OVERDUE,
                                   case_reference=referral.case.reference, link=_link(referral))
            count += 1
    return count


def revoke_for_expired_consents(*, now=None):
    """A system job (`referrals.consent_expiry`, every 5 minutes): an expired consent ends what rested on it as
    a withdrawal does. Every open referral made without a legal basis whose consent expired — whatever its
    purpose — and that no other consent in force for its scope carries (then it rests on that one), is revoked;
    and so is every open referral to an embassy or consulate, for whatever purpose, whose consent to notify
    that embassy is no longer in force. The owner institution, the sender and the receiver are told, once
    each. The receiver's access ended at the expiry already (`selectors.active_referrals_q`: the consent row's
    validity, `selectors.embassy_consent_q`). Returns how many were revoked."""
    now = now or timezone.now()
    count = 0
    with transaction.atomic():
        candidates = (_all_referrals().select_for_update(of=("self",))
                      .filter(Q(consent__expires_at__lte=now) | Q(to_institution__kind__code="embassy_consulate"),
                              status__in=list(OPEN_STATUSES), legal_basis_use__isnull=True)
                      .select_related("case", "case__owner_institution", "from_institution", "to_institution__kind",
                                      "consent"))
        for referral in candidates:
            ended = None
            if referral.consent_id and referral.consent.expires_at is not None and referral.consent.expires_at <= now:
                state, other = consent_services.decisive_consent(
                    case=referral.case, purpose=referral.purpose, institution=referral.to_institution,
                    service=referral.service, at=now)
                if state == "valid":
                    referral.consent = other  # a newer consent for the same scope carries it on
                    _bump(referral, ["consent"])
                else:
                    ended = (referral.purpose, state, referral.consent, _("The consent this referral rested on "
                                                                          "expired."))
            if ended is None and referral.to_institution.kind.code == "embassy_consulate":
                state, consent = consent_services.decisive_consent(
                    case=referral.case, purpose=Purpose.CONSULAR_NOTIFICATION, institution=referral.to_institution,
                    at=now)
                if state != "valid":
                    ended = (Purpose.CONSULAR_NOTIFICATION, state, consent,
                             _("The consent to notify the embassy or consulate is no longer in force."))
            if ended is None:
                continue
            purpose, state, consent, text = ended
            old = referral.status
            referral.status, referral.revoked_at = Status.REVOKED, now
            _bump(referral, ["status", "revoked_at"])
            _event(referral, EventKind.REVOKED, None, None, text)
            _audit(None, "referral.revoke", referral, None, changes={"status": [old, Status.REVOKED]},
                   consent=str(consent.uuid) if consent else None, consent_state=state,
                   reason=f"{purpose}_consent_{state}")
            told = []
            for institution in (referral.case.owner_institution, referral.from_institution, referral.to_institution):
                if institution.pk not in told:
                    told.append(institution.pk)
                    notify_institution(institution=institution, kind=NotificationKind.REFERRAL_CONSENT_EXPIRED,
                                       case_reference=referral.case.reference, link=_link(referral))
            count += 1
    return count


# The former name, from when only the consent to notify an embassy was looked at.
revoke_for_expired_consular_consents = revoke_for_expired_consents


# --- return of citizens trafficked abroad ---------------------------------------------------------

RETURN_FIELDS = ("documents", "travel_date", "arrival_at", "arrival_point", "travel_details")


def save_return_plan(*, actor, referral, data, expected_version=None):
    """The embassy or consulate (the sender) plans documents, travel and arrival of a return referral."""
    institution = _sending(actor, referral)
    errors = {}
    if referral.purpose != Purpose.RETURN:
        raise ValidationError(_("A return plan belongs to a referral for return."))
    if data.get("documents") and data["documents"] not in DocumentStatus.values:
        errors["documents"] = _("Choose the state of the travel documents.")
    travel_date, arrival_at = data.get("travel_date"), data.get("arrival_at")
    if travel_date and arrival_at and timezone.localtime(arrival_at).date() < travel_date:
        errors["arrival_at"] = _("The arrival is before the date of travel. Check both.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _lock(referral)
        _require_status(locked, OPEN_STATUSES)
        _still_authorised(locked)
        plan = ReturnPlan.objects.of(locked, via="referral").select_for_update().first()
        before = {f: getattr(plan, f) for f in RETURN_FIELDS} if plan else {}
        if plan is None:
            plan = ReturnPlan(referral=locked, case_id=locked.case_id)
        else:
            check_version(plan.version, expected_version)
            plan.version += 1
        for f in RETURN_FIELDS:
            if f in data:
                setattr(plan, f, data[f] if data[f] is not None else ("" if f in ("arrival_point",
                                                                                    "travel_details") else None))
        plan.save()
        _event(locked, EventKind.RETURN_PLAN, actor, institution)
        _audit(actor, "referral.return_plan", locked, institution,
               changes=audit.diff(ReturnPlan, before, {f: getattr(plan, f) for f in RETURN_FIELDS}))
        notify_institution(institution=locked.to_institution, kind=NotificationKind.RETURN_PLANNED,
                           case_reference=locked.case.reference, link=_link(locked))
    return plan


def record_arrival(*, actor, referral, arrived_at=None, note="", expected_version=None):
    """The receiving centre met the person on arrival. Correcting an arrival already recorded needs the
    plan's version the user read (`expected_version`: a missing one is a 400, a stale one a 409), so that a
    second report never silently replaces the first reception note; a version given with the first report
    is checked too."""
    institution = _receiving(actor, referral)
    arrived_at = arrived_at or timezone.now()
    if arrived_at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"arrived_at": _("The arrival is in the future. Record it once the person has "
                                               "arrived.")})
    with transaction.atomic():
        locked = _lock(referral)
        _require_status(locked, ACTIVE_STATUSES)
        _still_authorised(locked)
        plan = ReturnPlan.objects.of(locked, via="referral").select_for_update().first()
        if plan is None:
            raise ValidationError(_("There is no return plan yet: the embassy or consulate records documents and "
                                    "travel first."))
        before = {"arrived_at": plan.arrived_at, "reception_note": plan.reception_note}
        if plan.arrived_at is not None or expected_version is not None:
            check_version(plan.version, expected_version)
        plan.arrived_at, plan.reception_note = arrived_at, (note or "").strip()
        plan.version += 1
        plan.save()
        if locked.status == Status.ACCEPTED:
            locked.status, locked.started_at = Status.IN_PROGRESS, timezone.now()
            _bump(locked, ["status", "started_at"])
        _event(locked, EventKind.ARRIVED, actor, institution, plan.reception_note)
        _audit(actor, "referral.arrival", locked, institution,
               changes=audit.diff(ReturnPlan, before, {"arrived_at": arrived_at, "reception_note": plan.reception_note}),
               correction=before["arrived_at"] is not None)
        notify_institution(institution=locked.from_institution, kind=NotificationKind.PERSON_ARRIVED,
                           case_reference=locked.case.reference, link=_link(locked))
    _refresh(referral, locked)
    return plan
