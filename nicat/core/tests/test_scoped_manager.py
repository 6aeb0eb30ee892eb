"""The scoped manager's narrow doors: `of(parent)` reaches one parent's records, `row(obj)` one row,
`create` reads nothing; the whole table only through `system()`, and a query naming no actor fails."""
import pytest

from nicat.cases.models import Case, CaseNote
from nicat.core.models import UnscopedQuery
from nicat.persons.models import DuplicateSignal


@pytest.fixture
def two_cases(cast):
    mine = cast.open_case()
    theirs = cast.open_case(actor=cast.worker2, person={"given_name": "Leyla"})
    return mine, theirs


def test_of_reaches_only_the_given_cases_records(cast, two_cases):
    mine, theirs = two_cases
    CaseNote.objects.create(case=mine, text="mine", author=cast.worker, author_institution=cast.ngo)
    CaseNote.objects.create(case=theirs, text="theirs", author=cast.worker2, author_institution=cast.ngo2)

    assert [n.text for n in CaseNote.objects.of(mine)] == ["mine"]
    assert [n.text for n in CaseNote.objects.of(theirs)] == ["theirs"]
    # The records of a case the worker cannot see are not visible through the policy.
    assert not CaseNote.objects.visible_to(cast.worker).filter(case=theirs).exists()


def test_of_refuses_what_is_not_a_saved_record(cast):
    with pytest.raises(UnscopedQuery):
        CaseNote.objects.of(None)
    with pytest.raises(UnscopedQuery):
        CaseNote.objects.of(Case())
    with pytest.raises(UnscopedQuery):
        CaseNote.objects.of(42)


def test_row_is_that_one_row(cast, two_cases):
    mine, theirs = two_cases
    assert list(Case.objects.row(mine)) == [mine]
    with pytest.raises(UnscopedQuery):
        Case.objects.row(CaseNote(case=mine))


def test_of_asks_which_field_when_two_point_at_the_parent(cast, two_cases):
    mine, theirs = two_cases
    # A duplicate signal names two persons: `of` will not guess which of its fields is meant.
    with pytest.raises(UnscopedQuery):
        DuplicateSignal.objects.of(mine.person)
    named = DuplicateSignal.objects.of(mine.person, via="person_a")
    assert {s.person_a_id for s in named} <= {mine.person_id}


def test_a_query_naming_no_actor_still_fails(cast):
    with pytest.raises(UnscopedQuery):
        list(CaseNote.objects.all())
    with pytest.raises(UnscopedQuery):
        CaseNote.objects.filter(text="x")


def test_of_many_reaches_only_the_given_parents_records(cast, two_cases):
    mine, theirs = two_cases
    other = cast.open_case(person={"given_name": "Nigar"})
    for case, text in ((mine, "mine"), (theirs, "theirs"), (other, "other")):
        CaseNote.objects.create(case=case, text=text, author=case.created_by, author_institution=case.owner_institution)
    assert sorted(n.text for n in CaseNote.objects.of_many([mine, other])) == ["mine", "other"]
    assert list(CaseNote.objects.of_many([])) == []
    with pytest.raises(UnscopedQuery):
        CaseNote.objects.of_many([mine, Case()])
    with pytest.raises(UnscopedQuery):
        CaseNote.objects.of_many([mine, mine.person])
    with pytest.raises(UnscopedQuery):
        CaseNote.objects.of_many([mine, 42])
