"""Only the institution that owns a case lowers its level of risk (found by the third adversarial review: a
shelter that had accepted a referral recorded "low" after the owner's "high", and the family contact and the
return that the high level blocked went ahead). Any institution on the case may raise it or confirm it."""
import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from nicat.accounts.models import Role
from nicat.audit.models import AuditEvent
from nicat.safety import selectors, services
from nicat.safety.models import Assessment
from nicat.safety.tests.helpers import assess
from tests.support.world import ShelterWorld as World
from tests.support.world import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast):
    return World(cast)


def _contact(actor, case):
    return services.record_family_contact(actor=actor, case=case, contacted_on=timezone.localdate(),
                                          note="Told the mother she is safe.")


def test_a_receiving_institution_cannot_lower_the_owners_level(world, api):
    cast = world.cast
    case = world.adult()
    world.refer_to_shelter(case)
    world.consent(case, "family_contact")
    assess(cast.worker, case, level="high")
    for level in ("low", "medium"):
        with pytest.raises(PermissionDenied) as excinfo:
            assess(world.manager, case, level=level)
        assert cast.ngo.name in str(excinfo.value) and "lower" in str(excinfo.value)
    response = api(world.manager).post("/api/v1/safety-assessments/", {
        "case": str(case.uuid), "occasion": "family_contact", "level": "low", "factors": [],
        "reasons": "She feels safe at the shelter now.", "review_on": "2030-01-01"}, format="json")
    assert response.status_code == 403, response.content
    assert cast.ngo.name in response.json()["detail"]
    assert selectors.current_level(case) == "high"
    assert Assessment.objects.system().filter(case=case).count() == 1
    assert not AuditEvent.objects.filter(action="safety.assess", actor=world.manager).exists()
    with pytest.raises(services.SafetyPlanRequired):
        _contact(cast.worker, case)


def test_a_receiving_institution_raises_or_confirms_the_level_and_the_owner_lowers_it(world):
    cast = world.cast
    case = world.adult()
    world.refer_to_shelter(case)
    assess(cast.worker, case, level="medium")
    assess(world.manager, case, level="medium")  # the same level: confirmed after the admission
    raised = assess(world.manager, case, level="high")  # what the shelter saw raises it: the owner's plan first
    assert raised.institution_id == world.shelter_institution.pk
    assert selectors.current_level(case) == "high"
    with pytest.raises(PermissionDenied):  # not even the shelter that raised it lowers it again
        assess(world.manager, case, level="low")
    assess(cast.worker, case, level="low")
    assert selectors.current_level(case) == "low"


def test_the_level_is_recorded_for_the_owner_when_the_assessor_also_works_elsewhere(world):
    cast = world.cast
    case = world.adult()
    both = make_user("two.hats", world.shelter_institution, Role.SHELTER_STAFF)
    both.memberships.create(institution=cast.ngo, role=Role.CASE_WORKER)
    assess(cast.worker, case, level="high")
    lowered = assess(both, case, level="low")  # a case worker of the owner lowers it, for the owner
    assert lowered.institution_id == cast.ngo.pk
