"""Every release row carries the year, age bands and majority statuses that the one age rule
(nicat.persons.age) gives for that case, whatever shortcut registry_rows() takes to read a million
cases: recorded, estimated and unknown birth dates, estimated ages (with and without the day they were
recorded), erased persons, first contacts at the turn of a year in Baku, several exploitation events."""
import datetime

import pytest

from nicat.cases.models import Case, EventKind, TraffickingEvent
from nicat.core.calendar import baku_date
from nicat.persons.age import years_on
from nicat.persons.erasure import erase_person
from nicat.statistics.release import registry_rows
from tests.support.world import term

UTC = datetime.timezone.utc
# CTDC's age bands, written out here independently of the code under test.
BANDS = [(0, 8, "0--8"), (9, 17, "9--17"), (18, 20, "18--20"), (21, 23, "21--23"), (24, 26, "24--26"),
         (27, 29, "27--29"), (30, 38, "30--38"), (39, 47, "39--47"), (48, 200, "48+")]


def band(age):
    return "-99" if age is None else next(label for low, high, label in BANDS if low <= age <= high)


def majority(age):
    return "-99" if age is None else ("Minor" if age < 18 else "Adult")


PEOPLE = [
    {"birth_date": datetime.date(2000, 1, 1)},
    {"birth_date": datetime.date(2008, 2, 29)},
    {"birth_date": datetime.date(1990, 12, 31), "birth_date_is_estimate": True},
    {"birth_date": datetime.date(2007, 6, 15)},
    {"estimated_age": 16, "age_recorded_on": datetime.date(2019, 3, 1)},
    {"estimated_age": 30},
    {"birth_date": None, "estimated_age": None},
]
CONTACTS = [
    datetime.datetime(2023, 12, 31, 20, 30, tzinfo=UTC),  # 1 January 2024, 00:30 in Baku
    datetime.datetime(2023, 12, 31, 19, 30, tzinfo=UTC),  # still 31 December in Baku
    datetime.datetime(2024, 2, 28, 21, 0, tzinfo=UTC),  # 29 February in Baku
    datetime.datetime(2010, 6, 14, 12, 0, tzinfo=UTC),  # before 2016: Baku kept summer time
    datetime.datetime(2025, 6, 15, 3, 0, tzinfo=UTC),
]


def _world(cast):
    cases = []
    for i, contact in enumerate(CONTACTS * 3):
        person = {"given_name": f"Secretname{i}", **PEOPLE[i % len(PEOPLE)]}
        case = cast.open_case(first_contact_at=contact, person=person)
        if i % 4 == 0:
            case.person.gender = term("gender", "feminine")
            case.person.save()
            case.person.citizenships.add(term("country", "AZ"), term("country", "TR"))
        if i % 3 == 0:
            for day in (datetime.date(2012 + i % 5, 1 + i % 12, 1), datetime.date(2011 + i % 7, 6, 30), None):
                TraffickingEvent.objects.system().create(case=case, kind=EventKind.EXPLOITATION, date_from=day)
        if i % 5 == 1:
            TraffickingEvent.objects.system().create(case=case, kind=EventKind.RECRUITMENT,
                                                    date_from=datetime.date(2001, 1, 1))
        if i % 7 == 2:
            case.exploitation_forms.add(term("exploitation", "sexual_exploitation"), term("exploitation", "forced_labour"))
        cases.append(case)
    erase_person(actor=None, person=cases[3].person, basis="retention")
    erase_person(actor=None, person=cases[4].person, basis="request")
    return cases


def _expected(case):
    from nicat.persons.models import Person

    person = Person.objects.system().get(pk=case.person_id)  # decrypted by the model, the ordinary way
    contact = baku_date(case.first_contact_at)
    starts = [e.date_from for e in TraffickingEvent.objects.system().filter(case=case, kind=EventKind.EXPLOITATION)
              if e.date_from]
    age = years_on(person, contact)[0]
    at_exploit = years_on(person, min(starts))[0] if starts else None
    return {"yearOfRegistration": str(contact.year), "ageBroad": band(age), "majorityStatus": majority(age),
            "majorityStatusAtExploit": majority(at_exploit)}


@pytest.mark.django_db
def test_release_rows_follow_the_age_rule_for_every_kind_of_birth_date(cast):
    cases = _world(cast)
    rows = list(registry_rows(batch=4))  # several batches
    assert len(rows) == len(cases)
    ordered = sorted(cases, key=lambda c: c.pk)
    for case, row in zip(ordered, rows, strict=True):
        assert {c: row[c] for c in ("yearOfRegistration", "ageBroad", "majorityStatus",
                                    "majorityStatusAtExploit")} == _expected(case), case.pk
    bands = {row["ageBroad"] for row in rows}
    assert {"-99", "9--17", "18--20", "21--23"} <= bands  # the world does reach the cases it is about
    assert {row["majorityStatusAtExploit"] for row in rows} >= {"Minor", "Adult", "-99"}
    assert {row["yearOfRegistration"] for row in rows} >= {"2023", "2024", "2010", "2025"}


@pytest.mark.django_db
def test_release_rows_are_the_same_whatever_the_batch(cast):
    _world(cast)
    whole = [dict(r) for r in registry_rows()]
    assert [dict(r) for r in registry_rows(batch=1)] == whole
    assert [dict(r) for r in registry_rows(batch=7)] == whole
    assert Case.objects.system().count() == len(whole)


@pytest.mark.django_db
def test_no_birth_date_in_a_release_row(cast):
    _world(cast)
    text = repr([dict(r) for r in registry_rows()])
    assert "2000-01-01" not in text and "Secretname" not in text
