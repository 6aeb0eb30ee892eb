"""Sign-in hardening: two-factor enrolment and verification, recovery codes, sign-out everywhere,
API tokens. Every change is audited in its own transaction.

Two factors: a TOTP authenticator (django-otp's TOTPDevice) and one-use recovery codes (a
StaticDevice named "recovery"). Recovery codes are stored as keyed digests, never as the codes:
the database alone does not give away a second factor.
"""
import functools
import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from nicat.accounts.models import CASE_ROLES, ApiToken, Membership, MembershipStatus, Role, User
from nicat.core import prepared
from nicat.core import trail as audit
from nicat.core.errors import NotAllowed

TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery"
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: easy to copy from paper


def requires_second_factor():
    return bool(getattr(settings, "NICAT_REQUIRE_2FA", True))


def has_authenticator(user):
    return user_has_device(user, confirmed=True) and TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_authenticator(*, user):
    """The not-yet-confirmed authenticator being enrolled (created on first call)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def base32_secret(device):
    import base64

    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def _normalise_code(code):
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def _recovery_digest(code):
    mac = hmac.new(settings.SECRET_KEY.encode(), b"nicat-recovery-code\x00" + _normalise_code(code).encode(),
                   hashlib.sha256)
    return mac.hexdigest()[:16]


def _new_recovery_code():
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _replace_recovery_codes(user):
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [_new_recovery_code() for _ in range(int(getattr(settings, "NICAT_RECOVERY_CODES", 10)))]
    for code in codes:
        device.token_set.create(token=_recovery_digest(code))
    return codes


def confirm_authenticator(*, actor, device, code):
    """Confirm the authenticator being enrolled with a code it shows; returns the new recovery codes
    (shown once). Raises ValidationError when the code is wrong."""
    if device.user_id != actor.pk or device.confirmed:
        raise ValidationError({"code": _("This enrolment is no longer valid. Start again.")})
    code = _normalise_code(code)
    with transaction.atomic():
        if not (code.isdigit() and device.verify_token(code)):
            audit.record(actor=actor, action="auth.2fa_enrol_failed", obj=actor)
            raise ValidationError({"code": _("The code is wrong or has expired. Enter the 6 digits your "
                                             "authenticator app shows now.")})
        TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _replace_recovery_codes(actor)
        audit.record(actor=actor, action="auth.2fa_enrolled", obj=actor, details={"recovery_codes": len(codes)})
    return codes


def verify_second_factor(*, actor, code):
    """The device that accepts `code` (6 digits from the authenticator, or a recovery code), or None.
    A recovery code works once. Failures are audited (and throttled by django-otp)."""
    normalised = _normalise_code(code)
    device = None
    method = ""
    with transaction.atomic():
        if normalised.isdigit() and len(normalised) in (6, 8):
            for candidate in TOTPDevice.objects.devices_for_user(actor, confirmed=True).select_for_update():
                if candidate.verify_token(normalised):
                    device, method = candidate, "totp"
                    break
        elif normalised:
            for candidate in StaticDevice.objects.devices_for_user(actor, confirmed=True).select_for_update():
                if candidate.verify_token(_recovery_digest(normalised)):
                    device, method = candidate, "recovery_code"
                    break
    with transaction.atomic():
        if device is None:
            audit.record(actor=actor, action="auth.2fa_failed", obj=actor)
        else:
            left = device.token_set.count() if method == "recovery_code" else None
            audit.record(actor=actor, action="auth.2fa_verified", obj=actor,
                         details={"method": method, **({"recovery_codes_left": left} if left is not None else {})})
    return device


def regenerate_recovery_codes(*, actor):
    if not has_authenticator(actor):
        raise ValidationError(_("Set up your authenticator app first."))
    with transaction.atomic():
        codes = _replace_recovery_codes(actor)
        audit.record(actor=actor, action="auth.recovery_codes_renewed", obj=actor, details={"count": len(codes)})
    return codes


def recovery_codes_left(user):
    device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    return device.token_set.count() if device else 0


def reset_two_factor(*, actor, user):
    """Administrators: remove a staff member's authenticator and recovery codes (a lost phone).
    The staff member enrols again at their next sign-in; their sessions end now."""
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=None):
            device.delete()
        User.objects.filter(pk=user.pk).update(session_epoch=_new_epoch())
        audit.record(actor=actor, action="auth.2fa_reset", obj=user)
        if actor is not None and actor.pk != user.pk:
            _announce_sign_in_reset(user, actor)


def _new_epoch():
    import uuid

    return uuid.uuid4()


def sign_out_everywhere(*, actor):
    """End every session of `actor` (on every device and browser), including this one, and revoke
    every API token of theirs: someone who took over the account may have created one. Returns the
    number of tokens revoked."""
    with transaction.atomic():
        epoch = _new_epoch()
        User.objects.filter(pk=actor.pk).update(session_epoch=epoch)
        actor.session_epoch = epoch
        _delete_sessions_of(actor)
        audit.record(actor=actor, action="auth.sessions_ended", obj=actor)
        return revoke_all_tokens(actor=actor, user=actor, reason="sign_out_everywhere")


def _delete_sessions_of(user):
    """Remove the user's stored sessions (the new epoch already makes them useless)."""
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session

    uid = str(user.pk)
    stale = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=500):
        try:
            if str(session.get_decoded().get(SESSION_KEY)) == uid:
                stale.append(session.pk)
        except Exception:  # a corrupt session is simply not ours to judge
            continue
    if stale:
        Session.objects.filter(pk__in=stale).delete()


