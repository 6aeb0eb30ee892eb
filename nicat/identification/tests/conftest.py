import datetime

import pytest
from django.utils import timezone

from tests.support.world import term


@pytest.fixture
def child_case(cast):
    """A 15-year-old girl (born 10 years after the adult below) met an hour ago."""
    born = timezone.localdate() - datetime.timedelta(days=15 * 365 + 30)
    return cast.open_case(person={"birth_date": born, "citizenships": [term("country", "AZ")]})


@pytest.fixture
def adult_case(cast):
    born = timezone.localdate() - datetime.timedelta(days=30 * 365)
    return cast.open_case(person={"birth_date": born, "citizenships": [term("country", "AZ")]})


@pytest.fixture
def foreign_case(cast):
    """A foreign adult first met 60 days ago."""
    born = timezone.localdate() - datetime.timedelta(days=25 * 365)
    return cast.open_case(person={"birth_date": born, "citizenships": [term("country", "UZ")]},
                          first_contact_at=timezone.now() - datetime.timedelta(days=60))


def terms(vocabulary, *codes):
    return [term(vocabulary, c) for c in codes]
