"""A contact referred to an institution that has closed since (deactivated in the directory) can still be
edited: the referral it records is history, kept as it was, while a new referral goes only to an open one.
Before, the edit page offered active institutions only, so saving any change of an old contact failed on
"referred to" (the operator had to change or blank it: the record of where the caller was sent was lost),
and the API refused the unchanged value in a PUT."""
import pytest
from django.urls import reverse
from django.utils import timezone

from tests.support.world import make_institution, verified_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def referred(hotline):
    closed = make_institution("ngo-closed", "ngo", name_az="Bağlanmış QHT", is_nonprofit=True)
    contact = hotline.contact(outcome="referred", referred_to=closed, gave_referral=True)
    closed.active = False
    closed.save(update_fields=["active"])
    return contact, closed


def _form(contact, **changes):
    return {"channel": contact.channel, "started_at": timezone.localtime(contact.started_at).strftime("%Y-%m-%dT%H:%M"),
            "caller_type": contact.caller_type, "reason": contact.reason, "outcome": contact.outcome,
            "gave_referral": "on", "referred_to": str(contact.referred_to_id), "version": contact.version, **changes}


def test_an_old_contact_referred_to_a_closed_institution_is_edited_and_keeps_its_referral(hotline, referred, client):
    contact, closed = referred
    verified_login(client, hotline.operator)
    page = client.get(reverse("hotline:edit", args=[contact.uuid])).content.decode()
    assert closed.name in page and "no longer active" in page  # shown, and marked as closed
    answer = client.post(reverse("hotline:edit", args=[contact.uuid]), _form(contact, notes="Called back: safe."))
    assert answer.status_code == 302, answer.context["form"].errors
    contact.refresh_from_db()
    assert contact.referred_to_id == closed.pk and contact.version == 2


def test_a_new_referral_to_a_closed_institution_is_refused(hotline, referred, client):
    contact, closed = referred
    other_closed = make_institution("ngo-closed-2", "ngo", name_az="İkinci bağlanmış QHT", is_nonprofit=True)
    other_closed.active = False
    other_closed.save(update_fields=["active"])
    verified_login(client, hotline.operator)
    answer = client.post(reverse("hotline:edit", args=[contact.uuid]), _form(contact, referred_to=str(other_closed.pk)))
    assert answer.status_code == 200 and "referred_to" in answer.context["form"].errors
    fresh = hotline.contact()
    answer = client.post(reverse("hotline:edit", args=[fresh.uuid]), {**_form(fresh), "outcome": "referred",
                                                                     "referred_to": str(closed.pk)})
    assert answer.status_code == 200 and "referred_to" in answer.context["form"].errors
    fresh.refresh_from_db()
    assert fresh.referred_to_id is None and fresh.version == 1


def test_the_api_keeps_the_closed_institution_on_a_put_and_refuses_it_as_a_new_referral(hotline, referred, api):
    contact, closed = referred
    client = api(hotline.operator)
    url = f"/api/v1/calls/{contact.uuid}/"
    body = client.get(url).json()
    assert body["referred_to"] == str(closed.uuid)
    sent = {k: v for k, v in body.items() if k not in ("uuid", "reference", "urgent", "urgency", "case",
                                                       "case_reference", "created_at", "updated_at")}
    answer = client.put(url, {**sent, "notes": "Called back: safe."}, format="json")
    assert answer.status_code == 200, answer.content
    fresh = hotline.contact()
    answer = client.patch(f"/api/v1/calls/{fresh.uuid}/", {"referred_to": str(closed.uuid),
                                                                     "version": fresh.version}, format="json")
    assert answer.status_code == 400 and "referred_to" in answer.json(), answer.json()
