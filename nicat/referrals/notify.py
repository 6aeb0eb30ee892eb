"""In-app notifications (and optional e-mail) that never carry identifying data.

A notification says only what happened (its kind), to which case (the reference, e.g.
NCT-2026-000123) and where to look (a link holding UUIDs). Names, messages, reasons and any other
free text stay in the system, behind sign-in and the access policy.

E-mail is off unless `settings.NICAT_NOTIFICATION_EMAIL` is true (it is when `EMAIL_HOST` names an SMTP
server, see nicat/settings.py); it then goes, after the transaction commits, to each recipient with an
e-mail address, with the same content, as a queued job (nicat.core.mail: retried while the relay is down).
"""
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from nicat.access import policy
from nicat.accounts.models import CASE_ROLES, User, in_effect_q
from nicat.core import mail
from nicat.referrals.models import Notification, NotificationKind


def _recipients(institution, exclude=None, roles=None):
    qs = User.objects.filter(in_effect_q("memberships__"), is_active=True, memberships__institution=institution,
                             memberships__role__in=list(roles or CASE_ROLES)).distinct()
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return list(qs)


def _not_kept_from(users, case_reference):
    """`users` but those an access-restriction order keeps from the case `case_reference` names: a notice about a
    case (a break-glass opening, a deadline, a referral's answer) tells that the case is being worked on, and an
    order that keeps a colleague from the case keeps that from them too."""
    if not case_reference:
        return list(users)
    return [u for u in users if not policy.restricted_cases(u).filter(reference=case_reference).exists()]


def notify_institution(*, institution, kind, case_reference, link, exclude=None, roles=None):
    """One notification to every case-working member of `institution` (only `roles`, when given; except
    `exclude`, and those an access-restriction order keeps from the case)."""
    if kind not in NotificationKind.values:
        raise ValueError(f"Unknown notification kind {kind!r}")
    users = _not_kept_from(_recipients(institution, exclude, roles), case_reference)
    now = timezone.now()
    rows = Notification.objects.bulk_create([
        Notification(user=u, institution=institution, kind=kind, case_reference=case_reference or "", link=link,
                     created_at=now) for u in users])
    if mail.enabled():
        _send_emails(users, kind, case_reference, link)
    return rows


def notify_users(*, users, kind, case_reference, link, institution=None, exclude=None):
    """The same notification to named staff members (e.g. the requester of an approval, the assignee of a
    task) — active ones only, each once, except `exclude` and those an access-restriction order keeps from the
    case."""
    if kind not in NotificationKind.values:
        raise ValueError(f"Unknown notification kind {kind!r}")
    seen, targets = set(), []
    for user in users:
        if user is None or not user.is_active or user.pk in seen or (exclude is not None and user.pk == exclude.pk):
            continue
        seen.add(user.pk)
        targets.append(user)
    targets = _not_kept_from(targets, case_reference)
    now = timezone.now()
    rows = Notification.objects.bulk_create([
        Notification(user=u, institution=institution, kind=kind, case_reference=case_reference or "", link=link,
                     created_at=now) for u in targets])
    if mail.enabled():
        _send_emails(targets, kind, case_reference, link)
    return rows


def email_content(kind, case_reference, link):
    """(subject, body) of a notification e-mail: the kind, the reference and the link — nothing else."""
    label = str(NotificationKind(kind).label)
    base = getattr(settings, "NICAT_BASE_URL", "").rstrip("/")
    if not case_reference:  # about the institution, not a case (a role grant)
        return f"Nicat: {label}", "\n".join([
            label, _("Sign in to Nicat to see it: %(link)s") % {"link": f"{base}{link}"}, "",
            _("This message holds no personal data by design. Never reply with details of a case.")])
    subject = _("Nicat: %(event)s — %(reference)s") % {"event": label, "reference": case_reference}
    body = "\n".join([
        label,
        _("Case reference: %(reference)s") % {"reference": case_reference},
        _("Sign in to Nicat to see it: %(link)s") % {"link": f"{base}{link}"},
        "",
        _("This message holds no personal data by design. Never reply with details of a case."),
    ])
    return subject, body


def _send_emails(users, kind, case_reference, link):
    """One e-mail per recipient with an address, in their language, queued for after the commit
    (nicat.core.mail: a job, retried while the relay is down; the in-app notification stands anyway)."""
    messages = []
    for user in users:
        if not user.email:
            continue
        with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
            subject, body = email_content(kind, case_reference, link)
        messages.append((subject, body, [user.email]))
    mail.send_after_commit(messages)


def unread(user):
    """The user's unread notifications (none for an anonymous visitor)."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(user=user, read_at__isnull=True)


def user_notifications(user, limit=100):
    return Notification.objects.filter(user=user).select_related("institution")[:limit]


def mark_read(*, actor, uuids=None):
    qs = Notification.objects.filter(user=actor, read_at__isnull=True)
    if uuids is not None:
        qs = qs.filter(uuid__in=list(uuids))
    return qs.update(read_at=timezone.now())


def notification_for(user, uuid):
    return Notification.objects.filter(user=user, uuid=uuid).first()


def announce_role_grant(event, membership, actor):
    """nicat.accounts' membership listener: tell the institution when an administrator grants a role
    there (to be confirmed), when a grant takes effect, and when an administrator set the password or
    reset the second factor of someone who works there. Kind and link only — no names."""
    from django.urls import reverse

    kinds = {"pending": NotificationKind.ROLE_GRANT_PENDING, "confirmed": NotificationKind.ROLE_GRANT_CONFIRMED,
             "sign_in_reset": NotificationKind.SIGN_IN_RESET}
    if event not in kinds:
        return
    link = reverse("accounts:grants") if event in ("pending", "confirmed") else ""
    notify_institution(institution=membership.institution, kind=kinds[event], case_reference="", link=link,
                       exclude=actor)
