"""PATCH /api/v1/security-measures/<uuid>/?reason=… takes the version the client read (law 7, law 8): without it a
400 naming `version` (it was a KeyError, a 500), with a stale one a 409, and the measure is unchanged either way."""
import datetime

import pytest
from django.utils import timezone

from nicat.accounts.models import Role
from nicat.safety.models import SecurityMeasure
from tests.support.referrals import build_world
from tests.support.world import make_user

pytestmark = pytest.mark.django_db

REASON = "Preparing the court escort"


@pytest.fixture
def measure(cast, api):
    world = build_world(cast)
    world.ngo_supervisor = make_user("ngo.supervisor", cast.ngo, Role.SUPERVISOR)
    case = world.open_case()
    created = api(world.ngo_supervisor).post("/api/v1/security-measures/", {
        "case": str(case.uuid), "kind": "relocation", "responsible_body": "Police", "person_view": "agrees",
        "starts_on": timezone.localdate().isoformat(),
        "review_on": (timezone.localdate() + datetime.timedelta(days=10)).isoformat()}, format="json")
    assert created.status_code == 201, created.json()
    found = SecurityMeasure.objects.system().get(uuid=created.json()["uuid"])
    found.world = world
    return found


def _url(measure):
    return f"/api/v1/security-measures/{measure.uuid}/?reason={REASON.replace(' ', '+')}"


def test_a_patch_without_the_version_is_a_400_naming_it(measure, api):
    answer = api(measure.world.ngo_supervisor).patch(_url(measure), {"responsible_body": "Court police"},
                                                    format="json")
    assert answer.status_code == 400 and "version" in answer.json()
    assert SecurityMeasure.objects.system().get(pk=measure.pk).responsible_body == "Police"


def test_a_patch_with_a_stale_version_is_a_409(measure, api):
    client = api(measure.world.ngo_supervisor)
    saved = client.patch(_url(measure), {"responsible_body": "Court police", "version": measure.version},
                         format="json")
    assert saved.status_code == 200, saved.json()
    stale = client.patch(_url(measure), {"responsible_body": "Police", "version": measure.version}, format="json")
    assert stale.status_code == 409
    assert SecurityMeasure.objects.system().get(pk=measure.pk).responsible_body == "Court police"
