"""The demo's safety data: a Main Department case with a high-risk assessment waiting for the supervisor,
a security measure and a relative; added once."""
import pytest

from nicat.safety import selectors
from nicat.safety.demo import ensure_safety
from nicat.safety.models import Assessment, Relative, SecurityMeasure

pytestmark = pytest.mark.django_db


def test_demo_safety_data_once(cast):
    cast.main_department.is_competent_authority = True
    cast.main_department.save()
    case = cast.open_case(actor=cast.officer)
    assert ensure_safety({"police.officer": cast.officer}) == case
    assert selectors.current_level(case) == "high" and selectors.current_assessment(case).blocks_risky_steps
    assert SecurityMeasure.objects.system().filter(case=case).count() == 1
    assert Relative.objects.system().get(case=case).name_index
    assert ensure_safety({"police.officer": cast.officer}) is None
    assert Assessment.objects.system().count() == 1
