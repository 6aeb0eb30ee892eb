"""An order is recorded once, however often its form is sent. A double click (or a browser re-sending the slow
form) on "Record the order" recorded the same prosecutor's decision twice; lifting "the order" then lifted one of the
two, and the case stayed hidden from everyone the order had named — with no sign on the page why (found by a
review; failed before)."""
import pytest
from django.urls import reverse
from django.utils import timezone

from nicat.access.models import RestrictionOrder
from tests.support.submissions import ALREADY_SAVED, post_twice
from tests.support.world import verified_login

pytestmark = pytest.mark.django_db


def test_a_double_click_records_one_restriction_order(client, cast):
    case = cast.open_case()
    verified_login(client, cast.officer)
    url = reverse("access:restrictions")
    first, second = post_twice(client, url, url, {
        "case_reference": case.reference, "issued_by": "court", "issuing_body": "Baku Grave Crimes Court",
        "decision_reference": "2-1/55", "decided_on": timezone.localdate().isoformat(),
        "allowed_roles": ["identification_officer"]})
    assert first.status_code == 302
    assert ALREADY_SAVED in second.content.decode()
    assert RestrictionOrder.objects.system().filter(case=case).count() == 1
