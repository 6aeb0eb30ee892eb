"""Law 3 on a draft screening's page: the form shows the facts recorded (of the acts, the means, the purpose), so each
drawing of what is stored is a read of the case, `identification.screening.view` naming it — on the GET, and on a POST
that sent nothing, whose form is unbound and shows the same. Found by tests/test_every_refused_post_audited.py."""
import pytest
from django.urls import reverse

from nicat.audit.models import AuditEvent
from nicat.identification import services
from nicat.identification.models import Screening

pytestmark = pytest.mark.django_db


def test_an_empty_post_shows_the_recorded_facts_again_and_records_the_read(client, cast, adult_case):
    screening = services.save_screening(actor=cast.worker, case=adult_case, data_in={
        "acts_facts": "Recruited at the Lankaran bus station."})
    client.force_login(cast.worker)
    url = reverse("identification:screening", args=[adult_case.uuid, screening.uuid])
    events = AuditEvent.objects.filter(action="identification.screening.view", case_uuid=str(adult_case.uuid))
    before = events.count()
    response = client.post(url, {})
    assert response.status_code == 400 and "Lankaran bus station" in response.content.decode()
    assert events.count() == before + 1 and events.last().object_id == str(screening.uuid)
    assert "Lankaran" not in str(events.last().details)
    assert Screening.objects.system().get(pk=screening.pk).version == screening.version  # nothing changed
