"""Worked examples from the indicator literature and the legal definition, run through the engine.

No database: the engine is a pure function of the answers and the versioned data."""
import pytest

from nicat.identification import engine
from nicat.identification.engine import Answers

# The age of majority is a legal parameter read from the database (nicat.legal), as in force on the day.
pytestmark = pytest.mark.django_db

Y = engine.YES


def answers(**kw):
    for key in ("acts", "means", "purposes"):
        kw[key] = frozenset(kw.get(key, ()))
    kw.setdefault("facts", {"acts": "x", "means": "x", "purposes": "x"})
    return Answers(**kw)


def elements(result):
    return {e["code"]: e for e in result["elements"]}


def test_adult_deceived_into_forced_labour_is_indicated():
    """A man promised construction work abroad at a good wage; on arrival his passport is taken, he works
    16 hours a day for no pay to repay a 'travel debt'."""
    result = engine.evaluate(answers(
        age_at_acts=34, acts={"recruitment", "transporting"}, means={"deception"}, purposes={"forced_labour"},
        indicators={"deceptive_recruitment.job_nature": Y, "deceptive_recruitment.wages": Y,
                    "exploitative_conditions.excessive_hours": Y, "exploitative_conditions.low_pay": Y,
                    "coercion_at_destination.documents": Y, "coercion_at_destination.debt_bondage": Y}))
    assert result["list"] == "adult_labour"
    assert result["legal"]["met"] and result["profile"]["met"] and result["indicated"]
    assert result["next_step"] == engine.REFER_IDENTIFICATION
    met = {code for code, e in elements(result).items() if e["met"]}
    assert met == {"deceptive_recruitment", "exploitative_conditions", "coercion_at_destination"}


def test_child_recruited_without_any_means_into_sexual_exploitation_is_indicated():
    """A 15-year-old girl recruited by a neighbour, without force or deceit, and made to see clients."""
    result = engine.evaluate(answers(
        age_at_acts=15, acts={"recruitment", "harbouring"}, means=set(), purposes={"sexual_exploitation"},
        indicators={"coercion_at_destination.forced_tasks": Y, "exploitative_conditions.hazardous": Y}))
    assert result["age"]["population"] == "child" and result["list"] == "child_sexual"
    assert result["legal"]["means_required"] is False
    assert result["legal"]["met"] and result["indicated"]
    assert result["next_step"] == engine.REFER_IDENTIFICATION
    assert not any(m["code"] == "missing_means" for m in result["missing"])


def test_child_profile_needs_no_recruitment_element():
    result = engine.evaluate(answers(age_at_acts=12, indicators={
        "exploitative_conditions.excessive_hours": Y, "exploitative_conditions.no_education": Y}))
    assert result["list"] == "child_labour"
    assert result["profile"]["met"] and result["next_step"] == engine.REFER_IDENTIFICATION


def test_adult_with_no_means_is_not_indicated():
    """An adult who took a badly paid, long-hours job knowing its terms: exploitation, but no means."""
    result = engine.evaluate(answers(
        age_at_acts=29, acts={"recruitment"}, purposes={"forced_labour"},
        indicators={"exploitative_conditions.excessive_hours": Y, "exploitative_conditions.low_pay": Y}))
    assert result["legal"]["met"] is False and result["profile"]["met"] is False
    assert result["indicated"] is False
    assert result["next_step"] == engine.REFER_ASSISTANCE
    codes = {m["code"] for m in result["missing"]}
    assert {"missing_means", "profile_missing_recruitment"} <= codes


def test_adult_consent_obtained_by_deception_does_not_count():
    result = engine.evaluate(answers(age_at_acts=22, acts={"recruitment"}, means={"deception"},
                                     purposes={"sexual_exploitation"}, consent_reported=True))
    assert result["indicated"]
    assert any(r["code"] == "consent_irrelevant_means" for r in result["reasons"])


def test_child_consent_does_not_count():
    result = engine.evaluate(answers(age_at_acts=16, acts={"recruitment"}, purposes={"forced_labour"},
                                     consent_reported=True))
    assert result["indicated"]
    assert any(r["code"] == "consent_irrelevant_child" for r in result["reasons"])


def test_adult_consent_without_means_is_explained_not_decisive():
    with_consent = engine.evaluate(answers(age_at_acts=40, acts={"recruitment"}, purposes={"forced_labour"},
                                           consent_reported=True))
    without = engine.evaluate(answers(age_at_acts=40, acts={"recruitment"}, purposes={"forced_labour"}))
    assert with_consent["next_step"] == without["next_step"] == engine.REFER_ASSISTANCE
    assert any(r["code"] == "consent_adult_no_means" for r in with_consent["reasons"])


def test_intercepted_before_exploitation_legal_definition_suffices():
    """Deceived and transported, stopped at the border before any exploitation: the purpose suffices."""
    result = engine.evaluate(answers(age_at_acts=19, acts={"transporting"}, means={"deception", "fraud"},
                                     purposes={"sexual_exploitation"},
                                     indicators={"deceptive_recruitment.job_nature": Y,
                                                 "deceptive_recruitment.travel": Y}))
    assert result["legal"]["met"] and not result["profile"]["met"]
    assert result["next_step"] == engine.REFER_IDENTIFICATION
    assert any(m["code"] == "profile_missing_destination" for m in result["missing"])


