"""Need-to-know: only the hotline's own operators and supervisors read or write its contacts, through the
pages and the API; a contact is linked only to a case the operator may see; the link search reveals
nothing of other institutions' records."""
import datetime

import pytest
from django.urls import reverse

from nicat.accounts.models import Role
from nicat.audit.models import AuditEvent
from nicat.hotline import services
from nicat.hotline.models import Contact
from tests.support.world import make_user, verified_login

pytestmark = pytest.mark.django_db


def test_only_the_hotlines_own_staff_see_its_contacts(hotline):
    contact = hotline.contact()
    assert list(Contact.objects.visible_to(hotline.operator)) == [contact]
    assert list(Contact.objects.visible_to(hotline.supervisor)) == [contact]
    worker_there = make_user("hl.worker", hotline.institution, Role.CASE_WORKER)
    for outsider in (hotline.other_operator, hotline.cast.worker, hotline.cast.officer, hotline.duty_supervisor,
                     hotline.cast.analyst, hotline.cast.admin, worker_there):
        assert not Contact.objects.visible_to(outsider).exists(), outsider


def test_pages_refuse_other_roles_and_hide_other_hotlines_contacts(hotline, client):
    contact = hotline.contact()
    for user, status in [(hotline.cast.worker, 403), (hotline.duty_supervisor, 403), (hotline.cast.analyst, 403),
                         (hotline.other_operator, 404)]:
        verified_login(client, user)
        for name in ("hotline:detail", "hotline:edit", "hotline:open_case", "hotline:link"):
            assert client.get(reverse(name, args=[contact.uuid])).status_code == status, (user, name)
        response = client.post(reverse("hotline:edit", args=[contact.uuid]), {"version": 1, "reason": "help"})
        assert response.status_code == status
    assert Contact.objects.system().get(pk=contact.pk).version == 1
    verified_login(client, hotline.supervisor)
    assert client.get(reverse("hotline:detail", args=[contact.uuid])).status_code == 200
    assert AuditEvent.objects.filter(action="hotline.contact_view", object_id=str(contact.uuid),
                                     actor_id=hotline.supervisor.pk).exists()


def test_the_api_serves_the_hotline_only(hotline, api):
    contact = hotline.contact(identity_consent=True, caller_name="Nigar")
    own = api(hotline.operator)
    listed = own.get("/api/v1/calls/")
    assert listed.status_code == 200 and [r["uuid"] for r in listed.json()["results"]] == [str(contact.uuid)]
    assert listed.json()["results"][0]["caller_name"] == "Nigar"
    created = own.post("/api/v1/calls/", {"channel": "chat", "reason": "job_offer_abroad",
                                          "gave_consultation": True, "region": "baku"}, format="json")
    assert created.status_code == 201, created.content
    uuid = created.json()["uuid"]
    assert own.patch(f"/api/v1/calls/{uuid}/", {"duration_minutes": 7}, format="json").status_code == 400  # no version
    updated = own.patch(f"/api/v1/calls/{uuid}/", {"duration_minutes": 7, "version": 1}, format="json")
    assert updated.status_code == 200 and updated.json()["version"] == 2
    assert own.patch(f"/api/v1/calls/{uuid}/", {"duration_minutes": 8, "version": 1}, format="json").status_code == 409
    assert own.post("/api/v1/calls/", {"caller_name": "X"}, format="json").status_code == 400  # no consent
    for outsider in (hotline.cast.worker, hotline.duty_supervisor, hotline.cast.analyst):
        client = api(outsider)
        assert client.get("/api/v1/calls/").status_code == 403
        assert client.get(f"/api/v1/calls/{contact.uuid}/").status_code == 403
        assert client.post("/api/v1/calls/", {"reason": "help"}, format="json").status_code == 403
    other = api(hotline.other_operator)
    assert other.get("/api/v1/calls/").json()["results"] == []
    assert other.get(f"/api/v1/calls/{contact.uuid}/").status_code == 404
    assert other.patch(f"/api/v1/calls/{contact.uuid}/", {"version": 1, "reason": "help"},
                       format="json").status_code == 404
    assert Contact.objects.system().get(pk=contact.pk).reason == "information"


