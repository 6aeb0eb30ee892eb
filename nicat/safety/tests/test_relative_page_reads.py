"""Law 3 on a relative's edit form: unbound, it shows the relative as stored (name, contact, risks), a read of the
case recorded as `relative.view` — on the GET, and on a POST that sent nothing (`request.POST or None` leaves the
form unbound and the page shows the same). Found by tests/test_every_refused_post_audited.py."""
import pytest
from django.urls import reverse

from nicat.audit.models import AuditEvent
from nicat.safety.models import Relative
from tests.support.referrals import build_world

pytestmark = pytest.mark.django_db


def test_an_empty_post_shows_the_relative_again_and_records_the_read(cast, client):
    from nicat.safety import services as safety

    world = build_world(cast)
    case = world.open_case()
    relative = safety.add_relative(actor=world.worker, case=case, data={
        "relation": "sibling", "given_name": "Elvin", "family_name": "Məmmədov", "risk": "high",
        "risk_notes": "Threatened by the recruiter."})
    client.force_login(world.worker)
    events = AuditEvent.objects.filter(action="relative.view", case_uuid=str(case.uuid))
    before = events.count()
    response = client.post(reverse("safety:relative_edit", args=[relative.uuid]), {})
    assert response.status_code in (200, 400) and "Elvin" in response.content.decode()
    assert events.count() == before + 1 and events.last().object_id == str(relative.uuid)
    assert "Elvin" not in str(events.last().details)
    assert Relative.objects.system().get(pk=relative.pk).version == relative.version  # nothing changed
