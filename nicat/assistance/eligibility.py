"""Who may receive which protection and service: the ONE place these answers are made.

The law (the seed): a victim of any nationality, or of none, receives protection and assistance
equal to those of Azerbaijan. So no function here reads the person's nationality, and the facts they rest
on (`Facts`) do not even carry it: a test changes only the nationality of a person and proves
every answer unchanged, and another test reads this file's source to prove it never looks.

Every service of the assistance app asks here before it acts, so a refusal always has the same
reason, worded for a case worker.
"""
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from nicat.cases.models import CLOSED_STATUSES, TraffickingStatus
from nicat.persons.age import age_of


@dataclass(frozen=True)
class Facts:
    """What eligibility may depend on. Deliberately nothing about nationality."""

    trafficking_status: str
    case_closed: bool
    age: int | None
    is_child: bool  # by the one age rule (nicat.persons.age): unknown or borderline estimated ages presume a child


@dataclass(frozen=True)
class Answer:
    allowed: bool
    reason: str = ""

    def __bool__(self):
        return self.allowed


YES = Answer(True)


def facts_of(case) -> Facts:
    age = age_of(case.person)  # today, on the Baku calendar
    return Facts(trafficking_status=case.trafficking_status, case_closed=case.status in CLOSED_STATUSES,
                 age=age.years, is_child=age.is_child)


def _open(facts):
    if facts.case_closed:
        return Answer(False, str(_("The case is closed. Reopen it before recording new assistance.")))
    if facts.trafficking_status == TraffickingStatus.NOT_A_VICTIM:
        return Answer(False, str(_("The Main Department decided that this person is not a victim of trafficking; "
                                   "assistance as a victim is not available. Refer the person to general social "
                                   "services.")))
    return YES


def _recognised(facts):
    if facts.trafficking_status != TraffickingStatus.ACTUAL:
        return Answer(False, str(_("The person is not officially recognised as a victim of trafficking (the "
                                   "decision of the Main Department is missing). Only officially recognised "
                                   "victims receive it; ask the Main Department for the identification "
                                   "decision.")))
    return YES


def shelter_admission(case) -> Answer:
    """Presumed and recognised victims may stay in a shelter (protection starts before recognition)."""
    return _open(facts_of(case))


def rehabilitation_plan(case) -> Answer:
    return _open(facts_of(case))


def services(case) -> Answer:
    """Free specialised services: for presumed and recognised victims alike."""
    return _open(facts_of(case))


def allowance(case) -> Answer:
    """The state allowance: officially recognised victims only, during reintegration."""
    facts = facts_of(case)
    answer = _open(facts)
    if not answer:
        return answer
    return _recognised(facts)


def compensation_claim(case) -> Answer:
    """A claim for compensation in criminal proceedings needs official recognition."""
    facts = facts_of(case)
    if facts.trafficking_status == TraffickingStatus.NOT_A_VICTIM:
        return _open(facts)
    return _recognised(facts)


def residence_and_return_support(case) -> Answer:
    """Help with residence, documents, return and reunification: for presumed and recognised victims."""
    return _open(facts_of(case))


def placement_group_required(case):
    """The group a person must be placed in by age: "children" for a child — or a person presumed one while
    the age is unknown or an estimate near 18 (Council of Europe Convention Art. 10(3)) —, None for an adult
    (any adult group)."""
    return "children" if facts_of(case).is_child else None


ALL = {
    "shelter_admission": shelter_admission,
    "rehabilitation_plan": rehabilitation_plan,
    "services": services,
    "allowance": allowance,
    "compensation_claim": compensation_claim,
    "residence_and_return_support": residence_and_return_support,
}


def all_answers(case):
    """Every eligibility answer for a case (used by the equal-treatment test and the case page)."""
    answers = {name: fn(case) for name, fn in ALL.items()}
    answers["placement_group_required"] = placement_group_required(case)
    return answers
