"""One click is one record: a contact with the family sent twice (a double click, a browser sending a slow form
again) is recorded once and the second answer says so; an API call retried with the same `Idempotency-Key`
creates nothing more and answers with the same contact (nicat.core.submissions)."""
import pytest
from django.urls import reverse
from django.utils import timezone

from nicat.safety.models import FamilyContact
from nicat.safety.tests.helpers import assess
from tests.support.submissions import ALREADY_SAVED, post_twice
from tests.support.world import ShelterWorld as World
from tests.support.world import verified_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast):
    w = World(cast)
    w.case = w.adult()
    w.consent(w.case, "family_contact")
    assess(cast.worker, w.case, level="low")
    return w


def test_a_family_contact_sent_twice_is_recorded_once(world, client):
    client.cookies["nicat_language"] = "en"
    verified_login(client, world.cast.worker)
    case = world.case
    page = reverse("safety:case", args=[case.uuid])
    first, second = post_twice(client, page, reverse("safety:family_contact", args=[case.uuid]), {
        "contacted_on": timezone.localdate().isoformat(), "note": "Told the mother she is safe."})
    assert first.status_code == 302 and first.url == page + "#family-contact"
    assert second.redirect_chain[0] == (page + "#family-contact", 302) and ALREADY_SAVED in second.content.decode()
    assert FamilyContact.objects.of(case).count() == 1


def test_the_api_with_one_key_records_one_family_contact(world, api):
    client = api(world.cast.worker)
    body = {"case": str(world.case.uuid), "contacted_on": timezone.localdate().isoformat(), "note": "Called."}
    first = client.post("/api/v1/family-contacts/", body, format="json", HTTP_IDEMPOTENCY_KEY="fc-1")
    second = client.post("/api/v1/family-contacts/", body, format="json", HTTP_IDEMPOTENCY_KEY="fc-1")
    assert first.status_code == second.status_code == 201, first.content
    assert second.json() == first.json()
    assert FamilyContact.objects.of(world.case).count() == 1
