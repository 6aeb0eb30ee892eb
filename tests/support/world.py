"""The one builder of test worlds: institutions, staff in every role, and a way to open cases.

Every world a test runs in is built here, from the same three bricks (`make_institution`,
`make_user`, `term`):

- `Cast` — two NGOs, the Main Department and staff in the roles most tests need (the `cast` fixture);
- `build_world(cast)` — adds the parties a referral travels between (shelter, assistance centre,
  embassy, consulate abroad, the competent authority's supervisors); the `world` fixture of the
  referral, consent and directory tests;
- `ShelterWorld(cast)` — a registered shelter with its manager, for the assistance, safety and work tests;
- `MatrixWorld()` — one user per role, each institution owning a case, and a foreign institution:
  the world of the access matrix (tests/test_access_matrix.py, tests/support/matrix.py).

Signing in (`login`, `verified_login`, `totp_code`) sits at the end.
"""
import datetime

from django.utils import timezone

from nicat.accounts.models import CASE_ROLES, Membership, Role, User
from nicat.directory.models import Institution, InstitutionService, ServiceKind
from nicat.vocab.models import Term

PASSWORD = "correct horse battery staple"


def term(vocabulary, code):
    return Term.objects.get(vocabulary=vocabulary, code=code)


def first_term(vocabulary):
    return Term.objects.of(vocabulary).first()


def make_institution(code, kind="ngo", **extra):
    kind_term = Term.objects.filter(vocabulary="institution_kind", code=kind).first() or first_term("institution_kind")
    return Institution.objects.create(code=code, name_az=extra.pop("name_az", code.title()), kind=kind_term, **extra)


def make_user(username, institution=None, role=Role.CASE_WORKER, **extra):
    user = User.objects.create_user(username=username, password=PASSWORD, **extra)
    if institution is not None:
        Membership.objects.create(user=user, institution=institution, role=role)
    return user


class Cast:
    """Two NGOs, the Main Department and staff in each role that tests need."""

    def __init__(self):
        self.ngo = make_institution("ngo-one", "ngo", name_az="Birinci QHT", is_nonprofit=True)
        self.ngo2 = make_institution("ngo-two", "ngo", name_az="İkinci QHT", is_nonprofit=True)
        self.main_department = make_institution("main-department", "law_enforcement", name_az="Baş İdarə",
                                                is_competent_authority=True)
        self.worker = make_user("worker", self.ngo)
        self.worker2 = make_user("worker2", self.ngo2)
        self.officer = make_user("officer", self.main_department, Role.IDENTIFICATION_OFFICER)
        self.analyst = make_user("analyst", self.main_department, Role.ANALYST)
        self.admin = User.objects.create_superuser("admin", password=PASSWORD)

    def open_case(self, actor=None, person=None, **case):
        from nicat.cases.services import open_case

        person_data = {"given_name": "Aysel", "family_name": "Məmmədova", **(person or {})}
        if "birth_date" not in person_data and "estimated_age" not in person_data:
            # An adult unless the test says otherwise: an unknown age is presumed a child (nicat.persons.age).
            person_data["birth_date"] = datetime.date(1990, 4, 12)
        case.setdefault("first_contact_at", timezone.now() - datetime.timedelta(hours=1))
        return open_case(actor=actor or self.worker, person_data=person_data, case_data=case)


# --- The referral world: the institutions a referral travels between --------------------------

