"""Protected models have no unscoped query, and scoping follows the owner institution."""
import pytest

from nicat.access.scoping import UnscopedQuery
from nicat.cases.models import Case, CaseNote, TraffickingEvent
from nicat.persons.models import Person


@pytest.mark.parametrize("model", [Case, Person, CaseNote, TraffickingEvent])
def test_default_manager_refuses_an_unscoped_query(model, db):
    with pytest.raises(UnscopedQuery):
        list(model.objects.all())
    with pytest.raises(UnscopedQuery):
        model.objects.filter(pk=1)


def test_visible_to_follows_owner_institution(cast):
    mine = cast.open_case()
    theirs = cast.open_case(actor=cast.worker2)
    assert list(Case.objects.visible_to(cast.worker)) == [mine]
    assert list(Case.objects.visible_to(cast.worker2)) == [theirs]
    assert list(Person.objects.visible_to(cast.worker)) == [mine.person]


@pytest.mark.parametrize("who", ["analyst", "admin", None])
def test_analysts_administrators_and_anonymous_see_nothing(cast, who):
    from django.contrib.auth.models import AnonymousUser

    cast.open_case()
    user = getattr(cast, who) if who else AnonymousUser()
    assert Case.objects.visible_to(user).count() == 0
    assert Person.objects.visible_to(user).count() == 0


def test_inactive_membership_loses_access(cast):
    case = cast.open_case()
    cast.worker.memberships.update(active=False)
    from nicat.accounts.models import User

    fresh = User.objects.get(pk=cast.worker.pk)
    assert not Case.objects.visible_to(fresh).filter(pk=case.pk).exists()


def test_services_refuse_a_case_outside_scope(cast):
    from nicat.cases.services import add_note, update_case
    from nicat.core.errors import NotAllowed

    theirs = cast.open_case(actor=cast.worker2)
    with pytest.raises(NotAllowed):
        add_note(actor=cast.worker, case=theirs, text="snooping")
    with pytest.raises(NotAllowed):
        update_case(actor=cast.worker, case=theirs, data={"status": "FollowUp"}, expected_version=theirs.version)
