"""Sign-in hardening: two-factor enrolment and verification, recovery codes, sign-out everywhere,
API tokens. Every change is audited in its own transaction.

Two factors: a TOTP authenticator (django-otp's TOTPDevice) and one-use recovery codes (a
StaticDevice named "recovery"). Recovery codes are stored as keyed digests, never as the codes:
the database alone does not give away a second factor.
"""
import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from nicat.accounts.models import ApiToken, User
from nicat.audit import services as audit

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


def create_token(*, actor, name):
    from nicat.accounts.tokens import issue_token

    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Say what the token is for, e.g. the name of the system that uses it.")})
    if len(name) > 100:
        raise ValidationError({"name": _("The name is longer than 100 characters. Shorten it.")})
    return issue_token(user=actor, name=name)


def revoke_token(*, actor, token):
    """Revoke one of the actor's own tokens (someone else's is not found, so it raises LookupError)."""
    if token.user_id != actor.pk:
        raise LookupError
    with transaction.atomic():
        updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        if updated:
            audit.record(actor=actor, action="token.revoke", obj=actor, details={"prefix": token.prefix})
    token.refresh_from_db()
    return token


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
    if not getattr(settings, "AXES_ENABLED", True):
        return False
    from axes.helpers import get_cool_off
    from axes.models import AccessAttempt
    from django.db.models import Sum

    attempts = AccessAttempt.objects.filter(username=user.get_username())
    cool_off = get_cool_off()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    failures = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
    return failures >= int(getattr(settings, "AXES_FAILURE_LIMIT", 5))