def build_world(cast):
    """Adds to the cast: a state shelter, an assistance centre, the Uzbek embassy in Baku, an Azerbaijani
    consulate abroad, and staff in each. Returns the cast."""
    c = cast
    c.shelter = make_institution("state-shelter", "shelter", name_az="Dövlət sığınacağı", name_en="State shelter",
                                 is_special_institution=True, address="Gizli küçə 7, Bakı", listed_publicly=True,
                                 phone="+994 12 000 00 00", region=term("region", "baku"))
    InstitutionService.objects.create(institution=c.shelter, kind=ServiceKind.SHELTER)
    InstitutionService.objects.create(institution=c.shelter, kind=ServiceKind.PSYCHOLOGICAL)
    c.shelter_staff = make_user("shelter.manager", c.shelter, Role.SHELTER_STAFF)
    c.centre = make_institution("assistance-centre", "assistance_centre", name_az="Yardım mərkəzi",
                                name_en="Assistance centre", is_special_institution=True, address="Mərkəz küçəsi 3")
    for kind in (ServiceKind.PSYCHOLOGICAL, ServiceKind.LEGAL, ServiceKind.RETURN, ServiceKind.VOCATIONAL):
        InstitutionService.objects.create(institution=c.centre, kind=kind)
    c.centre_worker = make_user("centre.worker", c.centre)
    c.embassy_uz = make_institution("embassy-uz", "embassy_consulate", name_az="Özbəkistan səfirliyi",
                                    name_en="Embassy of Uzbekistan", country=term("country", "UZ"),
                                    address="Bakı, Səfirlik küçəsi 1", listed_publicly=True)
    c.uz_consul = make_user("uz.consul", c.embassy_uz, Role.CONSULAR_OFFICER)
    c.consulate = make_institution("consulate-dubai", "embassy_consulate", name_az="Dubayda Baş Konsulluq",
                                   name_en="Consulate General in Dubai", country=term("country", "AZ"),
                                   region=term("region", "abroad"))
    c.consul = make_user("consul.officer", c.consulate, Role.CONSULAR_OFFICER)
    c.main_department.address = ""
    c.main_department.save()
    # Supervisors of the competent authority: they approve (or reject) legal bases, two people each time.
    c.ca_supervisor = make_user("ca.supervisor", c.main_department, Role.SUPERVISOR)
    c.ca_supervisor2 = make_user("ca.supervisor2", c.main_department, Role.SUPERVISOR)
    return c


# --- The shelter world: a registered shelter, a referred person, consents, official recognition ----

RECOGNISED_ON = datetime.date(2024, 1, 15)


class ShelterWorld:
    """A shelter with its manager, a help centre and two medical institutions on top of the cast."""

    def __init__(self, cast):
        from nicat.assistance import services

        self.cast = cast
        self.shelter_institution = make_institution("state-shelter", "shelter", name_az="Dövlət sığınacağı",
                                                    is_special_institution=True)
        InstitutionService.objects.create(institution=self.shelter_institution, kind="shelter")
        self.shelter = services.register_facility(actor=cast.admin, institution=self.shelter_institution,
                                                  address="Gizli küçə 1", phone="+994 12 000 00 00",
                                                  capacity={"women": 2, "men": 1, "children": 1})
        self.manager = make_user("shelter.manager", self.shelter_institution, Role.SHELTER_STAFF)
        self.centre_institution = make_institution("help-centre", "assistance_centre", name_az="Yardım mərkəzi",
                                                   is_special_institution=True)
        self.business = make_institution("clinic-llc", "medical", name_az="Özəl klinika MMC")
        self.hospital = make_institution("state-hospital", "medical", name_az="Dövlət xəstəxanası")

    def adult(self, actor=None, gender="feminine", **person):
        person.setdefault("birth_date", datetime.date(1995, 5, 5))
        return self.cast.open_case(actor=actor, person={"gender": term("gender", gender), **person})

    def child(self, actor=None, **person):
        person.setdefault("birth_date", timezone.localdate() - datetime.timedelta(days=365 * 15))
        return self.cast.open_case(actor=actor, person={"gender": term("gender", "feminine"), **person})

    def consent(self, case, purpose, service="", institution=None, actor=None, decision="given", **extra):
        from nicat.consent.services import record_consent

        data = {"purpose": purpose, "decision": decision, "method": "written", "service": service,
                "institution": institution, **extra}
        if case.person.is_child:  # the one age rule: a child, or presumed one (age unknown or estimated near 18)
            data.setdefault("given_by", "legal_representative")
            data.setdefault("representative_name", "Ana Məmmədova")
            data.setdefault("representative_relation", "mother")
            data.setdefault("child_view", "Wants to stay in a safe place.")
        return record_consent(actor=actor or self.cast.worker, case=case, data=data)

    def refer_to_shelter(self, case, actor=None, consented_at=None):
        """The owner refers the person to the shelter (with consent, given now or at `consented_at`) and the
        shelter accepts."""
        from nicat.referrals.services import accept_referral, create_referral

        actor = actor or self.cast.worker
        extra = {"given_at": consented_at} if consented_at is not None else {}
        self.consent(case, "service", service="shelter", institution=self.shelter_institution, actor=actor, **extra)
        referral = create_referral(actor=actor, case=case, data={
            "to_institution": self.shelter_institution, "purpose": "service", "service": "shelter",
            "shared_sections": ["identity", "contacts"], "message": "Needs a safe place."})
        accept_referral(actor=self.manager, referral=referral, expected_version=referral.version)
        return referral

    def recognise(self, case, on=RECOGNISED_ON):
        """The Main Department's official decision (recorded directly: the identification app's own job), by
        default on a day before the payments the tests record (an allowance is not paid before it)."""
        from nicat.cases.models import Case

        Case.objects.system().filter(pk=case.pk).update(trafficking_status="ActualVictimOfTrafficking",
                                                        status_decided_by=self.cast.main_department,
                                                        status_decided_on=on)
        case.refresh_from_db()
        return case

    def fresh(self, case):
        from nicat.cases.models import Case

        return Case.objects.system().select_related("person").get(pk=case.pk)


