"""A supervisor's exact figures count the cases they may see — and, by a dimension that belongs to a section of
the case (gender and citizenship: the identity), only the cases of which they may see that section. A clinic
whose supervisor accepted a referral sharing only the medical section is not shown the person's gender or
citizenship on the case, the person's page or the API; a table "by gender" of the one case it sees must not
tell it either (the proceedings' figures already count only the cases whose investigation file the supervisor
sees). Failed before: the clinic's table by gender and by citizenship named the woman's gender and citizenship."""
import datetime

import pytest
from django.utils import timezone

from nicat.accounts.models import Role
from tests.support.referrals import accepted_referral, build_world
from tests.support.world import make_institution, make_user, term

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast):
    world = build_world(cast)
    clinic = make_institution("clinic", "medical", name_az="Klinika", is_nonprofit=True)
    world.clinic_supervisor = make_user("clinic.supervisor", clinic, Role.SUPERVISOR)
    case = cast.open_case(first_contact_at=timezone.make_aware(datetime.datetime(2025, 3, 4, 12)),
                          person={"gender": term("gender", "feminine")})
    case.person.citizenships.add(term("country", "UZ"))
    accepted_referral(world.worker, case, clinic, world.clinic_supervisor)
    world.case = case
    return world


def test_a_supervisor_without_the_identity_section_is_not_told_the_gender_or_citizenship_by_a_table(world, api):
    client = api(world.clinic_supervisor)
    person = client.get(f"/api/v1/persons/{world.case.person.uuid}/").json()
    assert "gender" not in person and "citizenships" not in person  # the policy: no identity for the clinic
    assert client.get("/api/v1/statistics/cases/", {"by": "year"}).json()["total"] == 1  # the case is counted

    for by, secret in (("gender", "feminine"), ("citizenship", "UZ"), ("year,gender", "feminine")):
        answer = client.get("/api/v1/statistics/cases/", {"by": by})
        assert answer.status_code == 200
        told = {value for cell in answer.json()["cells"] for value in cell["values"] if cell["count"]}
        assert secret not in told, f"the table by {by} named the {secret} the clinic may not see"

    # The owner's supervisor, who sees her identity, still counts her by gender and citizenship.
    owner = make_user("ngo.supervisor", world.ngo, Role.SUPERVISOR)
    cells = api(owner).get("/api/v1/statistics/cases/", {"by": "gender"}).json()["cells"]
    assert cells == [{"values": ["feminine"], "count": 1}]
    cells = api(owner).get("/api/v1/statistics/cases/", {"by": "citizenship"}).json()["cells"]
    assert cells == [{"values": ["UZ"], "count": 1}]


def test_the_page_of_such_a_supervisor_does_not_name_it_either(world, client):
    client.force_login(world.clinic_supervisor)
    html = client.get("/statistics/", {"by": "gender"}).content.decode()
    feminine = str(term("gender", "feminine").label)
    assert feminine not in html
    assert 'data-testid="statistics-identity-only"' in html  # the page says what it counted
