"""The form to record a criminal case lists the case's suspected traffickers by name (the choice of suspects):
opening it is a read of the investigation file, recorded like the proceedings page (eighth review, law 3).
Before, `GET /proceedings/case/<uuid>/criminal-cases/add/` showed the names with no audit event, so the case's
"who accessed this record" did not name the reader."""
import pytest
from django.test import Client
from django.urls import reverse

from nicat.accounts.models import Role
from nicat.audit.models import AuditEvent
from nicat.audit.selectors import case_accessors
from tests.support.world import make_user

pytestmark = pytest.mark.django_db


def test_the_form_that_lists_the_suspects_by_name_is_a_recorded_read(police_case):
    cast = police_case
    colleague = make_user("md.colleague", cast.main_department, Role.IDENTIFICATION_OFFICER)
    client = Client()
    client.force_login(colleague)
    page = client.get(reverse("proceedings:criminal_case_add", args=[cast.case.uuid]))
    assert page.status_code == 200
    assert cast.perpetrator.given_name in page.content.decode()  # the suspects are read on this form
    assert AuditEvent.objects.filter(actor=colleague).exclude(action__startswith="auth.").exists(), \
        "the suspects' names were shown with no event"
    assert "md.colleague" in {row["actor_username"] for row in case_accessors(case=cast.case)}


def test_the_form_shown_again_after_a_refusal_lists_the_suspects_again_and_records_the_read(police_case):
    """A criminal case refused on its form (no article chosen) draws the suspects' names again: a read like the
    first, recorded as one."""
    cast = police_case
    colleague = make_user("md.colleague", cast.main_department, Role.IDENTIFICATION_OFFICER)
    client = Client()
    client.force_login(colleague)
    response = client.post(reverse("proceedings:criminal_case_add", args=[cast.case.uuid]),
                           {"number": "MX-9", "stage": "inquiry", "victim_status": "victim"})  # no article
    assert response.status_code == 400
    assert cast.perpetrator.given_name in response.content.decode()
    events = AuditEvent.objects.filter(actor=colleague, action="perpetrator.list")
    assert [e.details["cases"] for e in events] == [[str(cast.case.uuid)]], \
        "the suspects' names were shown again with no event"
