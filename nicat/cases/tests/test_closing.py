"""Closing a case runs the registered close checks (the rehabilitation plan's final review). A case is closed by
nicat.assistance.services.close_case, which calls update_case with `closing=True` (test_owner_facts.py: the
edit page and the API's update refuse to close)."""
import pytest
from django.core.exceptions import ValidationError

from nicat.cases.services import update_case


def test_closing_as_completed_without_a_reviewed_plan_is_refused(cast):
    case = cast.open_case()
    with pytest.raises(ValidationError) as err:
        update_case(actor=cast.worker, case=case, data={"status": "Closed", "closure_reason": "ServicesCompleted"},
                    expected_version=case.version, closing=True)
    assert "closure_reason" in err.value.error_dict
    case.refresh_from_db()
    assert case.status == "Active" and case.version == 1


def test_closing_for_a_reason_that_needs_no_plan_works(cast):
    case = cast.open_case()
    update_case(actor=cast.worker, case=case, data={"status": "Closed", "closure_reason": "LostContact"},
                expected_version=case.version, closing=True)
    case.refresh_from_db()
    assert case.status == "Closed" and case.closure_reason == "LostContact"
