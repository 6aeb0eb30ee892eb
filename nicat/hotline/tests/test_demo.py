"""The demo hotline: a supervisor beside the operator and a few contacts, once (idempotent)."""
import pytest

from nicat.hotline.demo import ensure_hotline_demo
from nicat.hotline.models import Contact

pytestmark = pytest.mark.django_db


def test_demo_contacts_and_supervisor_once(hotline):
    users = {"hotline.operator": hotline.operator}
    made = ensure_hotline_demo({"hotline-152": hotline.institution}, users)
    assert len(made) == 5 and {c.channel for c in made} >= {"call", "chat", "web_form"}
    assert set(Contact.objects.visible_to(users["hotline.supervisor"])) == set(made)
    assert any(c.reason == "job_offer_abroad" for c in made)
    assert ensure_hotline_demo({"hotline-152": hotline.institution}, users) == []
    assert Contact.objects.system().count() == 5
