"""Record rules: the records a role legitimately sees beyond the cases it sees — a supervisor's own
break-glass openings and those they review, the coordinators' duplicate signals — and no one else."""
import datetime

import pytest

from nicat.access import services
from nicat.access.models import BreakGlass
from nicat.accounts.models import Role
from nicat.persons.models import DuplicateSignal, SignalSource
from tests.support.world import make_user

REASON = "Person found injured at the border post; need the emergency contact recorded by the NGO."


@pytest.fixture
def opening(cast):
    sup = make_user("sup", cast.main_department, Role.SUPERVISOR)
    case = cast.open_case()
    return services.open_break_glass(actor=sup, case_reference=case.reference, reason=REASON)


def test_an_opening_is_seen_by_its_opener_and_the_owners_supervisors_only(cast, opening):
    ngo_sup = make_user("ngo.sup", cast.ngo, Role.SUPERVISOR)
    ngo2_sup = make_user("ngo2.sup", cast.ngo2, Role.SUPERVISOR)
    services.end_break_glass(actor=opening.user, opening=opening)  # ended: the case is no longer theirs

    assert BreakGlass.objects.visible_to(opening.user).filter(pk=opening.pk).exists()
    assert BreakGlass.objects.visible_to(ngo_sup).filter(pk=opening.pk).exists()
    assert BreakGlass.objects.visible_to(cast.worker).filter(pk=opening.pk).exists()  # sees the case
    assert not BreakGlass.objects.visible_to(ngo2_sup).filter(pk=opening.pk).exists()
    assert not BreakGlass.objects.visible_to(cast.worker2).filter(pk=opening.pk).exists()
    assert not BreakGlass.objects.visible_to(cast.analyst).filter(pk=opening.pk).exists()


def test_duplicate_signals_are_the_coordinators_alone(cast):
    a = cast.open_case().person
    b = cast.open_case(actor=cast.worker2, person={"given_name": "Ramil", "family_name": "Quliyev",
                                                   "birth_date": datetime.date(1971, 9, 30)}).person
    first, second = (a, b) if a.pk < b.pk else (b, a)
    signal = DuplicateSignal.objects.create(person_a=first, person_b=second, probability=0.9,
                                            source=SignalSource.SCAN)

    assert list(DuplicateSignal.objects.visible_to(cast.officer)) == [signal]
    # the registering institutions' workers see both persons' cases, never the signal
    assert not DuplicateSignal.objects.visible_to(cast.worker).exists()
    assert not DuplicateSignal.objects.visible_to(cast.worker2).exists()
    assert not DuplicateSignal.objects.visible_to(cast.analyst).exists()
