"""The public "ask for help" form: no sign-in, no cookie, nothing echoed, a contact on the operators' desk,
encrypted at rest; held off by a rate limit per address, a honeypot and a minimum time."""
import time

import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from nicat.hotline.models import Contact
from nicat.hotline.views import STAMP_SALT
from tests.support.world import verified_login

pytestmark = pytest.mark.django_db


def stamp(seconds_ago=10):
    return signing.dumps(timezone.now().timestamp() - seconds_ago, salt=STAMP_SALT)


def test_the_form_sets_no_cookie_and_the_request_reaches_the_desk(hotline):
    anonymous = Client()
    page = anonymous.get(reverse("hotline:ask_for_help"))
    assert page.status_code == 200 and not page.cookies
    assert "csrfmiddlewaretoken" not in page.content.decode()
    assert 'data-testid="quick-exit"' in page.content.decode()  # inside the public site's layout
    sent = anonymous.post(reverse("hotline:ask_for_help"), {"what": "QZXmarker they took my passport",
                                                           "contact": "QZXsafe call after 6", "stamp": stamp()})
    assert sent.status_code == 302 and not sent.cookies
    thanks = anonymous.get(sent["Location"])
    assert thanks.status_code == 200 and "QZX" not in thanks.content.decode() and not thanks.cookies
    contact = Contact.objects.system().get()
    assert contact.channel == "web_form" and contact.outcome == "follow_up" and contact.institution == hotline.institution
    assert contact.notes == "QZXmarker they took my passport"
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes, safe_contact FROM hotline_contact")
        raw = " ".join(cursor.fetchone())
    assert "QZX" not in raw and raw.startswith(f"enc2:{contact.data_key_id}:")  # under the contact's own key
    staff = verified_login(Client(), hotline.operator)
    desk = staff.get(reverse("hotline:desk")).content.decode()
    assert contact.reference in desk


def test_an_empty_request_is_welcome_too(hotline):
    assert Client().post(reverse("hotline:ask_for_help"), {"stamp": stamp()}).status_code == 302
    assert Contact.objects.system().count() == 1


def test_robots_are_thanked_and_ignored(hotline):
    client = Client()
    honeypot = client.post(reverse("hotline:ask_for_help"), {"what": "spam", "website": "http://x", "stamp": stamp()})
    too_fast = client.post(reverse("hotline:ask_for_help"), {"what": "spam", "stamp": stamp(seconds_ago=0)})
    forged = client.post(reverse("hotline:ask_for_help"), {"what": "spam", "stamp": "123"})
    assert honeypot.status_code == too_fast.status_code == forged.status_code == 302
    assert honeypot["Location"] == too_fast["Location"] == reverse("hotline:ask_for_help_thanks") + "?lang=en"
    assert not Contact.objects.system().exists()


def test_a_nul_character_in_the_public_form_is_thanked_like_everything_else(hotline):
    """The public form answers every sender with the same page: the NUL refusal that other forms give
    (nicat.web.middleware.RefuseNulMiddleware) leaves it alone, and its own form refuses the text (nothing is
    recorded; PostgreSQL never sees it)."""
    answer = Client().post(reverse("hotline:ask_for_help"), {"what": "help\x00me", "stamp": stamp()})
    assert answer.status_code == 302
    assert answer["Location"] == reverse("hotline:ask_for_help_thanks") + "?lang=en"
    assert not Contact.objects.system().exists()


def test_requests_are_limited_per_address(hotline, settings):
    settings.NICAT_HOTLINE_HELP_PER_HOUR = 2
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(2):
        assert client.post(reverse("hotline:ask_for_help"), {"what": "x", "stamp": stamp()}).status_code == 302
    refused = client.post(reverse("hotline:ask_for_help"), {"what": "QZXthird", "stamp": stamp()})
    assert refused.status_code == 429 and "QZX" not in refused.content.decode() and "tel:152" in refused.content.decode()
    other = Client(REMOTE_ADDR="198.51.100.9")
    assert other.post(reverse("hotline:ask_for_help"), {"what": "x", "stamp": stamp()}).status_code == 302
    assert Contact.objects.system().count() == 3
    assert time.time()


def test_the_same_form_sent_twice_puts_one_request_on_the_desk(hotline, settings):
    """Found by the tenth review: the public form had no one-time key, so a double click (or a browser sending
    a slow form again) put two requests on the operators' desk — two follow-ups due now for one person. There is
    no user or session to scope a key by: the key is a random nonce signed into the form's stamp. Another
    form, or the same form sent again with something else written, is another request."""
    import re

    settings.NICAT_HOTLINE_HELP_MIN_SECONDS = 0
    url = reverse("hotline:ask_for_help")

    def shown_stamp():
        page = Client().get(url).content.decode()
        return re.search(r'name="stamp" value="([^"]+)"', page).group(1)

    form = {"what": "QZX they took my passport", "contact": "", "stamp": shown_stamp()}
    first, again = Client().post(url, form), Client().post(url, form)
    assert first.status_code == again.status_code == 302 and first["Location"] == again["Location"]
    assert Contact.objects.system().count() == 1
    Client().post(url, {**form, "contact": "call after 6"})  # went back and added a way to reach them
    Client().post(url, {**form, "stamp": shown_stamp()})  # someone else's form, with the same words
    assert Contact.objects.system().count() == 3
