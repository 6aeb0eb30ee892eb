"""The age of majority is a legal parameter (persons.child_age_years, nicat.legal) with its source and the date
from which it applies, not a constant: a new value applies from its date — to the age taken on that day or
later — and not before, in the age rule, the screening (the lists and whether the means are needed), consent,
and the figure the screening page and the hotline's definition state (docs/legal-rules.md)."""
import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from nicat.core.calendar import baku_today
from nicat.hotline import selectors as hotline
from nicat.identification import services as identification
from nicat.legal import services as legal
from nicat.persons.age import age_of
from nicat.persons.tests.test_age_rule import consent_is_refused_as_a_child, person
from tests.support.world import term, verified_login

pytestmark = pytest.mark.django_db

FROM = baku_today() - datetime.timedelta(days=365)  # the new age of majority applies from this day


@pytest.fixture
def majority_21(cast):
    legal.set_parameter(actor=cast.admin, data={
        "code": "persons.child_age_years", "value": "21", "valid_from": FROM,
        "legal_act": "A law raising the age of majority (test)", "source": "test"})


def nineteen_around_the_change():
    """Born so as to be 19 from well before the new value's day to well after it."""
    return FROM.replace(year=FROM.year - 19) - datetime.timedelta(days=180)


def test_the_seeded_age_of_majority_is_18_with_its_source():
    row = legal.in_force("persons.child_age_years", baku_today())
    assert (row.typed_value, row.confirmed) == (18, True) and "958-IIQ" in row.legal_act


def test_a_new_age_of_majority_applies_from_its_date_and_not_before(cast, majority_21):
    p = person(nineteen_around_the_change(), False, None, None)
    before, after = FROM - datetime.timedelta(days=1), FROM
    assert (age_of(p, before).years, age_of(p, after).years) == (19, 19)
    assert not age_of(p, before).is_child and age_of(p, after).is_child
    # consent: the person's own consent is enough before the day, the legal representative's from it
    assert not consent_is_refused_as_a_child(p, before) and consent_is_refused_as_a_child(p, after)


def test_the_screening_judges_the_acts_by_the_age_of_majority_then_in_force(cast, majority_21):
    case = cast.open_case(person={"birth_date": nineteen_around_the_change(),
                                  "citizenships": [term("country", "AZ")]})
    results = {}
    for name, day in (("before", FROM - datetime.timedelta(days=10)), ("after", FROM + datetime.timedelta(days=10))):
        results[name] = identification.preview_screening(actor=cast.worker, case=case,
                                                         data_in={"acts_began_on": day})
    assert results["before"]["age"] == {**results["before"]["age"], "years": 19, "population": "adult"}
    assert results["before"]["legal"]["means_required"] is True
    assert results["after"]["age"] == {**results["after"]["age"], "years": 19, "population": "child"}
    assert results["after"]["legal"]["means_required"] is False  # for a child no means are needed


def test_the_texts_state_the_age_of_majority_in_force(client, cast, majority_21):
    case = cast.open_case(person={"birth_date": datetime.date(1990, 4, 12), "citizenships": [term("country", "AZ")]})
    verified_login(client, cast.worker)
    page = client.get(reverse("identification:screening_new", args=[case.uuid]), HTTP_ACCEPT_LANGUAGE="en")
    assert "for a child (under 21 at the time of the acts) no means is needed" in page.content.decode()
    with translation.override("en"):
        [definition] = {s["definition"] for s in hotline.scripts(user=cast.worker)}
    assert "For a child (under 21) no means are needed" in definition
