"""Recording, editing and turning hotline contacts into cases: the services and the pages."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from nicat.audit.models import AuditEvent
from nicat.cases.models import Case
from nicat.core.errors import ConcurrentEdit
from nicat.hotline import services
from nicat.hotline.models import Contact
from tests.support.world import term, verified_login

pytestmark = pytest.mark.django_db


def test_an_anonymous_informational_call_stays_a_call_without_identity(hotline):
    contact = hotline.contact(channel="call", caller_type="anonymous", gave_information=True,
                              language=term("language", "az"), region=term("region", "baku"), duration_minutes=4)
    assert contact.reference.startswith("HL-") and contact.case is None and not contact.urgent
    assert contact.caller_name == "" and contact.phone == ""
    event = AuditEvent.objects.get(action="hotline.contact_create")
    assert event.object_id == str(contact.uuid)
    assert not hasattr(contact, "alert") or contact.alert is None


def test_no_identity_without_the_callers_agreement(hotline):
    with pytest.raises(ValidationError) as error:
        hotline.contact(caller_name="Aysel", phone="+994501234567")
    assert "caller_name" in error.value.message_dict
    contact = hotline.contact(identity_consent=True, caller_name="Aysel", phone="+994501234567")
    assert Contact.objects.visible_to(hotline.operator).get(pk=contact.pk).caller_name == "Aysel"
    assert not Contact.objects.system().filter(pk=contact.pk, identity_consent=False).exists()


def test_bad_input_is_refused_with_a_sentence_and_nothing_written(hotline):
    before = Contact.objects.system().count()
    for data, field in [({"started_at": timezone.now() + datetime.timedelta(days=1)}, "started_at"),
                        ({"outcome": "callback"}, "follow_up_due"),
                        ({"outcome": "referred"}, "referred_to"),
                        ({"outcome": "new_case"}, "outcome"),
                        ({"subject_age": 400}, "subject_age")]:
        with pytest.raises(ValidationError) as error:
            hotline.contact(**data)
        assert field in error.value.message_dict, data
    assert Contact.objects.system().count() == before


def test_an_update_needs_the_version_read(hotline):
    contact = hotline.contact()
    services.update_contact(actor=hotline.operator, contact=contact, data={"duration_minutes": 3},
                            expected_version=1)
    with pytest.raises(ConcurrentEdit):
        services.update_contact(actor=hotline.operator, contact=contact, data={"duration_minutes": 5},
                                expected_version=1)
    with pytest.raises(ValidationError):
        services.update_contact(actor=hotline.operator, contact=contact, data={}, expected_version=None)
    assert Contact.objects.system().get(pk=contact.pk).duration_minutes == 3


def test_a_call_becomes_a_case_that_came_to_notice_through_the_hotline(hotline, client):
    contact = hotline.contact(reason="help", notes="Needs shelter")
    verified_login(client, hotline.operator)
    page = client.get(reverse("hotline:open_case", args=[contact.uuid]))
    assert page.status_code == 200 and 'value="hotline"' in page.content.decode()
    response = client.post(reverse("hotline:open_case", args=[contact.uuid]), {
        "version": contact.version, "person-given_name": "Lalə", "person-family_name": "Quliyeva",
        "person-birth_date": "1995-02-03", "case-came_to_notice": "self_referral",  # ignored: the hotline it is
        "case-first_contact_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "case-scope": "internal",
        "case-summary": "From the hotline"})
    assert response.status_code == 302, response.content.decode()[:3000]
    contact.refresh_from_db()
    case = Case.objects.visible_to(hotline.operator).get(pk=contact.case_id)
    assert case.came_to_notice == "hotline" and case.owner_institution == hotline.institution
    assert contact.outcome == "new_case"
    detail = client.get(reverse("cases:detail", args=[case.uuid])).content.decode()
    assert "Hotline" in detail
    assert AuditEvent.objects.filter(action="hotline.contact_to_case", case_reference=case.reference).exists()


def test_the_intake_of_a_hotline_operator_defaults_to_the_hotline(hotline, client):
    verified_login(client, hotline.operator)
    page = client.get(reverse("cases:new")).content.decode()
    assert '<option value="hotline" selected>' in page
    verified_login(client, hotline.cast.worker)
    assert '<option value="hotline" selected>' not in client.get(reverse("cases:new")).content.decode()


def test_the_desk_shows_todays_contacts_open_follow_ups_scripts_and_places(hotline, client):
    from nicat.directory.models import InstitutionService

    InstitutionService.objects.create(institution=hotline.cast.ngo, kind="legal")
    today = hotline.contact(reason="job_offer_abroad", gave_consultation=True)
    due = hotline.contact(outcome="callback", follow_up_due=timezone.now() + datetime.timedelta(hours=2),
                          started_at=timezone.now() - datetime.timedelta(days=3))
    verified_login(client, hotline.operator)
    page = client.get(reverse("hotline:desk")).content.decode()
    assert today.reference in page and due.reference in page
    assert "no means are needed" in page.lower() or "no means" in page.lower()
    assert hotline.cast.ngo.name in page  # a place to refer to, from the directory
    assert 'accesskey="n"' in page


def test_edit_page_saves_with_the_version(hotline, client):
    contact = hotline.contact()
    verified_login(client, hotline.operator)
    form = {"channel": "chat", "started_at": timezone.localtime(contact.started_at).strftime("%Y-%m-%dT%H:%M"),
            "caller_type": "relative", "reason": "information", "outcome": "answered", "version": contact.version}
    assert client.post(reverse("hotline:edit", args=[contact.uuid]), form).status_code == 302
    contact.refresh_from_db()
    assert contact.channel == "chat" and contact.version == 2
    stale = client.post(reverse("hotline:edit", args=[contact.uuid]), {**form, "version": 1})
    assert stale.status_code == 200 and "changed by someone else" in stale.content.decode()


def test_the_help_script_states_the_reflection_period_in_force_today(hotline, client):
    """The reflection period the operator explains is the legal parameter in force today (the caller is met
    today), not a figure in the sentence: a new value from today is said at once, one from tomorrow not yet."""
    from nicat.core.calendar import baku_today
    from nicat.legal import services as legal

    verified_login(client, hotline.operator)

    def said():
        page = client.get(reverse("hotline:desk"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        return [n for n in (30, 45, 60) if f"a reflection period of {n} days" in page]

    assert said() == [30]
    act = {"code": "foreigners.reflection_days", "legal_act": "Amended repatriation rules (test)"}
    legal.set_parameter(actor=hotline.cast.admin, data={**act, "value": "60",
                                                        "valid_from": baku_today() + datetime.timedelta(days=1)})
    assert said() == [30]
    legal.set_parameter(actor=hotline.cast.admin, data={**act, "value": "45", "valid_from": baku_today()})
    assert said() == [45]
