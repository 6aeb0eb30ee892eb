"""The authority predicates, asked by cases, identification, persons, access and statistics alike."""
from nicat.access import predicates
from nicat.accounts.models import Role
from tests.support.world import make_institution, make_user


def test_authority_follows_role_and_the_competent_authority(cast):
    supervisor = make_user("main.supervisor", cast.main_department, Role.SUPERVISOR)
    police = make_institution("police", "law_enforcement")
    officer_elsewhere = make_user("police.officer", police, Role.IDENTIFICATION_OFFICER)
    assert predicates.deciding_institution(cast.officer) == cast.main_department
    assert predicates.may_decide_status(cast.officer) and predicates.is_coordinator(cast.officer)
    assert not predicates.is_competent_supervisor(cast.officer)
    assert predicates.is_coordinator(supervisor) and predicates.is_competent_supervisor(supervisor)
    assert not predicates.may_decide_status(supervisor)
    for nobody in (cast.worker, cast.analyst, officer_elsewhere):  # wrong role, or not the competent authority
        assert not predicates.may_decide_status(nobody) and not predicates.is_coordinator(nobody)
        assert predicates.deciding_institution(nobody) is None
