"""Access matrix entries of the account pages and the token API (format: tests/support/matrix.py).

Every signed-in person manages their own account; nobody reaches anyone else's tokens."""
from tests.support.matrix import EVERYONE, api, page

MATRIX = {
    "accounts:security": page(EVERYONE),
    "accounts:2fa_setup": page(EVERYONE),  # enrolled already: sent on to the account page
    "accounts:2fa_qr": page(EVERYONE, expect=(404,)),  # no secret is shown again after enrolment
    "accounts:2fa_verify": page(EVERYONE),  # verified already: sent on
    "accounts:recovery_codes": page(EVERYONE, methods=("post",)),
    "accounts:password_change": page(EVERYONE),
    "accounts:token_create": page(EVERYONE, methods=("post",), expect=(400,)),  # empty form: told what to fix
    "accounts:token_revoke": page(EVERYONE, methods=("post",), kwargs={"token_uuid": "api_token"}),
    "accounts:grants": page(EVERYONE),  # pending role grants: heads and administrators decide, members see
    # the head of the institution (a supervisor there) or a second administrator confirms a grant;
    # the institution's other staff are refused (403), other institutions' grants are not found (404)
    "accounts:grant_decide": page({"supervisor", "administrator"}, methods=("post",), query={"decision": "confirm"},
                                  kwargs={"membership_uuid": "pending_grant"}, expect=(302,)),
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


def pending_grant(world, role, own):
    """A role grant waiting for confirmation at the role's institution (own) or at the foreign one,
    made by an administrator other than the one asking."""
    from nicat.accounts.models import Role, User
    from nicat.accounts.services import grant_membership
    from tests.support.world import make_user

    if role == Role.ADMINISTRATOR and not own:
        return None  # administrators decide grants at every institution: nothing is foreign to them
    granter = world.user(Role.ADMINISTRATOR)
    if role == Role.ADMINISTRATOR:
        granter = User.objects.filter(username="mx.admin2").first() or User.objects.create_superuser(
            "mx.admin2", password="x" * 16)
    from tests.support.matrix import INSTITUTION_OF_ROLE

    institution = world.institutions[INSTITUTION_OF_ROLE[Role(role)] if own else "foreign"]
    grantee = make_user(f"mx.grantee.{role}.{'own' if own else 'foreign'}")
    return grant_membership(actor=granter, user=grantee, institution=institution, role=Role.CASE_WORKER).uuid


OBJECTS = {"api_token": api_token, "pending_grant": pending_grant}
