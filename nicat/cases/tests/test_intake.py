"""Registering a presumed victim opens a case owned by the worker's institution."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from nicat.cases.models import Case, TraffickingStatus
from nicat.cases.services import open_case
from tests.support.world import term


def test_intake_opens_case_with_reference_and_encrypted_person(cast):
    case = cast.open_case(acts=[term("act", "recruitment")], exploitation_forms=[term("exploitation", "forced_labour")])
    assert case.reference.startswith(f"NCT-{timezone.localdate().year}-")
    assert len(case.reference.split("-")[-1]) == 6
    assert case.owner_institution == cast.ngo
    assert case.trafficking_status == TraffickingStatus.POSSIBLE
    assert case.person.family_name == "Məmmədova"
    assert [t.code for t in case.exploitation_forms.all()] == ["forced_labour"]


def test_references_are_sequential_per_year(cast):
    refs = [cast.open_case().reference for _ in range(3)]
    numbers = [int(r.rsplit("-", 1)[1]) for r in refs]
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]


def test_intake_without_any_name_is_refused_and_nothing_saved(cast):
    with pytest.raises(ValidationError) as err:
        open_case(actor=cast.worker, person_data={"given_name": "", "family_name": ""}, case_data={})
    assert "given_name" in err.value.error_dict
    assert Case.objects.system().count() == 0


def test_future_birth_date_is_refused(cast):
    with pytest.raises(ValidationError) as err:
        cast.open_case(person={"birth_date": timezone.localdate() + datetime.timedelta(days=3)})
    assert "birth_date" in err.value.error_dict


def test_case_worker_cannot_record_official_decision(cast):
    with pytest.raises(ValidationError) as err:
        cast.open_case(trafficking_status=TraffickingStatus.ACTUAL)
    assert "trafficking_status" in err.value.error_dict


def test_closing_needs_a_reason(cast):
    case = cast.open_case()
    from nicat.cases.services import update_case

    with pytest.raises(ValidationError) as err:
        update_case(actor=cast.worker, case=case, data={"status": "Closed"}, expected_version=case.version)
    assert "closure_reason" in err.value.error_dict
