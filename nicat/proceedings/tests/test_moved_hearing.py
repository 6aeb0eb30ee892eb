"""The safety check before each court appearance holds when the court moves the hearing. The victim's appearance
was planned while the safety assessment was current; the hearing was then moved (`PATCH
/api/v1/proceedings/hearings/<uuid>/`) to a day after the assessment falls due for review: accepted, and the
appearance kept the label of a check it would no longer pass (found by a review; failed before)."""
import datetime

import pytest
from django.utils import timezone

from nicat.proceedings import services
from nicat.proceedings.models import Appearance, Hearing
from nicat.safety.demo import assess_for_court
from nicat.safety.services import record_assessment

pytestmark = pytest.mark.django_db


@pytest.fixture
def hearing(cast):
    from nicat.proceedings.demo import case_in_court

    case = cast.open_case(actor=cast.officer)
    cc, _suspect, _first = case_in_court(officer=cast.officer, case=case, investigating_body=cast.main_department,
                                         before_appearance=assess_for_court)  # reviewed in 60 days
    hearing = services.schedule_hearing(actor=cast.officer, criminal_case=cc, data={
        "starts_at": timezone.now() + datetime.timedelta(days=20), "court": "Bakı Apellyasiya Məhkəməsi",
        "purpose": "trial"})
    services.plan_appearance(actor=cast.officer, hearing=hearing, data={"mode": "video", "person_view": "agrees"})
    cast.case = case
    return hearing


def test_a_hearing_moved_past_the_assessments_review_needs_the_review_first(cast, hearing, api):
    officer = api(cast.officer)
    later = (timezone.now() + datetime.timedelta(days=90)).isoformat()
    answer = officer.patch(f"/api/v1/proceedings/hearings/{hearing.uuid}/",
                           {"starts_at": later, "version": hearing.version}, format="json")
    assert answer.status_code == 400
    assert "due for review" in " ".join(answer.json()["starts_at"])
    kept = Hearing.objects.system().get(pk=hearing.pk)
    assert kept.starts_at == hearing.starts_at and kept.version == hearing.version

    # Moved within the assessment's term, or after a review: accepted, and the appearance names the check passed.
    review = record_assessment(actor=cast.officer, case=cast.case, data={
        "occasion": "court", "level": "medium", "factors": ["traffickers"],
        "reasons": "Reviewed for the new hearing day: she still testifies by video from the shelter.",
        "review_on": timezone.localdate() + datetime.timedelta(days=120)})
    answer = officer.patch(f"/api/v1/proceedings/hearings/{hearing.uuid}/",
                           {"starts_at": later, "version": hearing.version}, format="json")
    assert answer.status_code == 200
    appearance = Appearance.objects.system().get(hearing=hearing)
    assert appearance.safety_checked == [f"safety-assessment:{review.uuid}:medium"]
    # Another change of the hearing (the court's room) runs no check.
    moved = Hearing.objects.system().get(pk=hearing.pk)
    assert officer.patch(f"/api/v1/proceedings/hearings/{hearing.uuid}/",
                         {"court": "Bakı Apellyasiya Məhkəməsi, zal 3", "version": moved.version},
                         format="json").status_code == 200