# --- API tokens -----------------------------------------------------------------------------------

def tokens_of(user):
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at")


def create_token(*, actor, name, user=None):
    """Issue an API token for `user` (the actor's own by default) and return its text, shown once.
    `actor` None is the operator on the server (`nicat token USERNAME`); a signed-in actor creates
    tokens only for themselves. Audited as `token.create` in the same transaction."""
    from nicat.accounts.tokens import issue_token

    owner = user if user is not None else actor
    if owner is None:
        raise ValueError("create_token needs a user when no actor is signed in.")
    if actor is not None and owner.pk != actor.pk:
        raise NotAllowed(_("You can create API tokens only for yourself."))
    if not owner.is_active:
        raise ValidationError(_("This account is disabled; it cannot have API tokens."))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Say what the token is for, e.g. the name of the system that uses it.")})
    if len(name) > 100:
        raise ValidationError({"name": _("The name is longer than 100 characters. Shorten it.")})
    return issue_token(user=owner, name=name, actor=actor)


def revoke_token(*, actor, token, as_administrator=False):
    """Revoke an API token. Its owner revokes their own (someone else's is not found: LookupError);
    an administrator (`as_administrator`, the admin's action) revokes anyone's. A revoked token stays
    revoked: nothing clears `revoked_at` (the model and a database trigger refuse it)."""
    if as_administrator:
        if not is_administrator(actor):
            raise NotAllowed(_("Only an administrator can revoke someone else's API token."))
    elif token.user_id != actor.pk:
        raise LookupError
    with transaction.atomic():
        updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        if updated:
            audit.record(actor=actor, action="token.revoke", obj=token.user,
                         details={"prefix": token.prefix, "token": str(token.uuid),
                                  **({"by_administrator": True} if token.user_id != actor.pk else {})})
    token.refresh_from_db()
    return token


# --- Passwords ------------------------------------------------------------------------------------

def change_password(*, actor, user, password):
    """Set `user`'s password (already validated by the form, which applies the password rules);
    ends the user's other sessions (the session hash changes). Audited as `auth.password_changed`
    — with `by_administrator` when an administrator set someone else's."""
    if actor is None or (actor.pk != user.pk and not is_administrator(actor)):
        raise NotAllowed(_("Only the staff member or an administrator can change a password."))
    with transaction.atomic():
        if password is None:
            user.set_unusable_password()
        else:
            user.set_password(password)
        user.save(update_fields=["password"])
        details = {}
        if actor.pk != user.pk:
            details["by_administrator"] = True
        if password is None:
            details["unusable"] = True
        audit.record(actor=actor, action="auth.password_changed", obj=user, details=details)
        if actor.pk != user.pk:
            _announce_sign_in_reset(user, actor)
    return user


# --- Staff (the administration) ---------------------------------------------------------------------

