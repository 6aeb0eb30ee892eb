"""A small cast for tests: institutions, staff in every role, and a way to open cases."""
import datetime

from django.utils import timezone

from nicat.accounts.models import Membership, Role, User
from nicat.directory.models import Institution
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
