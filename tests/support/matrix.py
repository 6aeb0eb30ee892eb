"""The vocabulary of the access matrix (tests/test_access_matrix.py) and the world it runs in.

Every app declares what each of its routes allows in `tests/support/access_matrix/<app>.py`:

    from tests.support.matrix import CASE_WORKING, EVERYONE, Rule, api, page, public

    MATRIX = {
        "cases:list": page(CASE_WORKING),
        "cases:detail": page(CASE_WORKING, kwargs={"case_uuid": "case"}),
        "cases:note_add": page(CASE_WORKING, methods=("post",), kwargs={"case_uuid": "case"}),
        "case-list": api(EVERYONE),
    }
    OBJECTS = {"referral": provide_referral}   # optional: object kinds your routes' URLs need

A rule names the roles that may use the route (`allow`); every other signed-in role must get
`denied` (403 by default), an anonymous visitor `anonymous` (the sign-in page by default, 401 for
the API). Routes with objects in their URL are requested twice per allowed role: with an object
of the role's own (its institution's case …), which must be allowed, and with a foreign one,
which must answer 404 so that existence does not leak.

An object kind is provided by `fn(world, role, own) -> str | None` (the URL value, e.g. a UUID);
None means the role has no such object (that check is skipped). Providers build what they need
through the world (`world.user(role)`, `world.case_of(role)`, `world.foreign_case`,
`world.new_case(owner)`), and are cached per test.
"""
from dataclasses import dataclass, field

from nicat.accounts.models import CASE_ROLES, Role
from tests.support.world import INSTITUTION_OF_ROLE, MatrixWorld

__all__ = ["ADMIN_LOGIN", "ALLOW", "ANONYMOUS", "CASE_WORKING", "EVERYONE", "INSTITUTION_OF_ROLE", "LOGIN", "NOBODY",
           "OBJECTS", "ROLES", "Rule", "World", "admin_only", "api", "page", "public"]

ANONYMOUS = "anonymous"
ROLES = tuple(r.value for r in Role)
EVERYONE = frozenset(ROLES)
CASE_WORKING = frozenset(r.value for r in CASE_ROLES)
NOBODY: frozenset[str] = frozenset()

LOGIN = "login"  # 302 to the sign-in page
ADMIN_LOGIN = "admin_login"  # 302 to the admin's sign-in page
ALLOW = "allow"


@dataclass(frozen=True)
class Rule:
    allow: frozenset = NOBODY
    anonymous: object = LOGIN
    denied: object = 403  # status (or a tuple of statuses, or ADMIN_LOGIN) for signed-in roles outside allow
    methods: tuple = ("get",)
    kwargs: dict = field(default_factory=dict)  # URL kwarg -> object kind (or a literal value, see below)
    literals: dict = field(default_factory=dict)  # URL kwarg -> fixed value
    query: dict = field(default_factory=dict)  # query string / form data sent along
    api: bool = False  # requested as an API client with a token
    expect: tuple = ()  # statuses an allowed request gives (default: any answer that is not a refusal)
    ends_session: bool = False  # the request signs the user out: sign in again afterwards
    skip: str = ""  # declared, but not requested (say why)


def page(allow, **kw):
    return Rule(allow=frozenset(allow), **kw)


def api(allow, **kw):
    kw.setdefault("anonymous", 401)
    return Rule(allow=frozenset(allow), api=True, **kw)


def public(**kw):
    kw.setdefault("anonymous", ALLOW)
    return Rule(allow=EVERYONE, **kw)


def admin_only(**kw):
    kw.setdefault("anonymous", ADMIN_LOGIN)
    kw.setdefault("denied", ADMIN_LOGIN)
    return Rule(allow=frozenset({Role.ADMINISTRATOR.value}), **kw)


# --- The world the matrix runs in ---------------------------------------------------------------

# --- The world the matrix runs in: MatrixWorld of the one world builder (tests/support/world.py) ---

World = MatrixWorld


# --- Object providers of the foundation's objects --------------------------------------------------

def case_provider(world, role, own):
    case = world.case_of(role) if own else world.foreign_case
    return case.uuid if case else None


def person_provider(world, role, own):
    case = world.case_of(role) if own else world.foreign_case
    return case.person.uuid if case else None


def institution_provider(world, role, own):
    return world.institutions["ngo"].uuid if own else None  # the directory has nothing foreign


def staff_pk_provider(world, role, own):
    """The primary key of a staff member (the Django admin's user pages use pks)."""
    return world.user("administrator").pk if own else None


OBJECTS = {"case": case_provider, "person": person_provider, "institution": institution_provider,
           "staff_pk": staff_pk_provider}