# --- The access-matrix world: one user per role, and a foreign institution ------------------

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


class MatrixWorld:
    """One user per role (as the demo world has), each institution owning a case, and a foreign
    institution whose case nobody in the cast may see."""

    def __init__(self):
        self.institutions = {
            "ngo": make_institution("mx-ngo", "ngo", is_nonprofit=True),
            "main": make_institution("mx-main", "law_enforcement", is_competent_authority=True),
            "shelter": make_institution("mx-shelter", "shelter", is_special_institution=True),
            "medical": make_institution("mx-medical", "medical", is_nonprofit=True),
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
            self._cases[inst] = self.enrich(self.new_case(inst))
        return self._cases[inst]

    # What identifies the person beyond her name, each field a text of its own ("Matrix <what>"), so that a route
    # showing any of them is seen to (tests/test_every_read_audited.py): her contacts, the case's summary, a note, a
    # trafficking event, a contact with her family. The phone and the e-mail cannot say "Matrix": they are these.
    PHONE = "+994 55 700 11 22"
    EMAIL = "matrix.person@example.org"

    def enrich(self, case):
        from nicat.access.policy import can_see_section
        from nicat.cases.models import CaseNote, TraffickingEvent
        from nicat.safety.models import FamilyContact
        from nicat.safety.selectors import security_measures

        person = case.person
        person.patronymic = "Matrix Patronymic"
        person.phone, person.email, person.address = self.PHONE, self.EMAIL, "Matrix Street 7, Baku"
        person.save()
        case.summary = "Matrix summary: recruited with a job offer abroad."
        case.save()
        CaseNote.objects.create(case=case, text="Matrix note text: she fears the recruiter.", author=case.created_by,
                                author_institution=case.owner_institution)
        TraffickingEvent.objects.create(case=case, kind="Recruitment", place="Matrix Place, Ganja",
                                        description="Matrix event description: a job offer in a café.",
                                        date_from=datetime.date(2025, 3, 1), created_by=case.created_by)
        FamilyContact.objects.create(case=case, contacted_on=timezone.localdate(), created_by=case.created_by,
                                     note="Matrix family contact: her mother called.",
                                     institution=case.owner_institution)
        # Someone opened the security measures, with a reason that describes her (sealed in the trail, shown to
        # the supervisors who read it: the audit pages) — where the case's author may see them (the competent
        # authority's roles).
        if can_see_section(case.created_by, case, "security"):
            security_measures(user=case.created_by, case=case,
                              reason="Matrix reason: she called from a new number, check her escort.")
        return case

    def provide(self, providers, kind, role, own):
        key = (kind, str(role), own)
        if key not in self.cache:
            if kind not in providers:
                raise LookupError(f"No provider for the object kind {kind!r}: add it to OBJECTS of an "
                                  f"table of tests/support/access_matrix/ (see tests/support/matrix.py).")
            value = providers[kind](self, str(role), own)
            self.cache[key] = None if value is None else str(value)
        return self.cache[key]


# --- Signing in with the second factor (two-factor sign-in is on in production) ----------------

def totp_device(user):
    """The user's confirmed authenticator, enrolled now if they have none (tests only)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def totp_code(device, at=None):
    """The code the authenticator app shows now (or at time `at`)."""
    import time

    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if at is None else at
    return f"{totp.token():0{device.digits}d}"


def login(client, user, password=PASSWORD):
    """Sign in as a person does: the password on the sign-in page, then a code from the authenticator
    app (enrolled for the user if needed). Works with NICAT_REQUIRE_2FA and the lock-out on."""
    from django.urls import reverse
    from django_otp.plugins.otp_totp.models import TOTPDevice

    response = client.post(reverse("web:login"), {"username": user.get_username(), "password": password})
    assert response.status_code == 302, f"sign-in of {user} failed ({response.status_code})"
    device = totp_device(user)
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)  # a code may be used once; tests sign in often
    device.refresh_from_db()
    response = client.post(reverse("accounts:2fa_verify"), {"code": totp_code(device)})
    assert response.status_code == 302, f"second factor of {user} failed ({response.status_code})"
    return client


def verified_login(client, user):
    """client.force_login plus a verified second factor in the session (fast; no pages involved)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
    session.save()
    return client
