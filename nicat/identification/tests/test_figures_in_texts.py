"""The figures the screening's advice states come from the legal parameters in force on the day the right
arose, never from a sentence: a new value of the referral hours changes the advice for cases first met on
or after its date, and not for earlier ones (docs/legal-rules.md)."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from nicat.identification.tests.test_pages import screening_post
from nicat.legal import services as legal
from tests.support.world import term, verified_login

pytestmark = pytest.mark.django_db


def _adult_case(cast, first_contact_at):
    born = timezone.localdate() - datetime.timedelta(days=30 * 365)
    return cast.open_case(person={"birth_date": born, "citizenships": [term("country", "AZ")]},
                          first_contact_at=first_contact_at)


def test_the_advice_to_refer_names_the_referral_hours_in_force_at_first_contact(client, cast):
    first_contact = timezone.now() - datetime.timedelta(minutes=30)
    legal.set_parameter(actor=cast.admin, data={
        "code": "identification.referral_hours", "value": "12", "valid_from": timezone.localdate(first_contact),
        "legal_act": "Amended standard operating procedures (test)"})
    new = _adult_case(cast, first_contact)
    old = _adult_case(cast, timezone.now() - datetime.timedelta(days=3))
    verified_login(client, cast.worker)
    advice = {}
    for name, case in (("new", new), ("old", old)):
        page = client.post(reverse("identification:screening_preview", args=[case.uuid]), screening_post(),
                           HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert 'data-next-step="refer_identification"' in page
        advice[name] = page
    assert "within 12 hours of the first contact" in advice["new"]
    assert "within 24 hours of the first contact" in advice["old"]
    assert "within 24 hours" not in advice["new"]
