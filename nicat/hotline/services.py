"""Changes to hotline contacts and their alerts. One function per change; each checks the access
policy, validates, writes in one transaction and appends its audit event in the same transaction.

Triage: a contact is urgent when the reason is "victim in danger now", when the person concerned is a
child (nicat.persons.age: the one age rule — an estimated age counts as an estimate), or when a
location was given. An urgent contact raises one alert to the competent authority's duty service
(in the app, and by e-mail to the authority's address when e-mail notifications are on — the
reference and a link only). Nobody acknowledging within NICAT_HOTLINE_ESCALATE_MINUTES escalates it
to the supervisors (`escalate_overdue`, run by `nicat hotline escalate`).
"""
import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from nicat.access import policy, predicates
from nicat.accounts.models import Role, User, in_effect_q
from nicat.audit import services as audit
from nicat.core import mail
from nicat.core.errors import NotAllowed
from nicat.core.services import bump_version, require_visible, snapshot
from nicat.hotline.models import (
    OPEN_OUTCOMES,
    Alert,
    Channel,
    Contact,
    ContactReferenceCounter,
    Outcome,
    Reason,
    Urgency,
)
from nicat.privacy import personkeys

# Fields a contact's form or API sets (the reference, institution, case and urgency are the service's).
FIELDS = ("channel", "started_at", "duration_minutes", "caller_type", "language", "region", "reason",
          "gave_information", "gave_consultation", "gave_referral", "referred_to", "outcome", "follow_up_due",
          "subject_age", "subject_is_child", "identity_consent", "caller_name", "phone", "safe_contact",
          "location", "notes")
IDENTITY_FIELDS = ("caller_name", "phone")
SET_BY_SERVICE = (Outcome.NEW_CASE, Outcome.LINKED_CASE)


# --- Rules -----------------------------------------------------------------------------------------

def urgency_of(data, on=None):
    """The codes of why a contact (a mapping or instance) is urgent: in danger now, a child, a location."""
    from nicat.persons.age import classify

    get = data.get if isinstance(data, dict) else (lambda name, default=None: getattr(data, name, default))
    reasons = []
    if get("reason") == Reason.DANGER_NOW:
        reasons.append(Urgency.DANGER_NOW.value)
    age = get("subject_age")
    # An age given on the phone is an estimate; no age given is not a reason to alert (the caller
    # says whether it is a child).
    if get("subject_is_child") or (age is not None and classify(age, is_estimate=True)[0] == "child"):
        reasons.append(Urgency.CHILD.value)
    if (get("location") or "").strip():
        reasons.append(Urgency.LOCATION.value)
    return reasons


def validate(data):
    errors = {}
    if not data.get("identity_consent"):
        given = [f for f in IDENTITY_FIELDS if (data.get(f) or "").strip()]
        if given:
            errors[given[0]] = _("The caller did not agree to give their identity: leave their name and phone "
                                 "number empty, or record that they agreed.")
    started = data.get("started_at")
    if started and started > timezone.now() + datetime.timedelta(minutes=5):
        errors["started_at"] = _("The contact is in the future. Enter when it took place.")
    duration = data.get("duration_minutes")
    if duration is not None and duration > 24 * 60:
        errors["duration_minutes"] = _("A contact lasts at most a day (1440 minutes).")
    age = data.get("subject_age")
    if age is not None and age > 120:
        errors["subject_age"] = _("Give the age in whole years, at most 120.")
    if data.get("outcome") in (Outcome.FOLLOW_UP, Outcome.CALLBACK) and not data.get("follow_up_due"):
        errors["follow_up_due"] = _("Give when the follow-up or callback is due.")
    if data.get("outcome") == Outcome.REFERRED and not data.get("referred_to"):
        errors["referred_to"] = _("Choose the institution the caller was referred to.")
    if data.get("referred_to") is not None and not data.get("gave_referral"):
        data["gave_referral"] = True
    if errors:
        raise ValidationError(errors)


