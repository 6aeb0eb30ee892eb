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
import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from nicat.accounts.models import CASE_ROLES, Role

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

INSTITUTION_OF_ROLE = {
    Role.CASE_WORKER: "ngo",
    Role.SUPERVISOR: "main",
    Role.IDENTIFICATION_OFFICER: "main",
    Role.SHELTER_STAFF: "shelter",
    Role.MEDICAL_STAFF: "medical",
    Role.CONSULAR_OFFICER: "embassy",
    Role.HOTLINE_OPERATOR: "hotline",
    Role.ANALYST: "main",
    Role.ADMINISTRATOR: "main",
}


class World:
    """One user per role (as the demo world has), each institution owning a case, and a foreign
    institution whose case nobody in the cast may see."""

    def __init__(self):
        from tests.support.world import make_institution, make_user

        self.institutions = {
            "ngo": make_institution("mx-ngo", "ngo", is_nonprofit=True),
            "main": make_institution("mx-main", "law_enforcement", is_competent_authority=True),
            "shelter": make_institution("mx-shelter", "shelter", is_special_institution=True),
            "medical": make_institution("mx-medical", "medical"),
            "embassy": make_institution("mx-embassy", "embassy_consulate"),
            "hotline": make_institution("mx-hotline", "hotline"),
            "foreign": make_institution("mx-foreign", "ngo", is_nonprofit=True),
        }
        self.users = {}
        for role, inst in INSTITUTION_OF_ROLE.items():
            extra = {"is_staff": True, "is_superuser": True} if role == Role.ADMINISTRATOR else {}
            self.users[role.value] = make_user(f"mx.{role.value}", self.institutions[inst], role, **extra)
        self.foreign_user = make_user("mx.foreign", self.institutions["foreign"], Role.CASE_WORKER)
        self.foreign_supervisor = make_user("mx.foreign.sup", self.institutions["foreign"], Role.SUPERVISOR)
        self._cases = {}
        self.foreign_case = self.new_case("foreign")
        self.cache = {}

    def user(self, role):
        return self.users[str(role)]

    def new_case(self, owner, **fields):
        from nicat.cases.services import open_case

        actor = self.foreign_user if owner == "foreign" else next(
            u for r, u in self.users.items() if INSTITUTION_OF_ROLE[Role(r)] == owner and Role(r) in CASE_ROLES)
        fields.setdefault("first_contact_at", timezone.now() - datetime.timedelta(hours=2))
        return open_case(actor=actor, person_data={"given_name": "Matrix", "family_name": owner.title(),
                                                   "birth_date": datetime.date(1990, 4, 12)},  # an adult
                         case_data=fields)

    def case_of(self, role):
        """A case owned by the role's institution (None for roles that never work on cases)."""
        role = Role(role)
        if role not in CASE_ROLES:
            return None
        inst = INSTITUTION_OF_ROLE[role]
        if inst not in self._cases:
            self._cases[inst] = self.new_case(inst)
        return self._cases[inst]

    def provide(self, providers, kind, role, own):
        key = (kind, str(role), own)
        if key not in self.cache:
            if kind not in providers:
                raise LookupError(f"No provider for the object kind {kind!r}: add it to OBJECTS of an "
                                  f"access_matrix.py (see tests/support/matrix.py).")
            value = providers[kind](self, str(role), own)
            self.cache[key] = None if value is None else str(value)
        return self.cache[key]


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
