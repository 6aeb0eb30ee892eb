"""The demo world has one case in court: the police officer sees its file, the NGO only its hearings."""
import pytest

from nicat.access import policy

pytestmark = pytest.mark.django_db


def test_the_demo_has_one_case_in_court():
    from nicat.proceedings.models import CriminalCase
    from nicat.web.demo import build_world

    world = build_world(cases=12, password="Demo-pass-123")
    cc = CriminalCase.objects.system().get()
    assert cc.stage == "in_court"
    officer, worker = world["users"]["police.officer"], world["users"]["ngo.worker"]
    assert policy.can_see_section(officer, cc.case, "investigation")
    assert policy.can_see_section(worker, cc.case, "hearings")
    assert not policy.can_see_section(worker, cc.case, "investigation")