def test_nothing_recorded_is_no_indication():
    result = engine.evaluate(answers(age_at_acts=30, facts={}))
    assert result["next_step"] == engine.NO_INDICATION and not result["indicated"]


@pytest.mark.parametrize("indicators,met", [
    ({"coercion_at_destination.documents": Y, "coercion_at_destination.violence": Y}, True),  # 2 strong
    ({"coercion_at_destination.documents": Y, "coercion_at_destination.withholding_wages": Y}, True),  # S + M
    ({"coercion_at_destination.documents": Y, "coercion_at_destination.threat_exposure": Y}, True),  # S + W
    ({"coercion_at_destination.threats_violence": Y, "coercion_at_destination.act_against_peers": Y,
      "coercion_at_destination.withholding_wages": Y}, True),  # 3 medium
    ({"coercion_at_destination.threats_violence": Y, "coercion_at_destination.withholding_wages": Y,
      "coercion_at_destination.threat_exposure": Y}, True),  # 2 medium + 1 weak
    ({"coercion_at_destination.documents": Y}, False),  # 1 strong alone
    ({"coercion_at_destination.threats_violence": Y, "coercion_at_destination.withholding_wages": Y}, False),
    ({"coercion_at_destination.threats_violence": Y, "coercion_at_destination.threat_exposure": Y}, False),
])
def test_element_rule_of_the_brochure(indicators, met):
    result = engine.evaluate(answers(age_at_acts=30, indicators=indicators))
    assert elements(result)["coercion_at_destination"]["met"] is met


def test_same_indicators_weigh_differently_for_a_child():
    """Threats of violence are medium for adults, strong for children."""
    given = {"coercion_at_destination.threats_violence": Y, "coercion_at_destination.withholding_wages": Y}
    assert not elements(engine.evaluate(answers(age_at_acts=30, indicators=given)))["coercion_at_destination"]["met"]
    assert elements(engine.evaluate(answers(age_at_acts=14, indicators=given)))["coercion_at_destination"]["met"]


def test_unknown_age_is_treated_as_a_child():
    result = engine.evaluate(answers(age_at_acts=None, acts={"recruitment"}, purposes={"forced_labour"}))
    assert result["age"]["population"] == "child" and result["age"]["basis"] == "age_unknown"
    assert result["indicated"]
    assert any(m["code"] == "missing_age" for m in result["missing"])


def test_estimated_age_just_over_18_is_treated_as_a_child():
    result = engine.evaluate(answers(age_at_acts=19, age_is_estimate=True))
    assert result["age"]["population"] == "child" and result["age"]["basis"] == "age_estimate_margin"
    result = engine.evaluate(answers(age_at_acts=19, age_is_estimate=False))
    assert result["age"]["population"] == "adult"


def test_chosen_adult_lists_for_a_child_are_not_used():
    result = engine.evaluate(answers(age_at_acts=15, population="adult"))
    assert result["age"]["population"] == "child" and result["list"].startswith("child")
    assert result["conflicts"][0]["code"] == "population_conflict"


def test_answers_outside_the_list_are_ignored_and_reported():
    result = engine.evaluate(answers(age_at_acts=15, indicators={
        "recruitment_abuse_of_vulnerability.false_info_law": Y,  # not in the child lists
        "no.such": Y, "coercion_at_destination.violence": "maybe"}))
    assert set(result["ignored"]) == {"recruitment_abuse_of_vulnerability.false_info_law", "no.such",
                                      "coercion_at_destination.violence"}
    assert any(c["code"] == "indicators_ignored" for c in result["conflicts"])


def test_facts_missing_are_pointed_out():
    result = engine.evaluate(Answers(age_at_acts=30, acts=frozenset({"recruitment"}), facts={}))
    assert {"code": "facts_missing", "params": {"element": "acts"}} in result["missing"]


def test_shortfall_names_what_is_still_needed():
    result = engine.evaluate(answers(age_at_acts=30, indicators={"coercion_at_destination.documents": Y}))
    entry = elements(result)["coercion_at_destination"]
    assert entry["shortfall"] in ({"strong": 1}, {"medium+weak": 1})
    abuse = elements(result)["recruitment_abuse_of_vulnerability"]
    assert "strong" not in abuse["shortfall"]  # no strong indicator exists there for adults: the feasible way


def test_sexual_purpose_selects_the_sexual_list():
    assert engine.evaluate(answers(age_at_acts=30, purposes={"sexual_exploitation", "forced_labour"}))["list"] == \
        "adult_sexual"
    assert engine.evaluate(answers(age_at_acts=30, purposes={"organ_removal"}))["list"] == "adult_labour"
    assert engine.evaluate(answers(age_at_acts=30, purposes={"forced_labour"}, exploitation="sexual"))["list"] == \
        "adult_sexual"
