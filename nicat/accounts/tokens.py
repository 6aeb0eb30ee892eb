"""API tokens stored as SHA-256 digests; `Authorization: Token <token>`."""
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from nicat.accounts.models import ApiToken


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
        try:
            token = ApiToken.objects.select_related("user").get(digest=_digest(key), revoked_at__isnull=True)
        except ApiToken.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("This account is disabled."))
        from nicat.accounts.services import is_locked_out

        if is_locked_out(token.user):
            # A locked account is locked for the API too, until the lock ends or an administrator lifts it.
            raise exceptions.AuthenticationFailed(_("This account is locked after repeated failed sign-ins; its "
                                                    "API tokens work again when the lock ends."))
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token.user, token
