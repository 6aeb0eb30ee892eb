"""A list of a case's records (screenings, decisions, consents) read through the API is in that case's
access trail (review A, law 3): the `*.list` event names the cases it showed (`nicat.core.reads.Reads.named`),
so "who accessed this record" names the reader. Before the fix the event held a count only and the case's
trail missed whoever read the list."""
import pytest

from nicat.audit.models import AuditEvent
from tests.support.identification import recognised_case
from tests.support.referrals import build_world
from tests.support.world import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast):
    return build_world(cast)


@pytest.mark.parametrize("path", ["/api/v1/screenings/", "/api/v1/identification/decisions/", "/api/v1/consents/"])
def test_a_list_of_identifying_records_is_in_the_cases_access_trail(world, api, path):
    from nicat.audit.selectors import case_accessors

    case, _decision = recognised_case(world, api)
    colleague = make_user("colleague", world.ngo)  # reads the list, nothing else
    listed = api(colleague).get(path)
    assert listed.status_code == 200 and listed.json()["count"] >= 1
    event = AuditEvent.objects.filter(actor=colleague, action__endswith=".list").get()
    assert str(case.uuid) in event.details["cases"]
    who = {row["actor_username"] for row in case_accessors(case=case)}
    assert "colleague" in who, f"{path}: the read is audited as a count only; the case's trail misses the reader"
