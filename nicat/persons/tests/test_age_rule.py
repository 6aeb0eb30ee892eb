"""One age rule (nicat.persons.age): the same person is a child or an adult in identification, consent,
placement, eligibility and the certificate, for every birth date, estimate and day — on the Baku calendar,
with unknown or borderline estimated ages presumed a child (Council of Europe Convention Art. 10(3))."""
import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nicat.assistance import eligibility
from nicat.consent.services import validate_consent_data
from nicat.core.calendar import baku_today
from nicat.identification import engine
from nicat.identification import services as identification
from nicat.persons.age import age_of, classify
from nicat.persons.models import Person

# The age of majority is a legal parameter read from the database (nicat.legal), as in force on the day.
pytestmark = pytest.mark.django_db

TODAY = baku_today()
BIRTHS = st.one_of(st.none(), st.dates(min_value=TODAY - datetime.timedelta(days=365 * 90), max_value=TODAY))
ESTIMATES = st.one_of(st.none(), st.integers(min_value=0, max_value=90))
DAYS = st.dates(min_value=TODAY - datetime.timedelta(days=365 * 40), max_value=TODAY)


def person(birth, birth_is_estimate, estimate, recorded):
    return Person(birth_date=birth, birth_date_is_estimate=bool(birth and birth_is_estimate),
                  estimated_age=None if birth else estimate, age_recorded_on=None if birth else recorded)


def case_of(p):
    return SimpleNamespace(person=p, trafficking_status="PossibleVictimOfTrafficking", status="Active")


def consent_is_refused_as_a_child(p, day):
    """Does consent refuse the person's own consent on `day` because they are (presumed) a child?"""
    given_at = datetime.datetime.combine(day, datetime.time(12), tzinfo=ZoneInfo("Asia/Baku"))
    try:
        validate_consent_data({"purpose": "data_processing", "decision": "given", "method": "oral",
                               "given_by": "person", "given_at": given_at}, case=case_of(p))
    except ValidationError as error:
        return "given_by" in error.message_dict
    return False


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(birth=BIRTHS, birth_is_estimate=st.booleans(), estimate=ESTIMATES, recorded=DAYS, acts=DAYS)
def test_every_module_agrees_who_is_a_child(birth, birth_is_estimate, estimate, recorded, acts):
    p = person(birth, birth_is_estimate, estimate, recorded)
    # At the time of the acts: identification (its age and the engine's lists) = the rule.
    at_acts = age_of(p, acts)
    age = identification.age_at_acts(case_of(p), acts)
    population, _basis, _conflict = engine._population(
        engine.Answers(age_at_acts=age.years, age_is_estimate=age.is_estimate), None)
    assert (population == "child") == at_acts.is_child
    assert engine.evaluate(engine.Answers(age_at_acts=age.years, age_is_estimate=age.is_estimate))[
        "age"]["population"] == at_acts.population
    assert identification.is_presumed_child(p, acts) == at_acts.is_child
    # Today: consent, placement, eligibility, the certificate's child paragraph, the person's own property.
    now = age_of(p)
    assert p.is_child == now.is_child
    assert (eligibility.placement_group_required(case_of(p)) == "children") == now.is_child
    assert eligibility.facts_of(case_of(p)).is_child == now.is_child
    assert identification.is_presumed_child(p) == now.is_child  # the certificate's `child`
    assert consent_is_refused_as_a_child(p, TODAY) == now.is_child


@pytest.mark.parametrize("years, estimate, expected", [
    (None, False, ("child", "age_unknown")), (17, False, ("child", "age_child")), (18, False, ("adult", "age_adult")),
    (18, True, ("child", "age_estimate_margin")), (19, True, ("child", "age_estimate_margin")),
    (20, True, ("adult", "age_adult")), (-1, False, ("child", "age_unknown")), (True, False, ("child", "age_unknown")),
])
def test_the_rule(years, estimate, expected):
    assert classify(years, estimate) == expected


def test_unknown_age_is_presumed_a_child_everywhere():
    p = person(None, False, None, None)
    assert age_of(p).is_child and age_of(p).is_presumed and p.is_child
    assert eligibility.placement_group_required(case_of(p)) == "children"  # used to raise "age unknown"
    assert consent_is_refused_as_a_child(p, TODAY)  # used to treat unknown age as an adult


def test_today_is_the_baku_date_not_the_servers(monkeypatch):
    """21:30 UTC on 9 March is already 10 March in Baku (UTC+4): born 10 March 2008, the person is 18 there."""
    from django.utils import timezone

    moment = datetime.datetime(2026, 3, 9, 21, 30, tzinfo=datetime.timezone.utc)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    p = person(datetime.date(2008, 3, 10), False, None, None)
    assert baku_today() == datetime.date(2026, 3, 10)
    assert p.age_on() == 18 and not p.is_child
    assert p.age_on(datetime.date(2026, 3, 9)) == 17


def test_an_estimated_age_moves_by_calendar_years_from_the_day_it_was_recorded():
    p = person(None, False, 16, datetime.date(2024, 6, 1))
    assert age_of(p, datetime.date(2026, 6, 1)).years == 18
    assert age_of(p, datetime.date(2026, 5, 31)).years == 17
    assert age_of(p, datetime.date(2023, 6, 1)).years == 15  # earlier: younger, the cautious direction


@pytest.mark.django_db
def test_the_certificate_prints_the_child_paragraph_by_the_rule(cast, monkeypatch):
    from nicat.identification import certificate

    seen = {}
    monkeypatch.setattr(certificate, "render_certificate", lambda **kw: seen.update(kw) or b"%PDF")
    from nicat.cases.models import Case

    case = cast.open_case(actor=cast.officer, person={"birth_date": None, "estimated_age": 19})  # near 18
    identification.record_decision(actor=cast.officer, case=case, expected_version=case.version, decision={
        "outcome": "recognised", "documents": [{"title": "Inquiry report", "reference": "MD-1"}]})
    identification.certificate_pdf(actor=cast.officer, case=Case.objects.system().get(pk=case.pk))
    assert seen["child"] is True and age_of(case.person).is_presumed
