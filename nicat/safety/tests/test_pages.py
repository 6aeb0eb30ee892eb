"""The safety pages: the level on the case header for everyone on the case, the reasons only for the roles
that assess, the child-specific risks offered only for a child, the refusal with its link to the plan."""
import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from nicat.accounts.models import Role
from nicat.consent.services import record_consent
from nicat.safety.tests.helpers import assess
from tests.support.referrals import build_world, consent, referral_data
from tests.support.world import make_institution, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast):
    return build_world(cast)


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_level_is_on_the_case_header_and_the_reasons_only_for_assessing_roles(world):
    from nicat.referrals import services as referrals

    case = world.open_case()
    assess(world.worker, case, level="high")
    header = _client(world.worker).get(reverse("cases:detail", args=[case.uuid])).content.decode()
    assert 'data-testid="safety-level"' in header and "text-bg-danger" in header
    assert "no confirmed safety plan" in header
    # A doctor the case was referred to sees the level, not the reasons.
    clinic = make_institution("clinic", "medical", is_nonprofit=True)
    doctor = make_user("doctor", clinic, Role.MEDICAL_STAFF)
    consent(world.worker, case, "referral", clinic)
    referral = referrals.create_referral(actor=world.worker, case=case, data=referral_data(clinic))
    referrals.accept_referral(actor=doctor, referral=referral, expected_version=referral.version)
    page = _client(doctor).get(reverse("safety:case", args=[case.uuid])).content.decode()
    assert "High" in page and "calls the family every week" not in page
    own = _client(world.worker).get(reverse("safety:case", args=[case.uuid])).content.decode()
    assert "calls the family every week" in own


def test_child_specific_risks_are_offered_only_for_a_child(world):
    adult = world.open_case()
    child = world.open_case(person={"birth_date": timezone.localdate() - datetime.timedelta(days=365 * 12)})
    client = _client(world.worker)
    factor = re.compile(r'name="factors" value="child"')
    assert not factor.search(client.get(reverse("safety:case", args=[adult.uuid])).content.decode())
    assert factor.search(client.get(reverse("safety:case", args=[child.uuid])).content.decode())


def test_refused_family_contact_links_to_the_safety_plan(world):
    case = world.open_case()
    record_consent(actor=world.worker, case=case, data={
        "purpose": "family_contact", "decision": "given", "method": "written",
        "given_at": timezone.now() - datetime.timedelta(minutes=5)})
    assess(world.worker, case, level="high")
    response = _client(world.worker).post(reverse("safety:family_contact", args=[case.uuid]),
                                          {"contacted_on": timezone.localdate().isoformat()})
    page = response.content.decode()
    assert response.status_code == 403 and 'data-testid="safety-blocked"' in page
    assert f'href="/safety/case/{case.uuid}/#safety-plan"' in page
