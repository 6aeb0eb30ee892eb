"""The coordinator's duplicate-review pages show the names (and on the comparison page the birth dates,
documents and phone numbers) of the persons they concern. Each such read is in the trail of the persons and
of their cases (eighth review, law 3): "who accessed this record" and the person's subject-access report name
the coordinator who read them."""
import pytest
from django.urls import reverse

from nicat.accounts.models import Role
from nicat.audit.models import AuditEvent
from nicat.audit.selectors import case_accessors, person_trail
from nicat.persons import services
from nicat.persons.models import DuplicateSignal
from tests.support.world import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(cast, aysel):
    other = cast.open_case(actor=cast.worker2, person={"given_name": "Айсель", "family_name": "Мамедова",
                                                       "birth_date": aysel.person.birth_date})
    return aysel, other, DuplicateSignal.objects.system().get()


@pytest.fixture
def second_coordinator(cast):
    return make_user("md.second", cast.main_department, Role.IDENTIFICATION_OFFICER)


def _named_in_trails(user, *cases):
    for case in cases:
        assert user.username in {row["actor_username"] for row in case_accessors(case=case)}, case.reference
        assert person_trail(person=case.person).filter(actor=user).exists(), case.reference


def test_the_list_of_merges_that_shows_both_names_is_in_the_persons_trails(cast, pair, login, second_coordinator):
    kept_case, moved_case, signal = pair
    services.merge_persons(actor=cast.officer, survivor=kept_case.person, merged=moved_case.person,
                           reason="Same passport photo", signal=signal, expected_version=signal.version)
    client = login(second_coordinator)
    before = AuditEvent.objects.count()
    page = client.get(reverse("persons:merges"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Aysel" in text and "Айсель" in text  # both names are read on this page
    assert AuditEvent.objects.count() > before, "the list of merges shows names without any audit event"
    kept_case.person.refresh_from_db()
    _named_in_trails(second_coordinator, kept_case, moved_case)



def test_comparing_a_pair_is_in_the_trails_of_both_persons(cast, pair, login, second_coordinator):
    kept_case, moved_case, signal = pair
    page = login(second_coordinator).get(reverse("persons:duplicate", args=[signal.uuid]))
    assert page.status_code == 200
    assert "AA 1234567" in page.content.decode()  # the documents are read on this page
    _named_in_trails(second_coordinator, kept_case, moved_case)
