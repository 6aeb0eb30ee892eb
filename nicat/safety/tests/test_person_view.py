"""A security measure may be lawful without the person's consent (the authorised body decides it: Law of
11.12.1998 on state protection of persons participating in criminal proceedings, Art. 3; Criminal Procedure Code
Art. 123), but it is never taken without asking her: her view — she agrees, she objects, she could not be asked —
and, when she objects or could not be asked, her wishes are recorded with it (encrypted) and shown beside it.
Before, a measure was recorded with no trace of what she wanted."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from nicat.accounts.models import Role
from nicat.audit.models import AuditEvent
from nicat.safety.models import SecurityMeasure
from tests.support.referrals import build_world
from tests.support.world import make_user, verified_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast):
    w = build_world(cast)
    w.ngo_supervisor = make_user("ngo.supervisor", cast.ngo, Role.SUPERVISOR)
    return w


def _body(case, **extra):
    return {"case": str(case.uuid), "kind": "relocation", "responsible_body": "Police",
            "starts_on": timezone.localdate().isoformat(),
            "review_on": (timezone.localdate() + datetime.timedelta(days=10)).isoformat(), **extra}


def test_a_measure_without_the_persons_view_is_refused_api(world, api):
    case = world.open_case()
    sup = api(world.ngo_supervisor)
    r = sup.post("/api/v1/security-measures/", _body(case), format="json")
    assert r.status_code == 400 and "person_view" in r.json(), r.json()
    r = sup.post("/api/v1/security-measures/", _body(case, person_view="objects"), format="json")
    assert r.status_code == 400 and "person_wishes" in r.json(), r.json()
    assert not SecurityMeasure.objects.system().filter(case=case).exists()
    r = sup.post("/api/v1/security-measures/", _body(
        case, person_view="objects", person_wishes="Does not want to leave Gəncə; would accept an escort."),
        format="json")
    assert r.status_code == 201, r.json()
    listed = sup.get("/api/v1/security-measures/", {"case": str(case.uuid), "reason": "Planning the escort"})
    row = listed.json()["results"][0]
    assert row["person_view"] == "objects" and "escort" in row["person_wishes"]
    event = AuditEvent.objects.get(action="security.add")
    assert event.details["person_view"] == "objects" and "Gəncə" not in str(event.changes)


def test_the_page_asks_for_her_view_and_shows_it_beside_the_measure(world, client):
    case = world.open_case()
    verified_login(client, world.ngo_supervisor)
    url = reverse("safety:measure_add", args=[case.uuid])
    data = {"kind": "relocation", "responsible_body": "Police", "starts_on": timezone.localdate().isoformat(),
            "review_on": (timezone.localdate() + datetime.timedelta(days=10)).isoformat()}
    refused = client.post(url, data)
    assert refused.status_code == 400
    assert not SecurityMeasure.objects.system().filter(case=case).exists()
    assert client.post(url, {**data, "person_view": "not_asked",
                             "person_wishes": "In hospital, unconscious; ask on waking."}).status_code == 302
    shown = client.post(reverse("safety:measures", args=[case.uuid]), {"reason": "Planning the escort"})
    page = shown.content.decode()
    assert 'data-view="not_asked"' in page and "ask on waking" in page
