"""Screening through the services: saved partly, resumed, completed; bad input refused; all audited."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from nicat.audit.models import AuditEvent
from nicat.core.errors import ConcurrentEdit, NotAllowed
from nicat.identification import services
from nicat.identification.models import Identification, IdentificationStatus, Screening, ScreeningStatus
from nicat.identification.tests.conftest import terms
from tests.support.world import make_user, term

pytestmark = pytest.mark.django_db


def test_save_partly_resume_and_complete(cast, adult_case):
    s = services.save_screening(actor=cast.worker, case=adult_case, data_in={
        "acts": terms("act", "recruitment"), "acts_facts": "Recruited through an online job advert.",
        "answers": {"deceptive_recruitment.job_nature": {"answer": "yes", "facts": "Promised hotel work."}}})
    assert s.status == ScreeningStatus.DRAFT and s.version == 1
    assert s.next_step == "refer_assistance" and s.result["list"] == "adult_labour"

    s = Screening.objects.visible_to(cast.worker).get(pk=s.pk)
    s = services.save_screening(actor=cast.worker, case=adult_case, screening=s, expected_version=1, data_in={
        "means": terms("means", "deception"), "means_facts": "The job did not exist.",
        "purposes": terms("exploitation", "forced_labour"), "purpose_facts": "Made to work on a farm.",
        "answers": {"exploitative_conditions.excessive_hours": {"answer": "yes", "facts": "16 hours a day"}}})
    assert s.version == 2 and s.next_step == "refer_identification"
    # Earlier answers were kept (resumed, not replaced).
    assert set(s.answers) == {"deceptive_recruitment.job_nature", "exploitative_conditions.excessive_hours"}

    s = services.save_screening(actor=cast.worker, case=adult_case, screening=s, expected_version=2,
                                data_in={}, complete=True)
    assert s.is_completed and s.completed_by == cast.worker
    ident = Identification.objects.visible_to(cast.worker).get(case=adult_case)
    assert ident.status == IdentificationStatus.SCREENED and ident.screening_id == s.pk
    actions = list(AuditEvent.objects.filter(case_uuid=str(adult_case.uuid), action__startswith="identification.")
                   .values_list("action", flat=True))
    assert actions == ["identification.screening.create", "identification.screening.update",
                       "identification.screening.complete"]


def test_facts_are_encrypted_at_rest(cast, adult_case):
    from django.db import connection

    s = services.save_screening(actor=cast.worker, case=adult_case, data_in={
        "acts_facts": "Met the recruiter Rəşad at the bus station",
        "answers": {"coercion_at_destination.violence": {"answer": "yes", "facts": "Beaten by Elçin"}}})
    with connection.cursor() as cursor:
        cursor.execute("SELECT acts_facts, answers, result FROM identification_screening WHERE id = %s", [s.pk])
        row = " ".join(str(v) for v in cursor.fetchone())
    assert "Rəşad" not in row and "Elçin" not in row and "violence" not in row
    event = AuditEvent.objects.filter(action="identification.screening.create").get()
    assert "Rəşad" not in str(event.changes) and "Elçin" not in str(event.changes)


def test_completed_screening_cannot_change(cast, adult_case):
    s = services.save_screening(actor=cast.worker, case=adult_case, data_in={}, complete=True)
    with pytest.raises(ValidationError, match="completed"):
        services.save_screening(actor=cast.worker, case=adult_case, screening=s, expected_version=s.version,
                                data_in={"acts_facts": "more"})


def test_concurrent_edit_is_refused(cast, adult_case):
    s = services.save_screening(actor=cast.worker, case=adult_case, data_in={})
    services.save_screening(actor=cast.worker, case=adult_case, screening=s, expected_version=1,
                            data_in={"acts_facts": "first"})
    with pytest.raises(ConcurrentEdit):
        services.save_screening(actor=cast.worker, case=adult_case, screening=s, expected_version=1,
                                data_in={"acts_facts": "second"})
    assert Screening.objects.visible_to(cast.worker).get(pk=s.pk).acts_facts == "first"


def test_childs_birth_date_with_adult_lists_is_refused_and_nothing_saved(cast, child_case):
    with pytest.raises(ValidationError) as error:
        services.save_screening(actor=cast.worker, case=child_case, data_in={"population": "adult"})
    assert "child" in error.value.message_dict["population"][0]
    assert not Screening.objects.system().exists()
    assert not AuditEvent.objects.filter(action__startswith="identification.").exists()


def test_unknown_age_with_adult_lists_is_refused(cast):
    case = cast.open_case(person={"birth_date": None})  # no birth date, no estimate
    with pytest.raises(ValidationError) as error:
        services.save_screening(actor=cast.worker, case=case, data_in={"population": "adult"})
    assert "not known" in error.value.message_dict["population"][0]
    s = services.save_screening(actor=cast.worker, case=case, data_in={})
    assert s.result["age"]["population"] == "child"


def test_exploitation_form_not_in_the_vocabulary_is_refused(cast, adult_case):
    wrong = term("means", "deception")  # a means given where a form of exploitation is expected
    with pytest.raises(ValidationError) as error:
        services.save_screening(actor=cast.worker, case=adult_case, data_in={"purposes": [wrong]})
    assert "not a form of exploitation" in error.value.message_dict["purposes"][0]
    assert not Screening.objects.system().exists()


def test_indicator_not_in_the_list_is_refused(cast, child_case):
    with pytest.raises(ValidationError) as error:
        services.save_screening(actor=cast.worker, case=child_case, data_in={"answers": {
            "recruitment_abuse_of_vulnerability.false_info_law": {"answer": "yes"}}})
    assert "not an indicator of the list used" in error.value.message_dict["answers"][0]
    with pytest.raises(ValidationError):
        services.save_screening(actor=cast.worker, case=child_case, data_in={"answers": {
            "coercion_at_destination.violence": {"answer": "perhaps"}}})


def test_acts_date_decides_the_age(cast):
    """Now 19, but the recruitment began three years ago, at 16: the child lists apply."""
    born = timezone.localdate() - datetime.timedelta(days=19 * 365 + 40)
    case = cast.open_case(person={"birth_date": born})
    s = services.save_screening(actor=cast.worker, case=case, data_in={})
    assert s.result["age"]["population"] == "adult"
    s = services.save_screening(actor=cast.worker, case=case, screening=s, expected_version=1, data_in={
        "acts_began_on": timezone.localdate() - datetime.timedelta(days=3 * 365)})
    assert s.result["age"]["population"] == "child" and s.result["age"]["years"] == 16
    with pytest.raises(ValidationError, match="before the person was born"):
        services.save_screening(actor=cast.worker, case=case, screening=s, expected_version=2,
                                data_in={"acts_began_on": born - datetime.timedelta(days=1)})
    with pytest.raises(ValidationError, match="future"):
        services.save_screening(actor=cast.worker, case=case, screening=s, expected_version=2,
                                data_in={"acts_began_on": timezone.localdate() + datetime.timedelta(days=3)})


def test_earliest_trafficking_event_dates_the_acts(cast):
    from nicat.cases.services import add_event

    born = timezone.localdate() - datetime.timedelta(days=18 * 365 + 100)
    case = cast.open_case(person={"birth_date": born})
    add_event(actor=cast.worker, case=case, data={"kind": "Recruitment",
                                                  "date_from": timezone.localdate() - datetime.timedelta(days=400)})
    age = services.age_at_acts(case)
    assert age.dated_from == "first_event" and age.years == 17


def test_estimated_age_counts_back_to_the_acts(cast):
    case = cast.open_case(person={"estimated_age": 19})
    age = services.age_at_acts(case, timezone.localdate() - datetime.timedelta(days=2 * 365 + 10))
    assert age.years == 16 and age.is_estimate


def test_other_institutions_cannot_screen(cast, adult_case):
    with pytest.raises(NotAllowed):
        services.save_screening(actor=cast.worker2, case=adult_case, data_in={})
    with pytest.raises(NotAllowed):
        services.save_screening(actor=cast.analyst, case=adult_case, data_in={})


def test_any_first_responder_of_the_institution_can_screen(cast, adult_case):
    from nicat.accounts.models import Role

    doctor = make_user("doctor", cast.ngo, Role.MEDICAL_STAFF)
    s = services.save_screening(actor=doctor, case=adult_case, data_in={})
    assert s.institution == cast.ngo