def is_administrator(user):
    """Someone who administers Nicat: an active staff member allowed to change memberships in the admin."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active
                and user.is_staff and user.has_perm("accounts.change_membership"))


def _require_administrator(actor):
    if not is_administrator(actor):
        raise NotAllowed(_("Only an administrator can do this."))


STAFF_AUDITED_FIELDS = ("username", "first_name", "last_name", "email", "is_active", "is_staff", "is_superuser",
                        "preferred_language")


def _staff_snapshot(user):
    if user is None or user.pk is None:
        return {}
    row = {name: getattr(user, name) for name in STAFF_AUDITED_FIELDS}
    row["user_permissions"] = sorted(f"{p.content_type.app_label}.{p.codename}"
                                     for p in user.user_permissions.select_related("content_type"))
    row["groups"] = sorted(g.name for g in user.groups.all())
    return row


def save_staff_member(*, actor, user, password=None, save_related=None):
    """Create or update a staff member (the admin's user forms). `save_related()` (the form's m2m
    save) runs inside the same transaction, so permissions are part of the audited change.
    Audited as `staff.create` / `staff.update` with the changed fields (never the password)."""
    _require_administrator(actor)
    creating = user.pk is None
    if not creating and actor.pk == user.pk:
        stored = User.objects.get(pk=user.pk)
        if (stored.is_superuser, stored.is_staff) != (user.is_superuser, user.is_staff) or \
                (stored.is_active and not user.is_active):
            raise ValidationError(_("You cannot change your own administrator rights or disable your own account. "
                                    "Ask another administrator."))
    with transaction.atomic():
        before = {} if creating else _staff_snapshot(User.objects.get(pk=user.pk))
        if password is not None:
            user.set_password(password)
        user.save()
        if save_related is not None:
            save_related()
        after = _staff_snapshot(user)
        changes = audit.diff(User, before, after)
        if creating:
            audit.record(actor=actor, action="staff.create", obj=user, changes=changes,
                         details={"password_usable": user.has_usable_password()})
        elif changes:
            audit.record(actor=actor, action="staff.update", obj=user, changes=changes)
        else:
            audit.record(actor=actor, action="staff.update", obj=user, details={"unchanged": True})
    return user


# --- Role grants (memberships) ----------------------------------------------------------------------
#
# Only administrators grant roles. Nobody grants a role to themselves. A grant waits (status
# "pending", active=False: it gives no access) until the head of the institution — a supervisor in
# effect there — or a second administrator confirms it; neither the one who granted it nor the one
# who receives it can confirm it. The institution is told (in-app notifications, no personal data).

_membership_listeners = []


def register_membership_listener(fn):
    """`fn(event, membership, actor)` — called inside the transaction of every grant decision
    (event: "pending", "confirmed", "rejected", "ended"). Higher apps register here (the
    referrals app's notifications do, in its AppConfig.ready())."""
    _membership_listeners.append(fn)
    return fn


def _announce(event, membership, actor):
    for listener in _membership_listeners:
        listener(event, membership, actor)


def _announce_sign_in_reset(user, actor):
    """An administrator set someone's password or reset their second factor — which would let the
    administrator sign in as them: the institutions where they hold a role are told ("sign_in_reset",
    once per institution, through the same listeners)."""
    seen = set()
    for membership in user.active_memberships():
        if membership.institution_id not in seen:
            seen.add(membership.institution_id)
            _announce("sign_in_reset", membership, actor)


def _membership_details(membership):
    return {"staff_member": membership.user.get_username(), "user": str(membership.user.uuid),
            "institution": membership.institution.code, "role": membership.role}


def is_head_of(user, institution):
    """The head of an institution: an active supervisor there (MembershipQuerySet.heads_of)."""
    return Membership.objects.heads_of(institution).filter(user=user).exists()


def headed_institution_ids(user):
    """The ids of the institutions `user` is the head of: `is_head_of` for every institution at once (one query,
    MembershipQuerySet.heads), for a list of grants at many institutions."""
    return set(Membership.objects.heads().filter(user=user).values_list("institution_id", flat=True))


def check_grant(*, actor, user, institution, role):
    """Why `actor` may not grant `user` the `role` at `institution` (ValidationError with the field),
    or the existing row the grant renews (an ended or rejected one), or None."""
    _require_administrator(actor)
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a role from the list.")})
    if user.pk == actor.pk:
        raise ValidationError({"user": _(
            "You cannot grant a role to yourself. Another administrator grants it, and the head of the institution "
            "confirms it.") if Role(role) in CASE_ROLES else _(
            "You cannot grant a role to yourself. Ask another administrator.")})
    if not user.is_active:
        raise ValidationError({"user": _("This account is disabled. Enable it first.")})
    if not institution.active:
        raise ValidationError({"institution": _("This institution is inactive. Roles can be granted only at an "
                                                "active institution.")})
    membership = Membership.objects.filter(user=user, institution=institution, role=role).first()
    if membership is not None and membership.status == MembershipStatus.ACTIVE and membership.active:
        raise ValidationError({"role": _("%(user)s already has this role at this institution.") % {"user": user}})
    if membership is not None and membership.status == MembershipStatus.PENDING:
        raise ValidationError({"role": _("This grant already waits for confirmation by the head of the institution "
                                         "or another administrator.")})
    return membership


def grant_membership(*, actor, user, institution, role):
    """An administrator grants `user` the `role` at `institution`. The grant waits for confirmation
    (see above) and is announced to the institution. Returns the membership (pending)."""
    with transaction.atomic():
        Membership.objects.select_for_update().filter(user=user, institution=institution, role=role).first()
        membership = check_grant(actor=actor, user=user, institution=institution, role=role)
        now = timezone.now()
        if membership is None:
            membership = Membership(user=user, institution=institution, role=role)
        membership.status = MembershipStatus.PENDING
        membership.active = False
        membership.granted_by, membership.granted_at = actor, now
        membership.decided_by = membership.decided_at = None
        membership.ended_by = membership.ended_at = None
        membership.save()
        audit.record(actor=actor, action="membership.grant", obj=membership, institution=institution,
                     details={**_membership_details(membership), "status": membership.status})
        _announce("pending", membership, actor)
    return membership


def can_decide_grant(actor, membership, *, headed=None):
    """Whether `actor` may confirm or reject this pending grant, and if not, why (a sentence). `headed`: the
    institutions `actor` heads (headed_institution_ids), known already for a list of grants."""
    if membership.status != MembershipStatus.PENDING:
        return False, _("This grant no longer waits for confirmation.")
    if membership.granted_by_id == actor.pk:
        return False, _("You made this grant; the head of the institution or another administrator must confirm it.")
    if membership.user_id == actor.pk:
        return False, _("You cannot confirm a role granted to yourself.")
    heads = (membership.institution_id in headed) if headed is not None else is_head_of(actor, membership.institution)
    if not (heads or is_administrator(actor)):
        return False, _("Only the head of the institution (a supervisor there) or another administrator can confirm "
                        "this grant.")
    return True, ""


def _decide(*, actor, membership, confirm):
    with transaction.atomic():
        membership = Membership.objects.select_for_update().select_related("user", "institution").get(pk=membership.pk)
        if membership.status != MembershipStatus.PENDING:
            # decided meanwhile (another head or administrator, another tab): told, not a refusal of the person
            raise ValidationError(_("This grant no longer waits for confirmation."))
        allowed, reason = can_decide_grant(actor, membership)
        if not allowed:
            raise NotAllowed(reason)
        membership.status = MembershipStatus.ACTIVE if confirm else MembershipStatus.REJECTED
        membership.active = confirm
        membership.decided_by, membership.decided_at = actor, timezone.now()
        membership.save(update_fields=["status", "active", "decided_by", "decided_at"])
        as_head = is_head_of(actor, membership.institution)
        audit.record(actor=actor, action="membership.confirm" if confirm else "membership.reject", obj=membership,
                     institution=membership.institution,
                     details={**_membership_details(membership), "granted_by": membership.granted_by.get_username()
                              if membership.granted_by else "", "as": "head" if as_head else "administrator"})
        _announce("confirmed" if confirm else "rejected", membership, actor)
    return membership


def confirm_membership(*, actor, membership):
    """The head of the institution or a second administrator confirms a pending grant: it takes effect."""
    return _decide(actor=actor, membership=membership, confirm=True)


def reject_membership(*, actor, membership):
    """The head of the institution or a second administrator rejects a pending grant: it never takes effect."""
    return _decide(actor=actor, membership=membership, confirm=False)


def end_membership(*, actor, membership):
    """End a role (or withdraw a pending grant): an administrator, or the head of the institution.
    The staff member loses the access it gave at once."""
    if not (is_administrator(actor) or is_head_of(actor, membership.institution)):
        raise NotAllowed(_("Only an administrator or the head of the institution can end a role."))
    with transaction.atomic():
        membership = Membership.objects.select_for_update().select_related("user", "institution").get(pk=membership.pk)
        if membership.status in (MembershipStatus.ENDED, MembershipStatus.REJECTED) or (
                membership.status == MembershipStatus.ACTIVE and not membership.active):
            raise ValidationError(_("This role is not in effect; there is nothing to end."))
        previous = membership.status
        membership.status, membership.active = MembershipStatus.ENDED, False
        membership.ended_by, membership.ended_at = actor, timezone.now()
        membership.save(update_fields=["status", "active", "ended_by", "ended_at"])
        audit.record(actor=actor, action="membership.end", obj=membership, institution=membership.institution,
                     details={**_membership_details(membership), "was": previous})
        _announce("ended", membership, actor)
    return membership


def grants_for(user):
    """The grants (pending or decided) `user` may see: every one for an administrator, else those at the
    user's institutions. A grant decided meanwhile is still found, so that a late decision is told why."""
    qs = Membership.objects.select_related("user", "institution", "granted_by").order_by("granted_at", "pk")
    if is_administrator(user):
        return qs
    institution_ids = user.active_memberships().values_list("institution_id", flat=True)
    return qs.filter(institution_id__in=list(institution_ids))


def pending_grants_for(user):
    """Grants awaiting confirmation that `user` may see on the "Role grants" page: every one for an
    administrator, else those at the user's institutions (the heads decide; the others are told)."""
    return grants_for(user).filter(status=MembershipStatus.PENDING)


def grants_to_decide_count(user):
    """How many pending grants `user` could confirm now (for the dashboard)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    headed = headed_institution_ids(user)
    return sum(1 for m in pending_grants_for(user) if can_decide_grant(user, m, headed=headed)[0])


# --- Lock-outs (django-axes) --------------------------------------------------------------------------

def clear_sign_in_failures(*, actor, attempts):
    """An administrator deletes failed-sign-in records (the admin's "Access attempts"), which unlocks
    the accounts and addresses they locked. Audited as `auth.unlock` (addresses, never typed names)."""
    _require_administrator(actor)
    with transaction.atomic():
        for attempt in attempts:
            audit.record(actor=actor, action="auth.unlock", obj=attempt,
                         details={"ip": attempt.ip_address or "", "failures": attempt.failures_since_start})
            attempt.delete()
def revoke_all_tokens(*, actor, user, reason):
    """Revoke every active API token of `user` at once (one audited event naming their prefixes);
    `actor` is who does it (the user, an administrator, or None for the system). Returns the count."""
    with transaction.atomic():
        active = ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True)
        prefixes = sorted(active.values_list("prefix", flat=True))
        if not prefixes:
            return 0
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
        audit.record(actor=actor, action="token.revoke_all", obj=user,
                     details={"count": len(prefixes), "prefixes": prefixes, "reason": reason})
    return len(prefixes)


def active_token_count(user):
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).count()


def is_locked_out(user):
    """True while django-axes holds the account locked after repeated failed sign-ins (by its name)."""
    window = lockout_window()
    if window is None:
        return False
    limit, since = window
    if since is None:
        attempts = _recent_attempts(user.get_username(), None)
        failures = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
    else:
        # Composed once (nicat.core.prepared), summed here (a few rows at most).
        attempts = prepared.fetch("accounts.lockout_attempts", _recent_attempts, slots=_lockout_slots(),
                                  values={"username": user.get_username(), "since": since})
        failures = sum(a.failures_since_start or 0 for a in attempts)
    return failures >= limit


def lockout_window():
    """(the failures that lock an account, the moment from which they count — None when a lock never ends), or
    None when sign-in lock-outs are off: the one reading of the lock-out settings, for `is_locked_out` and for
    the API token's look-up (nicat.accounts.tokens), which counts the same failures in the token's statement."""
    if not getattr(settings, "AXES_ENABLED", True):
        return None
    from axes.helpers import get_cool_off

    cool_off = get_cool_off()
    return int(getattr(settings, "AXES_FAILURE_LIMIT", 5)), (None if cool_off is None else timezone.now() - cool_off)


def failures_since(username, since):
    """A subquery: the number of failed sign-ins counted against `username` (a value or an OuterRef) since
    `since` (NULL when there are none)."""
    return (_recent_attempts(username, since).order_by().values("username")
            .annotate(n=Sum("failures_since_start")).values("n"))


@functools.cache
def _lockout_slots():
    from axes.models import AccessAttempt

    return {"username": prepared.Slot(AccessAttempt._meta.get_field("username")),
            "since": prepared.Slot(AccessAttempt._meta.get_field("attempt_time"))}


def _recent_attempts(username, since):
    from axes.models import AccessAttempt

    attempts = AccessAttempt.objects.filter(username=username)
    return attempts if since is None else attempts.filter(attempt_time__gte=since)
