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
        case.setdefault("first_contact_at", timezone.now() - datetime.timedelta(hours=1))
        return open_case(actor=actor or self.worker, person_data=person_data, case_data=case)
