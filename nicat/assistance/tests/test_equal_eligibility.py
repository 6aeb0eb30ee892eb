"""Foreigners and stateless persons are protected and assisted equally with citizens (the seed; law).

A property-based test changes ONLY the person's citizenship — to another state, to several, to
none recorded, to stateless (XXA) — and proves every eligibility answer unchanged, for any
combination of the facts eligibility may depend on. A second test proves the eligibility module
never even reads citizenship, and a third runs the real services for a citizen, a foreigner and a
stateless person side by side.
"""
import datetime
import inspect

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nicat.assistance import eligibility
from nicat.cases.models import Case
from nicat.core.calendar import baku_today
from nicat.legal.rules import reflection_period_end
from nicat.persons.models import Person
from nicat.vocab.models import Term

COUNTRIES = ["AZ", "RU", "UZ", "UA", "TR", "AE", "IR", "GE", "XXA"]
citizenship_sets = st.lists(st.sampled_from(COUNTRIES), max_size=3, unique=True)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(trafficking_status=st.sampled_from(["PossibleVictimOfTrafficking", "ActualVictimOfTrafficking",
                                           "NotAVictimOfTrafficking"]),
       status=st.sampled_from(["Active", "FollowUp", "Closed", "ClosedReferred"]),
       age=st.one_of(st.none(), st.integers(min_value=0, max_value=90)),
       before=citizenship_sets, after=citizenship_sets)
def test_changing_only_citizenship_never_changes_any_eligibility_answer(cast, trafficking_status, status, age,
                                                                       before, after):
    case = _the_case(cast)
    Case.objects.system().filter(pk=case.pk).update(trafficking_status=trafficking_status, status=status,
                                                    closure_reason="Other" if status.startswith("Closed") else "")
    birth = None if age is None else baku_today() - datetime.timedelta(days=int(365.25 * age) + 10)
    Person.objects.system().filter(pk=case.person_id).update(birth_date=birth, estimated_age=None)

    answers_before = _answers_with_citizenship(case, before)
    answers_after = _answers_with_citizenship(case, after)
    assert answers_before == answers_after, (before, after)


def _the_case(cast):
    if not hasattr(cast, "_eligibility_case"):
        cast._eligibility_case = cast.open_case()
    return cast._eligibility_case


def _answers_with_citizenship(case, codes):
    person = Person.objects.system().get(pk=case.person_id)
    person.citizenships.set(Term.objects.filter(vocabulary="country", code__in=codes))
    fresh = Case.objects.system().select_related("person").get(pk=case.pk)
    assert sorted(t.code for t in fresh.person.citizenships.all()) == sorted(codes)
    return eligibility.all_answers(fresh)


def test_the_eligibility_module_never_reads_citizenship():
    source = inspect.getsource(eligibility).lower()
    for word in ("citizenship", "stateless", "xxa", "country"):
        assert word not in source, word
    assert "citizenships" not in {f.name for f in eligibility.Facts.__dataclass_fields__.values()}


@pytest.mark.parametrize("codes", [["AZ"], ["UZ"], ["XXA"], [], ["RU", "UA"]])
def test_services_treat_citizens_foreigners_and_stateless_persons_alike(world, codes):
    """The same journey gives the same results whatever the citizenship."""
    from nicat.assistance import services

    case = world.recognise(world.adult(citizenships=list(Term.objects.filter(vocabulary="country",
                                                                              code__in=codes))))
    world.refer_to_shelter(case)
    assert services.admit(actor=world.manager, facility=world.shelter, case=case, group="women")
    plan = services.create_plan(actor=world.cast.worker, case=case)
    services.add_goal(actor=world.cast.worker, plan=plan, area="legal", description="Lawyer for the trial",
                      responsible_institution=world.cast.ngo)
    world.consent(case, "service", service="legal")
    services.record_agreement(actor=world.cast.worker, plan=plan, expected_version=plan.version)
    payment = services.pay_allowance(actor=world.cast.worker, case=case, kind="one_time",
                                     paid_on=datetime.date(2024, 9, 1), source="state_budget")
    assert str(payment.amount) == "700.00"
    permit = services.open_residence_permit(actor=world.cast.worker, case=case)
    assert permit.reflection_period_ends == reflection_period_end(case.first_contact_at)
