"""The identification workflow: referral to the Main Department, the official decision, and who sees what."""
import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from nicat.accounts.models import Role
from nicat.audit.models import AuditEvent
from nicat.cases.models import Case, TraffickingStatus
from nicat.core.errors import ConcurrentEdit, NotAllowed
from nicat.identification import services
from nicat.identification.models import Identification, IdentificationDecision, IdentificationStatus
from tests.support.identification import refer_with_consent
from tests.support.world import make_user

pytestmark = pytest.mark.django_db

DOCS = [{"title": "Inquiry report", "date": "2026-01-10", "reference": "MD-17/2026"}]


def refer(cast, case, **kw):
    return refer_with_consent(cast.worker, case, note="Seen at the airport.", **kw)


def decide(cast, case, actor=None, **decision):
    case = Case.objects.system().get(pk=case.pk)
    decision = {"outcome": "recognised", "decided_on": timezone.localdate(), "reason": "Inquiry confirmed.",
                "release_from_liability": True, "liability_note": "Illegal border crossing",
                "documents": DOCS, "certificate_language": "ru", **decision}
    return services.record_decision(actor=actor or cast.officer, case=case, decision=decision,
                                    expected_version=case.version)


def test_officer_sees_a_case_only_once_it_is_referred(cast, adult_case):
    assert not Case.objects.visible_to(cast.officer).filter(pk=adult_case.pk).exists()
    ident = refer(cast, adult_case)
    assert ident.status == IdentificationStatus.REFERRED and ident.referred_to == cast.main_department
    assert Case.objects.visible_to(cast.officer).filter(pk=adult_case.pk).exists()
    # Other staff of the Main Department (not identification officers) and other NGOs do not.
    analyst_like = make_user("md.worker", cast.main_department, Role.SHELTER_STAFF)
    assert not Case.objects.visible_to(analyst_like).filter(pk=adult_case.pk).exists()
    assert not Case.objects.visible_to(cast.worker2).filter(pk=adult_case.pk).exists()
    event = AuditEvent.objects.get(action="identification.referral")
    assert event.details["on_time"] is True and "Seen at the airport" not in str(event.changes)


def test_referral_needs_consent_and_happens_once(cast, adult_case):
    with pytest.raises(ValidationError) as error:
        services.refer_for_identification(actor=cast.worker, case=adult_case)
    assert error.value.error_dict["consent"][0].code == "consent_missing"
    assert not Identification.objects.system().filter(referred_at__isnull=False).exists()
    refer(cast, adult_case)
    with pytest.raises(ValidationError, match="already referred"):
        refer(cast, adult_case)


def test_referral_by_an_institution_that_cannot_see_the_case(cast, adult_case):
    with pytest.raises(NotAllowed):
        services.refer_for_identification(actor=cast.worker2, case=adult_case)


def test_recognition_sets_the_htcds_status_and_is_audited(cast, adult_case):
    refer(cast, adult_case)
    record = decide(cast, adult_case)
    case = Case.objects.system().get(pk=adult_case.pk)
    assert case.trafficking_status == TraffickingStatus.ACTUAL
    assert case.status_decided_by == cast.main_department and case.status_decided_on == timezone.localdate()
    assert case.version == adult_case.version + 1
    ident = Identification.objects.system().get(case=case)
    assert ident.status == IdentificationStatus.RECOGNISED and ident.decision == record
    assert record.release_from_liability and record.documents == DOCS
    event = AuditEvent.objects.get(action="identification.decision")
    assert event.changes["trafficking_status"] == ["PossibleVictimOfTrafficking", "ActualVictimOfTrafficking"]
    assert "MD-17/2026" not in str(event.changes) and "Illegal border" not in str(event.changes)
    assert event.details == {"outcome": "recognised", "documents": 1, "release_from_liability": True}