def _require_hotline(actor, institution=None):
    ids = predicates.hotline_institution_ids(actor)
    if institution is not None:
        if institution.pk not in ids:
            raise NotAllowed
        return institution
    institution = predicates.hotline_operator_institution(actor)
    if institution is None:
        raise NotAllowed
    return institution


def _next_reference(year):
    ContactReferenceCounter.objects.get_or_create(year=year)
    counter = ContactReferenceCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"HL-{year}-{counter.last:06d}"


def _audit_snapshot(contact):
    """Non-identifying fields as they are; identifying ones only as "given" or not."""
    snap = snapshot(contact, [f for f in FIELDS if f not in Contact.IDENTIFYING])
    snap.update({f: bool(getattr(contact, f)) for f in Contact.IDENTIFYING})
    snap["urgency"] = list(contact.urgency)
    return snap


# --- Contacts --------------------------------------------------------------------------------------

def _clean(data):
    data = {k: v for k, v in data.items() if k in FIELDS}
    for name in Contact.IDENTIFYING:
        if name in data:
            data[name] = (data[name] or "").strip()
    if data.get("outcome") in SET_BY_SERVICE:
        raise ValidationError({"outcome": _("A contact becomes a case, or is linked to one, through “Open a case” "
                                            "or “Link to a case”, not by choosing the outcome.")})
    return data


def record_contact(*, actor, data, institution=None):
    """A new contact of the actor's hotline (an operator or supervisor there)."""
    institution = _require_hotline(actor, institution)
    data = _clean(data)
    data.setdefault("started_at", timezone.now())
    validate(data)
    with transaction.atomic():
        contact = Contact(institution=institution, operator=actor, **data)
        contact.urgency = urgency_of(contact)
        contact.urgent = bool(contact.urgency)
        contact.reference = _next_reference(timezone.localtime(contact.started_at).year)
        contact.save()
        audit.record(actor=actor, action="hotline.contact_create", obj=contact, institution=institution,
                     changes={k: [None, v] for k, v in _audit_snapshot(contact).items() if v not in (None, "", False, [])})
        if contact.urgent:
            raise_alert(contact=contact, actor=actor)
    return contact


def update_contact(*, actor, contact, data, expected_version):
    require_visible(actor, contact)
    data = _clean(data)
    if contact.outcome in SET_BY_SERVICE and data.get("outcome", contact.outcome) != contact.outcome:
        raise ValidationError({"outcome": _("This contact is part of a case now; its outcome stays.")})
    merged = {**{f: getattr(contact, f) for f in FIELDS}, **data}
    validate(merged)
    with transaction.atomic():
        before = _audit_snapshot(contact)
        new_version = bump_version(Contact, contact, expected_version)
        for name, value in merged.items():
            setattr(contact, name, value)
        contact.version = new_version
        contact.urgency = urgency_of(contact)
        contact.urgent = bool(contact.urgency)
        contact.save()
        audit.record(actor=actor, action="hotline.contact_update", obj=contact, institution=contact.institution,
                     changes={k: [before.get(k), v] for k, v in _audit_snapshot(contact).items()
                              if before.get(k) != v})
        if contact.urgent and not Alert.objects.filter(contact=contact).exists():
            raise_alert(contact=contact, actor=actor)
    return contact


