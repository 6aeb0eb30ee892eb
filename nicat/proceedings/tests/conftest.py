import pytest


@pytest.fixture
def police_case(cast):
    """A case of the Main Department (law enforcement), in court: one suspect, one hearing ahead with the
    victim required (by video)."""
    from nicat.proceedings.demo import case_in_court
    from nicat.safety.demo import assess_for_court

    case = cast.open_case(actor=cast.officer)
    cc, perpetrator, hearing = case_in_court(officer=cast.officer, case=case,
                                             investigating_body=cast.main_department, before_appearance=assess_for_court)
    cast.case, cast.cc, cast.perpetrator, cast.hearing = case, cc, perpetrator, hearing
    return cast
