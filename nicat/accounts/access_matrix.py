"""Access matrix entries of the account pages and the token API (format: nicat/access/matrix.py).

Every signed-in person manages their own account; nobody reaches anyone else's tokens."""
from nicat.access.matrix import EVERYONE, api, page

MATRIX = {
    "accounts:security": page(EVERYONE),
    "accounts:2fa_setup": page(EVERYONE),  # enrolled already: sent on to the account page
    "accounts:2fa_qr": page(EVERYONE, expect=(404,)),  # no secret is shown again after enrolment
    "accounts:2fa_verify": page(EVERYONE),  # verified already: sent on
    "accounts:recovery_codes": page(EVERYONE, methods=("post",)),
    "accounts:password_change": page(EVERYONE),
    "accounts:token_create": page(EVERYONE, methods=("post",), expect=(400,)),  # empty form: told what to fix
    "accounts:token_revoke": page(EVERYONE, methods=("post",), kwargs={"token_uuid": "api_token"}),
    "accounts:sign_out_everywhere": page(EVERYONE, methods=("post",), expect=(302,), ends_session=True),
    "token-list": api(EVERYONE),
    "token-detail": api(EVERYONE, methods=("get", "delete"), kwargs={"uuid": "api_token"}),
}


def api_token(world, role, own):
    from nicat.accounts.models import ApiToken
    from nicat.accounts.tokens import issue_token

    user = world.user(role) if own else world.foreign_user
    issue_token(user=user, name=f"matrix {role} {own}")
    return ApiToken.objects.filter(user=user).order_by("-id").first().uuid


OBJECTS = {"api_token": api_token}