def open_case_from_contact(*, actor, contact, person_data, case_data, expected_version):
    """The contact becomes a new case of the actor's institution: "came to notice: hotline", first contact
    at the contact's time, whatever else the form said about how the person came to notice."""
    from nicat.cases.models import CameToNotice
    from nicat.cases.services import open_case

    require_visible(actor, contact)
    if contact.case_id:
        raise ValidationError(_("This contact is already part of case %(ref)s.") % {"ref": contact.case.reference})
    case_data = {**case_data, "came_to_notice": CameToNotice.HOTLINE}
    case_data.setdefault("first_contact_at", contact.started_at)
    with transaction.atomic():
        bump_version(Contact, contact, expected_version, case__isnull=True)
        # The hotline's contact becomes the hotline's case, whatever other institution the operator works for.
        case = open_case(actor=actor, person_data=person_data, case_data=case_data, institution=contact.institution)
        before = contact.outcome
        contact.case, contact.outcome = case, Outcome.NEW_CASE
        contact.save(update_fields=["case", "outcome", "version", "updated_at"])
        audit.record(actor=actor, action="hotline.contact_to_case", obj=contact, case=case,
                     institution=contact.institution,
                     changes={"outcome": [before, contact.outcome], "case": [None, str(case.uuid)]})
    return case


def hotline_sees(actor, contact, case):
    """`actor` sees `case` (which they see) through the contact's hotline: only such a case is the hotline's to join
    its caller to (a case seen only as a member of another institution is not)."""
    return contact.institution_id in policy.institutions_seeing(actor, case)


def link_contact_to_case(*, actor, contact, case, expected_version):
    """Link the contact to an existing case the actor may see — never to one they may not (that answer
    is the same as for a case that does not exist) — and through the contact's hotline: a case the operator sees
    only as a member of another institution is not the hotline's to join its caller to."""
    from nicat.cases.models import Case

    require_visible(actor, contact)
    if case is None or not Case.objects.visible_to(actor).filter(pk=case.pk).exists():
        raise ValidationError({"case": _("No case with this reference is visible to you.")})
    if not hotline_sees(actor, contact, case):
        raise ValidationError({"case": _(
            "%(hotline)s, whose contact this is, does not see this case: you see it through another institution "
            "you work for. Link the contact to a case of %(hotline)s, or open a new one from it.") % {
                "hotline": contact.institution.name}})
    if contact.case_id:
        raise ValidationError(_("This contact is already part of case %(ref)s.") % {"ref": contact.case.reference})
    with transaction.atomic():
        bump_version(Contact, contact, expected_version, case__isnull=True)
        before = contact.outcome
        contact.case, contact.outcome = case, Outcome.LINKED_CASE
        contact.save(update_fields=["case", "outcome", "version", "updated_at"])
        audit.record(actor=actor, action="hotline.contact_link", obj=contact, case=case,
                     institution=contact.institution,
                     changes={"outcome": [before, contact.outcome], "case": [None, str(case.uuid)]})
    return contact


# --- The public "ask for help" form ----------------------------------------------------------------

def receiving_hotline():
    """The hotline that receives the public form's requests (NICAT_HOTLINE_INSTITUTION, else the first
    active institution of the kind "hotline")."""
    from nicat.directory.models import Institution

    code = getattr(settings, "NICAT_HOTLINE_INSTITUTION", "")
    qs = Institution.objects.filter(active=True)
    if code:
        return qs.filter(code=code).first()
    return qs.filter(kind__code=predicates.HOTLINE_KIND).order_by("pk").first()


def record_help_request(*, what="", safe_contact=""):
    """An anonymous request from the public form: a contact (channel web form) waiting on the operators'
    desk as a follow-up due now. The sender volunteered whatever they wrote; nothing identifies them
    unless they wrote it, and all of it is encrypted."""
    institution = receiving_hotline()
    if institution is None:
        raise ValidationError(_("The form cannot be received right now. Please call 152."))
    now = timezone.now()
    data = {"channel": Channel.WEB_FORM, "started_at": now, "caller_type": "anonymous", "reason": Reason.HELP,
            "outcome": Outcome.FOLLOW_UP, "follow_up_due": now, "notes": (what or "").strip(),
            "safe_contact": (safe_contact or "").strip(), "identity_consent": bool((safe_contact or "").strip())}
    with transaction.atomic():
        contact = Contact(institution=institution, **data)
        contact.reference = _next_reference(timezone.localtime(now).year)
        contact.save()
        audit.record(actor=None, action="hotline.help_request", obj=contact, institution=institution,
                     details={"channel": "public", "what_given": bool(data["notes"]),
                              "contact_given": bool(data["safe_contact"])})
    return contact


