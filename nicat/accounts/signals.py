"""Sign-in events go to the audit trail: auth.login, auth.logout, auth.login_failed, auth.lockout.

The attempted user name of a failed sign-in is recorded only when it names an existing account
(a mistyped password in the user name field must never reach the trail).
"""
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from nicat.core import trail as audit


def client_ip(request):
    """The client's address: REMOTE_ADDR, or behind NICAT_TRUSTED_PROXIES proxies the address they saw."""
    proxies = int(getattr(settings, "NICAT_TRUSTED_PROXIES", 0) or 0)
    if proxies > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR")


def client_str(username, ip_address, user_agent, path_info, request=None):
    """How django-axes names a client in its log lines: the address and path, never the typed name."""
    return f"{{ip_address: {ip_address or '-'}, path: {path_info or '-'}}}"


def axes_username(request, credentials=None):
    """The user name django-axes counts and stores: the typed name when it names an account, else a
    keyed fingerprint of it (a password typed into the name field must never be stored)."""
    import hashlib
    import hmac

    if credentials:
        username = credentials.get("username")
    else:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        username = data.get("username")
    if not username:
        return None
    if get_user_model().objects.filter(username=username).exists():
        return username
    digest = hmac.new(settings.SECRET_KEY.encode(), b"nicat-unknown-user\x00" + username.encode("utf-8", "replace"),
                      hashlib.sha256).hexdigest()
    return f"unknown-{digest[:16]}"


def _known_user(username):
    if not username:
        return None
    return get_user_model().objects.filter(username=username).first()


@receiver(user_logged_in, dispatch_uid="nicat.accounts.audit_login")
def audit_login(sender, request, user, **kwargs):
    audit.record(actor=user, action="auth.login", obj=user, details={"second_factor_pending": True}
                 if getattr(settings, "NICAT_REQUIRE_2FA", True) else {})


@receiver(user_logged_out, dispatch_uid="nicat.accounts.audit_logout")
def audit_logout(sender, request, user, **kwargs):
    if user is not None and getattr(user, "is_authenticated", False):
        audit.record(actor=user, action="auth.logout", obj=user)


@receiver(user_login_failed, dispatch_uid="nicat.accounts.audit_login_failed")
def audit_login_failed(sender, credentials, request=None, **kwargs):
    user = _known_user((credentials or {}).get("username"))
    details = {"username": user.username} if user else {"username_known": False}
    if request is not None and getattr(request, "axes_locked_out", False):
        details["locked_out"] = True
    audit.record(actor=None, action="auth.login_failed", obj=user, details=details)


def _connect_axes():
    from axes.signals import user_locked_out

    @receiver(user_locked_out, dispatch_uid="nicat.accounts.audit_lockout")
    def audit_lockout(sender, request, username=None, ip_address=None, **kwargs):
        user = _known_user(username)
        details = {"username": user.username} if user else {"username_known": False}
        if user is not None:
            # Its API tokens are refused while the lock lasts (nicat.accounts.tokens); not revoked, so that
            # a stranger typing wrong passwords cannot cut the integrations of an account for good.
            from nicat.accounts.services import active_token_count

            details["api_tokens_suspended"] = active_token_count(user)
        audit.record(actor=None, action="auth.lockout", obj=user, details=details)

    return audit_lockout


audit_lockout = _connect_axes()
