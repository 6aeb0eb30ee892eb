"""The temporary residence permit is Azerbaijan's: the embassy of the person's own state — told of her case with
her consent, the "return" section shared so that it can help with documents — records nothing about it. Before,
the Uzbek embassy marked the permit as discussed on the NGO's case (the owner's statutory item to offer it
vanished from its dashboard) and opened or closed the permit record."""
import pytest

from nicat.assistance.models import ResidencePermit
from nicat.consent.models import Purpose
from nicat.identification.models import Identification
from tests.support.identification import recognised_case
from tests.support.referrals import build_world, consent
from tests.support.world import term, verified_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast):
    return build_world(cast)


def _notified_embassy(world, api):
    case, _decision = recognised_case(world, api, citizenships=[term("country", "UZ")])
    consent(world.worker, case, Purpose.CONSULAR_NOTIFICATION, world.embassy_uz)
    r = api(world.worker).post("/api/v1/referrals/", {
        "case": str(case.uuid), "to_institution": str(world.embassy_uz.uuid),
        "purpose": Purpose.CONSULAR_NOTIFICATION, "shared_sections": ["identity", "contacts", "return"]},
        format="json")
    assert r.status_code == 201, r.json()
    accepted = api(world.uz_consul).post(f"/api/v1/referrals/{r.json()['uuid']}/accept/",
                                         {"version": r.json()["version"]}, format="json")
    assert accepted.status_code == 200, accepted.json()
    return case


def test_another_states_embassy_does_not_mark_the_residence_permit_as_discussed(world, api, client):
    case = _notified_embassy(world, api)
    identification = Identification.objects.system().get(case=case)
    verified_login(client, world.uz_consul)
    permit_url = f"/identification/cases/{case.uuid}/residence-permit/"
    case_page = client.get(f"/cases/{case.uuid}/")
    assert case_page.status_code == 200 and permit_url not in case_page.content.decode()  # not offered
    page = client.post(f"/identification/cases/{case.uuid}/residence-permit/", {"version": identification.version})
    assert page.status_code == 403
    identification.refresh_from_db()
    assert identification.residence_permit_discussed_on is None
    deadlines = api(world.worker).get(f"/api/v1/identification/cases/{case.uuid}/").json()["deadlines"]
    assert [d["state"] for d in deadlines if d["kind"] == "residence_permit"] == ["due"]
    # The owner is offered it and records it.
    verified_login(client, world.worker)
    assert permit_url in client.get(f"/cases/{case.uuid}/").content.decode()
    client.post(f"/identification/cases/{case.uuid}/residence-permit/", {"version": identification.version})
    identification.refresh_from_db()
    assert identification.residence_permit_discussed_on is not None


def test_another_states_embassy_does_not_open_or_change_the_residence_permit(world, api):
    case = _notified_embassy(world, api)
    consul = api(world.uz_consul)
    opened = consul.post("/api/v1/residence-permits/", {"case": str(case.uuid), "note": "Not needed."},
                         format="json")
    assert opened.status_code == 403, opened.content
    assert not ResidencePermit.objects.system().filter(case=case).exists()
    permit = api(world.worker).post("/api/v1/residence-permits/", {"case": str(case.uuid)}, format="json")
    assert permit.status_code == 201, permit.json()
    changed = consul.patch(f"/api/v1/residence-permits/{permit.json()['uuid']}/",
                           {"status": "withdrawn", "version": permit.json()["version"]}, format="json")
    assert changed.status_code == 403, changed.content
    assert ResidencePermit.objects.system().get(case=case).status == "not_requested"