# --- Alerts ----------------------------------------------------------------------------------------

def escalate_minutes():
    return int(getattr(settings, "NICAT_HOTLINE_ESCALATE_MINUTES", 10))


def raise_alert(*, contact, actor=None, now=None):
    """One alert per urgent contact, to the competent authority's duty service."""
    from nicat.directory.selectors import competent_authority

    duty = competent_authority()
    alert = Alert.objects.create(contact=contact, duty_institution=duty, reasons=list(contact.urgency),
                                 raised_at=now or timezone.now())
    audit.record(actor=actor, action="hotline.alert_raised", obj=alert, institution=contact.institution,
                 details={"contact": contact.reference, "reasons": alert.reasons,
                          "duty_institution": duty.code if duty else None})
    if duty is not None and duty.email and mail.enabled():
        _mail([duty.email], "raised", alert)
    return alert


def alert_mail(kind, alert):
    """(subject, body) of an alert e-mail: the contact's reference, why it is urgent, a link — nothing that
    identifies anyone (no name, phone, place or notes)."""
    from django.urls import reverse

    base = getattr(settings, "NICAT_BASE_URL", "").rstrip("/")
    reasons = ", ".join(alert.reason_labels)
    if kind == "escalated":
        subject = _("Nicat: urgent hotline contact NOT acknowledged — %(ref)s") % {"ref": alert.contact.reference}
        first = _("Nobody acknowledged this urgent hotline contact within %(minutes)s minutes.") % {
            "minutes": escalate_minutes()}
    else:
        subject = _("Nicat: urgent hotline contact — %(ref)s") % {"ref": alert.contact.reference}
        first = _("The hotline received an urgent contact.")
    body = "\n".join([
        first,
        _("Contact reference: %(ref)s") % {"ref": alert.contact.reference},
        _("Why urgent: %(reasons)s") % {"reasons": reasons},
        _("Acknowledge it in Nicat: %(link)s") % {"link": f"{base}{reverse('hotline:alerts')}"},
        "",
        _("This message holds no personal data by design. Never reply with details of a case."),
    ])
    return subject, body


def _mail(addresses, kind, alert):
    """The alert e-mail, queued for after the commit (nicat.core.mail: a job, retried while the relay is
    down; the in-app alert stands anyway)."""
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = alert_mail(kind, alert)
    mail.send_after_commit([(subject, body, list(addresses))])


def may_acknowledge(user, alert):
    """The duty service of the alert's authority; once escalated, also the hotline's supervisors."""
    if alert.duty_institution_id and alert.duty_institution_id in predicates.duty_institution_ids(user):
        return True
    if alert.escalated_at:
        # A supervisor at the hotline itself: not an operator of it who is a supervisor somewhere else.
        return any(m.role == Role.SUPERVISOR and m.institution_id == alert.contact.institution_id
                   for m in policy.memberships(user))
    return False


def acknowledge_alert(*, actor, alert, now=None):
    alert.refresh_from_db()  # judged as it is now (escalated meanwhile?), not as the caller read it
    if not may_acknowledge(actor, alert):
        raise NotAllowed
    with transaction.atomic():
        updated = Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=now or timezone.now(), acknowledged_by=actor)
        if not updated:
            raise ValidationError(_("This alert was already acknowledged."))
        alert.refresh_from_db()
        minutes = round((alert.acknowledged_at - alert.raised_at).total_seconds() / 60, 1)
        audit.record(actor=actor, action="hotline.alert_acknowledged", obj=alert,
                     institution=(predicates.duty_institution_ids(actor) or {None}).pop(),
                     details={"contact": alert.contact.reference, "minutes": minutes,
                              "after_escalation": bool(alert.escalated_at)})
    return alert


