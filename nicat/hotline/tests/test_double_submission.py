"""One click is one record: a hotline contact sent twice (a double click while the call goes on, a browser
sending a slow form again) is recorded once — one contact, one alert to the duty service — and the second
answer says so; an API call retried with the same `Idempotency-Key` records nothing more (nicat.core.submissions)."""
import pytest
from django.urls import reverse
from django.utils import timezone

from nicat.hotline.models import Alert, Contact
from tests.support.submissions import ALREADY_SAVED, post_twice
from tests.support.world import verified_login

pytestmark = pytest.mark.django_db


def test_an_urgent_contact_sent_twice_is_one_contact_and_one_alert(hotline, client):
    client.cookies["nicat_language"] = "en"
    verified_login(client, hotline.operator)
    url = reverse("hotline:new")
    first, second = post_twice(client, url, url, {
        "channel": "call", "started_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "caller_type": "relative",
        "reason": "danger_now", "outcome": "answered"})
    contact = Contact.objects.visible_to(hotline.operator).get()
    detail = reverse("hotline:detail", args=[contact.uuid])
    assert first.status_code == 302 and first.url == detail
    assert second.redirect_chain == [(detail, 302)] and ALREADY_SAVED in second.content.decode()
    assert Alert.objects.count() == 1


def test_the_api_with_one_key_records_one_contact(hotline, api):
    client = api(hotline.operator)
    body = {"channel": "chat", "reason": "job_offer_abroad", "gave_consultation": True, "region": "baku"}
    first = client.post("/api/v1/calls/", body, format="json", HTTP_IDEMPOTENCY_KEY="call-1")
    second = client.post("/api/v1/calls/", body, format="json", HTTP_IDEMPOTENCY_KEY="call-1")
    assert first.status_code == second.status_code == 201, first.content
    assert second.json() == first.json() and Contact.objects.system().count() == 1
