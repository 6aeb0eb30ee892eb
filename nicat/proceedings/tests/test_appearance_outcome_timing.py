"""Whether the victim appeared is recorded after the hearing, not before it (law 8).

Found by a review: "appeared" or "did not appear" was accepted for a hearing still ahead (its `starts_at` in the
future), on the page and through `PATCH /api/v1/proceedings/appearances/<uuid>/` — the record then said she had
appeared at a hearing that had not happened. Now refused on `status` with a sentence saying what to do, and nothing
recorded; "excused" (the court may excuse her in advance) stays possible. Moving a hearing whose outcome is recorded
to a time still ahead is refused the same way. Failed before: 200 and the outcome stored."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from nicat.audit.models import AuditEvent
from nicat.proceedings.models import Appearance, Hearing
from tests.support.world import verified_login

pytestmark = pytest.mark.django_db


def _appearance(c):
    return Appearance.objects.system().get(hearing=c.hearing)


def _held(c, days_ago=1):
    """The hearing took place (the clock moved on)."""
    Hearing.objects.system().filter(pk=c.hearing.pk).update(starts_at=timezone.now() - datetime.timedelta(days=days_ago))


@pytest.mark.parametrize("outcome", ["appeared", "did_not_appear"])
def test_the_api_refuses_an_outcome_before_the_hearing(police_case, api, outcome):
    c = police_case
    before = _appearance(c)
    assert c.hearing.starts_at > timezone.now() and before.status == "required"
    answer = api(c.officer).patch(f"/api/v1/proceedings/appearances/{before.uuid}/",
                                  {"status": outcome, "version": before.version}, format="json")
    assert answer.status_code == 400, answer.content[:300]
    assert "has not taken place yet" in " ".join(answer.json()["status"])
    after = _appearance(c)
    assert (after.status, after.version) == ("required", before.version)
    assert not AuditEvent.objects.filter(action="appearance.update").exists()


@pytest.mark.parametrize("outcome", ["appeared", "did_not_appear"])
def test_the_page_refuses_an_outcome_before_the_hearing_at_its_field(police_case, client, outcome):
    c = police_case
    before = _appearance(c)
    verified_login(client, c.officer)
    page = client.post(reverse("proceedings:appearance_outcome", args=[before.uuid]),
                       {"status": outcome, "version": before.version})
    assert page.status_code == 400
    html = page.content.decode()
    assert "has not taken place yet" in html and 'name="status"' in html
    assert _appearance(c).status == "required"
    assert not AuditEvent.objects.filter(action="appearance.update").exists()


def test_excused_may_be_recorded_in_advance_and_the_outcome_after_the_hearing(police_case, api):
    c = police_case
    officer = api(c.officer)
    appearance = _appearance(c)
    answer = officer.patch(f"/api/v1/proceedings/appearances/{appearance.uuid}/",
                           {"status": "excused", "version": appearance.version}, format="json")
    assert answer.status_code == 200, answer.content[:300]
    _held(c)
    appearance = _appearance(c)
    answer = officer.patch(f"/api/v1/proceedings/appearances/{appearance.uuid}/",
                           {"status": "did_not_appear", "version": appearance.version}, format="json")
    assert answer.status_code == 200, answer.content[:300]
    assert _appearance(c).status == "did_not_appear"
    assert AuditEvent.objects.filter(action="appearance.update").count() == 2


def test_a_hearing_whose_outcome_is_recorded_cannot_be_moved_ahead(police_case, api):
    c = police_case
    officer = api(c.officer)
    _held(c)
    appearance = _appearance(c)
    assert officer.patch(f"/api/v1/proceedings/appearances/{appearance.uuid}/",
                         {"status": "appeared", "version": appearance.version}, format="json").status_code == 200
    hearing = Hearing.objects.system().get(pk=c.hearing.pk)
    answer = officer.patch(f"/api/v1/proceedings/hearings/{hearing.uuid}/",
                           {"starts_at": (timezone.now() + datetime.timedelta(days=3)).isoformat(),
                            "version": hearing.version}, format="json")
    assert answer.status_code == 400, answer.content[:300]
    assert "starts_at" in answer.json()
    kept = Hearing.objects.system().get(pk=hearing.pk)
    assert (kept.starts_at, kept.version) == (hearing.starts_at, hearing.version)
    # A correction of the time within the past stays possible.
    answer = officer.patch(f"/api/v1/proceedings/hearings/{hearing.uuid}/",
                           {"starts_at": (timezone.now() - datetime.timedelta(days=2)).isoformat(),
                            "version": hearing.version}, format="json")
    assert answer.status_code == 200, answer.content[:300]
