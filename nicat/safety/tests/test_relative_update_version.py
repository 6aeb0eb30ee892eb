"""PATCH /api/v1/relatives-at-risk/<uuid>/ takes the version the client read (law 7): without it a 400 naming
`version` (it was a KeyError, a 500), with a stale one a 409, and the relative is unchanged either way."""
import pytest

from nicat.safety.models import Relative
from tests.support.referrals import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def relative(cast):
    from nicat.safety import services as safety

    world = build_world(cast)
    case = world.open_case()
    found = safety.add_relative(actor=world.worker, case=case, data={
        "relation": "sibling", "given_name": "Elvin", "family_name": "Məmmədov", "risk": "high",
        "risk_notes": "Threatened by the recruiter."})
    found.world = world
    return found


def test_a_patch_without_the_version_is_a_400_naming_it(relative, api):
    url = f"/api/v1/relatives-at-risk/{relative.uuid}/"
    answer = api(relative.world.worker).patch(url, {"risk_notes": "Moved away."}, format="json")
    assert answer.status_code == 400 and "version" in answer.json()
    assert Relative.objects.system().get(pk=relative.pk).risk_notes == "Threatened by the recruiter."


def test_a_patch_with_a_stale_version_is_a_409(relative, api):
    url = f"/api/v1/relatives-at-risk/{relative.uuid}/"
    client = api(relative.world.worker)
    saved = client.patch(url, {"risk_notes": "Moved away.", "version": relative.version}, format="json")
    assert saved.status_code == 200
    stale = client.patch(url, {"risk_notes": "Back home.", "version": relative.version}, format="json")
    assert stale.status_code == 409
    assert Relative.objects.system().get(pk=relative.pk).risk_notes == "Moved away."