def test_a_contact_is_linked_only_to_a_case_the_operator_may_see(hotline, client):
    contact = hotline.contact()
    foreign = hotline.cast.open_case()  # the first NGO's case
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.link_contact_to_case(actor=hotline.operator, contact=contact, case=foreign, expected_version=1)
    verified_login(client, hotline.operator)
    response = client.post(reverse("hotline:link", args=[contact.uuid]), {"case": str(foreign.uuid), "version": 1})
    assert response.status_code == 200
    contact.refresh_from_db()
    assert contact.case is None
    own = hotline.cast.open_case(actor=hotline.operator)
    response = client.post(reverse("hotline:link", args=[contact.uuid]), {"case": str(own.uuid), "version": 1})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.case == own and contact.outcome == "linked_case"


def test_the_link_search_reveals_no_other_institutions_record(hotline, client):
    birth = datetime.date(1988, 7, 9)
    person = {"given_name": "Səbinə", "family_name": "Hüseynova", "birth_date": birth, "phone": "+994551112233"}
    hotline.cast.open_case(person=person)  # registered by the first NGO: the hotline may not see it
    contact = hotline.contact()
    verified_login(client, hotline.operator)
    weak = client.post(reverse("hotline:link", args=[contact.uuid]), {"given_name": "Səbinə",
                                                                     "family_name": "Hüseynova"}).content.decode()
    assert "Hüseynova</strong>" not in weak and 'id="link-elsewhere"' not in weak
    strong = client.post(reverse("hotline:link", args=[contact.uuid]), {
        "given_name": "Səbinə", "family_name": "Hüseynova", "birth_date": "1988-07-09",
        "phone": "+994551112233"}).content.decode()
    assert 'id="link-elsewhere"' in strong  # only "known elsewhere", with the coordinator
    assert "Birinci QHT" not in strong and "NCT-" not in strong and "1988" not in strong.split("link-results")[1]
    # The operator's own person is shown with the case to link to.
    own = hotline.cast.open_case(actor=hotline.operator, person={"given_name": "Ülviyyə", "family_name": "Kərimova"})
    mine = client.post(reverse("hotline:link", args=[contact.uuid]), {"given_name": "Ülviyyə",
                                                                     "family_name": "Kərimova"}).content.decode()
    assert own.reference in mine
    assert AuditEvent.objects.filter(action="person.duplicate_check", actor_id=hotline.operator.pk).count() == 3


def test_the_api_reads_are_audited_as_before_and_an_outsider_leaves_no_read(hotline, api):
    """The API reads through the selector (`selectors.CONTACTS`): the same events as the pages, with the
    contacts shown and the hotline they were read for; another hotline's operator reads and changes nothing
    and leaves no read event."""
    contact = hotline.contact()
    own = api(hotline.operator)
    assert own.get("/api/v1/calls/").status_code == 200
    listed = AuditEvent.objects.filter(action="hotline.contact_list", actor_id=hotline.operator.pk).latest("sequence")
    assert listed.details == {"channel": "api", "shown": 1, "contacts": [str(contact.uuid)]}
    assert listed.institution_id == hotline.institution.pk
    assert own.get(f"/api/v1/calls/{contact.uuid}/").status_code == 200
    viewed = AuditEvent.objects.filter(action="hotline.contact_view", actor_id=hotline.operator.pk).latest("sequence")
    assert viewed.details == {"channel": "api"} and viewed.object_id == str(contact.uuid)
    assert viewed.institution_id == contact.institution_id
    views = AuditEvent.objects.filter(action="hotline.contact_view").count()
    other = api(hotline.other_operator)
    assert other.get(f"/api/v1/calls/{contact.uuid}/").status_code == 404
    assert other.patch(f"/api/v1/calls/{contact.uuid}/", {"version": 1, "reason": "help"},
                       format="json").status_code == 404
    assert other.get("/api/v1/calls/not-a-uuid/").status_code == 404
    assert AuditEvent.objects.filter(action="hotline.contact_view").count() == views
    listed = own.get("/api/v1/calls/?case=not-a-uuid").json()["results"]
    assert [r["uuid"] for r in listed] == [str(contact.uuid)]  # no `?case=` filter on contacts, as before
