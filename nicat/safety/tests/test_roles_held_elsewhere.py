"""A role counts at the institution where it is held (docs/security.md, "A case worker of the owning NGO who is a
supervisor at another NGO"). The reasons of a safety assessment (who threatens her, where) and the safety plan are
for the roles that assess; a clinic's doctor sees the level only. The same doctor who also worked as a case worker
at an unrelated NGO read the reasons on the safety page and through the API, and recorded a "high" assessment for
that NGO, which does not see the case — blocking the owner's return and family contact (found by a review; failed
before)."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from nicat.accounts.models import Membership, Role, User
from nicat.safety import services as safety
from nicat.safety.models import Assessment
from tests.support.referrals import accepted_referral
from tests.support.world import make_institution, make_user, verified_login

pytestmark = pytest.mark.django_db

REASONS = "Her brother-in-law Rauf recruited her; he waits near the school in Sumqayıt."
PLAN = "She stays at the shelter; the school is told not to give her address to anyone."


def _assessment(actor, case, level="medium"):
    return {"occasion": "review", "level": level, "factors": ["traffickers"], "reasons": REASONS,
            "review_on": (timezone.localdate() + datetime.timedelta(days=30)).isoformat()}


def test_a_case_working_role_at_an_unrelated_ngo_opens_no_reasons_to_a_clinics_doctor(cast, client, api):
    case = cast.open_case()
    assessment = safety.record_assessment(actor=cast.worker, case=case, data=_assessment(cast.worker, case))
    safety.write_safety_plan(actor=cast.worker, assessment=assessment, plan=PLAN,
                             expected_version=assessment.version)
    clinic = make_institution("clinic", "medical", name_az="Klinika", is_nonprofit=True)
    doctor = make_user("doctor", clinic, Role.MEDICAL_STAFF)
    accepted_referral(cast.worker, case, clinic, doctor)
    Membership.objects.create(user=doctor, institution=cast.ngo2, role=Role.CASE_WORKER)
    doctor = User.objects.get(pk=doctor.pk)

    verified_login(client, doctor)
    page = client.get(reverse("safety:case", args=[case.uuid]))
    assert page.status_code == 200
    text = page.content.decode()
    assert REASONS not in text and PLAN not in text
    body = api(doctor).get("/api/v1/safety-assessments/", {"case": str(case.uuid)}).json()
    assert [(row["level"], row["reasons"], row["safety_plan"]) for row in body["results"]] == [("medium", None, None)]

    before = Assessment.objects.system().count()
    answer = api(doctor).post("/api/v1/safety-assessments/", {"case": str(case.uuid), **_assessment(doctor, case,
                                                                                                     "high")},
                              format="json")
    assert answer.status_code == 403
    page = client.post(reverse("safety:assess", args=[case.uuid]), _assessment(doctor, case, "high"))
    assert page.status_code == 403
    assert Assessment.objects.system().count() == before

    # The owner's case worker still reads the reasons, and the second NGO's own cases are the doctor's to assess.
    owner = api(cast.worker).get("/api/v1/safety-assessments/", {"case": str(case.uuid)}).json()
    assert owner["results"][0]["reasons"] == REASONS and owner["results"][0]["safety_plan"] == PLAN
    theirs = cast.open_case(actor=cast.worker2)
    assert safety.record_assessment(actor=doctor, case=theirs, data=_assessment(doctor, theirs)).institution == cast.ngo2
