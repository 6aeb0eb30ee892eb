"""The one age rule: how old a person is on a given day, and whether they are (presumed) a child.

Every module that treats a child differently asks here — identification (age at the time of the
acts), consent (the legal representative decides for a child), shelter placement and eligibility
(a child is placed only with children) and the status certificate — so one person is a child or
an adult in all of them for the same day. A property test (nicat/persons/tests/test_age_rule.py)
proves they agree for every birth date, estimate and day.

The rule and its sources (docs/legal-rules.md):

* A child is a person under the age of majority — 18 (Palermo Protocol Art. 3(d); Council of Europe
  Convention on Action against Trafficking in Human Beings, Art. 4(d); Law No. 958-IIQ of 28 June 2005).
  The age is a legal parameter (`persons.child_age_years`, nicat.legal) read as in force on the day the
  question is asked about (`child_age(on)`), never a constant.
* Age is counted in whole calendar years on the Baku calendar (nicat.core.calendar).
* When the age is uncertain and there are reasons to believe the person is a child, the person is
  presumed to be a child until the age is established (Convention Art. 10(3), ratified by
  Azerbaijan). In Nicat: no date of birth and no estimate → presumed a child; an age known only as
  an estimate (an estimated date of birth or an estimated age) up to ESTIMATE_MARGIN_YEARS above that age
  → presumed a child, because estimates err. A recorded (not estimated) date of birth establishes
  the age.
* An estimated age was recorded on a day (`age_recorded_on`, else the day the person was
  registered); the age on another day moves by whole calendar years from there — downwards for an
  earlier day, the cautious direction when asking whether the person was a child at the time.
"""
import datetime
from dataclasses import dataclass

from nicat.core.calendar import baku_date, baku_today, years_between
from nicat.legal import services as legal

ESTIMATE_MARGIN_YEARS = 1
MAX_AGE = 130

# Why a person is a child or an adult (codes the identification engine and its messages use).
AGE_UNKNOWN = "age_unknown"
AGE_CHILD = "age_child"
AGE_ESTIMATE_MARGIN = "age_estimate_margin"
AGE_ADULT = "age_adult"


def child_age(on=None):
    """The age of majority in force on `on` (a date or an aware datetime; default today on the Baku calendar):
    a person younger than it is a child. The one road to that figure (legal parameter persons.child_age_years)."""
    return legal.value("persons.child_age_years", on if on is not None else baku_today())


def classify(years, is_estimate=False, *, majority=None):
    """(population, basis) for an age in whole years: ("child" | "adult", one of the AGE_* codes).

    `majority`: the age of majority in force on the day the age is taken (`child_age(day)`); default the one
    in force today. Total: an age that is missing or not a sensible whole number counts as unknown (presumed
    a child)."""
    if not isinstance(years, int) or isinstance(years, bool) or years < 0 or years > MAX_AGE:
        return "child", AGE_UNKNOWN
    majority = child_age() if majority is None else majority
    if years < majority:
        return "child", AGE_CHILD
    if is_estimate and years <= majority + ESTIMATE_MARGIN_YEARS:
        return "child", AGE_ESTIMATE_MARGIN
    return "adult", AGE_ADULT


@dataclass(frozen=True)
class Age:
    """A person's age on a day, and what follows from it."""

    years: int | None  # whole years; None when neither a birth date nor an estimate is recorded
    is_estimate: bool
    on: datetime.date
    population: str  # "child" | "adult"
    basis: str  # AGE_* code

    @property
    def is_child(self):
        """A child, or presumed one until the age is established (Convention Art. 10(3))."""
        return self.population == "child"

    @property
    def is_presumed(self):
        """A child only by presumption: the age is unknown or an estimate near 18."""
        return self.basis in (AGE_UNKNOWN, AGE_ESTIMATE_MARGIN)

    @property
    def known(self):
        return self.years is not None


def years_on(person, day):
    """(whole years on `day`, is_estimate) from the birth date or the estimated age; (None, False) if neither."""
    return years_from(day, person.birth_date, person.birth_date_is_estimate, person.estimated_age,
                      person.age_recorded_on, getattr(person, "created_at", None))


def years_from(day, birth_date, birth_date_is_estimate, estimated_age, age_recorded_on, registered):
    """`years_on` over a person's columns, for a caller that read only those (the CTDC release reads a
    million); `registered`: when the person was registered (an aware datetime, or its Baku date)."""
    if birth_date:
        return years_between(birth_date, day), bool(birth_date_is_estimate)
    if estimated_age is not None:
        base = age_recorded_on or baku_date(registered) or day
        return estimated_age + years_between(base, day), True
    return None, False


def age_of(person, on=None):
    """The person's `Age` on `on` (a date or an aware datetime; default today on the Baku calendar)."""
    day = baku_date(on) if on is not None else baku_today()
    years, estimate = years_on(person, day)
    population, basis = classify(years, estimate, majority=child_age(day))
    return Age(years=years if basis != AGE_UNKNOWN else None, is_estimate=estimate, on=day,
               population=population, basis=basis)


def is_child(person, on=None):
    """A child (or presumed one) on `on` — today on the Baku calendar by default."""
    return age_of(person, on).is_child