def test_not_recognised_needs_a_reason(cast, adult_case):
    refer(cast, adult_case)
    with pytest.raises(ValidationError) as error:
        decide(cast, adult_case, outcome="not_recognised", reason="", release_from_liability=False,
               liability_note="")
    assert "reason" in error.value.message_dict
    decide(cast, adult_case, outcome="not_recognised", reason="No exploitation found.",
           release_from_liability=False, liability_note="")
    assert Case.objects.system().get(pk=adult_case.pk).trafficking_status == TraffickingStatus.NOT_A_VICTIM


@pytest.mark.parametrize("bad,field", [
    ({"outcome": "maybe"}, "outcome"),
    ({"documents": []}, "documents"),
    ({"documents": [{"title": "", "reference": "X-1"}]}, "documents"),
    ({"documents": [{"title": "Report", "date": "31.02.2026"}]}, "documents"),
    ({"outcome": "not_recognised", "release_from_liability": True}, "release_from_liability"),
    ({"decided_on": timezone.localdate() + datetime.timedelta(days=2)}, "decided_on"),
    ({"certificate_language": "de"}, "certificate_language"),
])
def test_bad_decisions_change_nothing(cast, adult_case, bad, field):
    refer(cast, adult_case)
    with pytest.raises(ValidationError) as error:
        decide(cast, adult_case, **bad)
    assert field in error.value.message_dict
    assert Case.objects.system().get(pk=adult_case.pk).trafficking_status == TraffickingStatus.POSSIBLE
    assert not IdentificationDecision.objects.system().exists()
    assert not AuditEvent.objects.filter(action="identification.decision").exists()


def test_only_an_identification_officer_of_the_competent_body_decides(cast, adult_case):
    refer(cast, adult_case)
    for actor in (cast.worker, make_user("supervisor.md", cast.main_department, Role.SUPERVISOR)):
        with pytest.raises((PermissionDenied, NotAllowed)) as error:
            decide(cast, adult_case, actor=actor)
        if isinstance(error.value, PermissionDenied):  # refused for the role, with the reason (a 403)
            assert "Only an identification officer" in str(error.value)
    # An identification officer of another (not competent) institution.
    police = make_user("local.police", cast.ngo, Role.IDENTIFICATION_OFFICER)
    with pytest.raises(PermissionDenied, match="Only an identification officer"):
        decide(cast, adult_case, actor=police)
    assert Case.objects.system().get(pk=adult_case.pk).trafficking_status == TraffickingStatus.POSSIBLE


def test_officer_cannot_decide_an_unreferred_case_of_another_institution(cast, adult_case):
    with pytest.raises(NotAllowed):
        decide(cast, adult_case)


def test_stale_decision_is_refused(cast, adult_case):
    refer(cast, adult_case)
    case = Case.objects.system().get(pk=adult_case.pk)
    decision = {"outcome": "recognised", "documents": DOCS}
    services.record_decision(actor=cast.officer, case=case, decision=decision, expected_version=case.version)
    with pytest.raises(ConcurrentEdit):
        services.record_decision(actor=cast.officer, case=case, decision={**decision, "outcome": "not_recognised",
                                                                           "reason": "x"},
                                 expected_version=case.version - 1)


def test_after_a_decision_no_new_referral(cast, adult_case):
    refer(cast, adult_case)
    decide(cast, adult_case)
    with pytest.raises(ValidationError, match="already decided"):
        refer(cast, Case.objects.system().get(pk=adult_case.pk))


def test_main_department_decides_its_own_case_without_referral(cast):
    case = cast.open_case(actor=cast.officer)
    record = decide(cast, case)
    assert record.institution == cast.main_department
    deadlines = services.case_deadlines(Case.objects.system().get(pk=case.pk))
    assert "referral" not in {d.kind for d in deadlines}
    # Citizenship not recorded: treated as possibly foreign, so the reflection period is shown.
    assert {"reflection", "residence_permit"} == {d.kind for d in deadlines}
