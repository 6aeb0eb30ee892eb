"""API tokens stored as SHA-256 digests; `Authorization: Token <token>`.

`last_used_at` is written at most once a minute per token (LAST_USED_RESOLUTION): a write on
every request would make every read a write, and on SQLite every write takes the database's one
write lock. The column says when the token was last used, to the minute."""
import datetime
import functools
import hashlib
import secrets

from axes.models import AccessAttempt
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from nicat.accounts.models import ApiToken, User
from nicat.core import prepared

# How stale `last_used_at` may be before a request writes it again.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


_OWNER = object()


def issue_token(*, user, name="", actor=_OWNER):
    """Create a token for `user` and return its text; only the digest is kept. The product calls it
    through nicat.accounts.services.create_token (which validates); `actor` None is the operator
    on the server (`nicat token`), audited as the system."""
    token = "nct_" + secrets.token_urlsafe(32)
    actor = user if actor is _OWNER else actor
    with transaction.atomic():
        row = ApiToken.objects.create(user=user, name=name, prefix=token[:10], digest=_digest(token))
        from nicat.core.trail import record

        details = {"prefix": token[:10], "token": str(row.uuid)}
        if actor is None:
            details["via"] = "command"
        record(actor=actor, action="token.create", obj=user, details=details)
    return token


class HashedTokenAuthentication(TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key):
        from nicat.accounts.services import is_locked_out, lockout_window

        digest = _digest(key)
        window = lockout_window()
        if window is not None and window[1] is not None:
            # Every API request: the token, its user and the lock-out in ONE statement — a token is found only
            # while its account is not locked. Not found, the statements below say why.
            limit, since = window
            found = prepared.fetch(("accounts.api_token_unlocked", limit), functools.partial(_unlocked_token, limit),
                                   slots={"digest": _DIGEST, "since": _SINCE}, values={"digest": digest, "since": since})
            if found and found[0].user.is_active:
                touch_last_used(found[0])
                return found[0].user, found[0]
        found = prepared.fetch("accounts.api_token", _token_by_digest, slots={"digest": _DIGEST},
                               values={"digest": digest})
        if not found:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        token = found[0]
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("This account is disabled."))
        if is_locked_out(token.user):
            # A locked account is locked for the API too, until the lock ends or an administrator lifts it.
            raise exceptions.AuthenticationFailed(_("This account is locked after repeated failed sign-ins; its "
                                                    "API tokens work again when the lock ends."))
        touch_last_used(token)
        return token.user, token


_DIGEST = prepared.Slot(ApiToken._meta.get_field("digest"))
_SINCE = prepared.Slot(AccessAttempt._meta.get_field("attempt_time"))


def _token_by_digest(digest):
    """The token (not revoked) with its user, composed once (nicat.core.prepared)."""
    return _tokens(digest)[:1]


def _tokens(digest):
    return ApiToken.objects.select_related("user").filter(digest=digest, revoked_at__isnull=True)


def _unlocked_token(limit, digest, since):
    """`_token_by_digest`, found only while its user has fewer than `limit` failed sign-ins since `since`
    (nicat.accounts.services.is_locked_out in SQL: the same attempts, the same sum)."""
    from nicat.accounts.services import failures_since

    failures = Coalesce(Subquery(failures_since(OuterRef(f"user__{User.USERNAME_FIELD}"), since)), 0)
    return _tokens(digest).alias(failures=failures).filter(failures__lt=limit)[:1]


def touch_last_used(token, now=None):
    """Record that `token` is in use, unless it was recorded less than a minute ago. The UPDATE
    is conditional, so that concurrent requests of one token write it once."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return False
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    written = ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)
    if written:
        token.last_used_at = now
    return bool(written)