def escalation_recipients(alert):
    """The supervisors of the hotline and of the duty service's authority, active, with their addresses."""
    institutions = [alert.contact.institution_id] + ([alert.duty_institution_id] if alert.duty_institution_id else [])
    return list(User.objects.filter(in_effect_q("memberships__"), is_active=True,
                                    memberships__institution_id__in=institutions,
                                    memberships__role=Role.SUPERVISOR).distinct())


def escalate_overdue(*, now=None):
    """Escalate every alert nobody acknowledged within NICAT_HOTLINE_ESCALATE_MINUTES of `now` (default:
    the current time) to the supervisors; audited, mailed when e-mail is on. Returns the alerts escalated.
    Safe to run often and from several workers: an alert is escalated once."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(minutes=escalate_minutes())
    escalated = []
    due = list(Alert.objects.filter(acknowledged_at__isnull=True, escalated_at__isnull=True, raised_at__lte=cutoff)
               .select_related("contact").order_by("raised_at"))
    for alert in due:
        with transaction.atomic():
            if not Alert.objects.filter(pk=alert.pk, escalated_at__isnull=True,
                                        acknowledged_at__isnull=True).update(escalated_at=now):
                continue
            alert.escalated_at = now
            recipients = escalation_recipients(alert)
            audit.record(actor=None, action="hotline.alert_escalated", obj=alert, institution=alert.contact.institution,
                         details={"contact": alert.contact.reference, "minutes": escalate_minutes(),
                                  "supervisors": len(recipients)})
            addresses = [u.email for u in recipients if u.email]
            if addresses and mail.enabled():
                _mail(addresses, "escalated", alert)
        escalated.append(alert)
    return escalated


def blank_old_contacts(*, before, dry_run=False):
    """Retention (nicat.retention): blank the identifying details (Contact.IDENTIFYING) of every contact that
    started before `before`, led to no case and has no callback or follow-up open. What the statistics count
    (channel, caller type, language, region, reason, what was given, outcome, age, urgency) stays. Returns
    how many contacts were (or, in a dry run, would be) blanked; audited as one event without identity."""
    from django.db import connection

    # An encrypted column answers no lookup (nicat.privacy.fields); an emptied one holds '' in the database,
    # so "still holds something" is asked of the stored text itself.
    columns = [connection.ops.quote_name(Contact._meta.get_field(name).column) for name in Contact.IDENTIFYING]
    still_named = " OR ".join(f"COALESCE({column}, '') <> ''" for column in columns)
    due = (every_contact().filter(started_at__lt=before, case__isnull=True)
           .exclude(outcome__in=OPEN_OUTCOMES).extra(where=[f"({still_named})"]))
    if dry_run:
        return due.count()
    with transaction.atomic():
        due = due.select_for_update()
        kids = list(due.exclude(data_key_id="").values_list("data_key_id", flat=True))
        blanked = forget(due)
        personkeys.destroy_all(kids)  # what backups hold of them can no longer be opened either
        if blanked:
            audit.record(actor=None, action="hotline.contacts_blanked",
                         details={"contacts": blanked, "started_before": before.isoformat()})
    return blanked


def every_contact():
    # whole table: retention forgets the old contacts of every hotline, and a restore those the ledger names
    return Contact.objects.system()


def forget(contacts):
    """Blank the identifying details of `contacts` (a queryset) and let go of their data keys (the caller
    destroys them); returns how many rows were changed."""
    return contacts.update(**{name: "" for name in Contact.IDENTIFYING}, data_key_id="", version=F("version") + 1)


def forget_keyed(kids):
    """After a restore (nicat.retention.services.reapply_ledger, which destroys the keys the erasure ledger
    names again): blank every contact sealed under one of them — its details no longer open anyway."""
    return forget(every_contact().filter(data_key_id__in=list(kids)))
