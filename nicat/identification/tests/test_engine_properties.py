"""Property-based tests of the rule engine: total, monotone, and faithful to the legal definition."""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nicat.identification import engine
from nicat.identification import indicators as data

# The age of majority is a legal parameter read from the database (nicat.legal), as in force on the day.
pytestmark = pytest.mark.django_db

ISET = data.indicator_set()
CODES = sorted(ISET.by_code)
ACTS = ["recruitment", "obtaining", "keeping", "harbouring", "transporting", "giving", "receipt"]
MEANS = ["threat_or_use_of_force", "intimidation_coercion", "abduction", "fraud", "deception", "abuse_of_power",
         "abuse_of_vulnerability", "payments_to_person_in_control"]
PURPOSES = ["forced_labour", "sexual_exploitation", "slavery_servitude", "organ_removal", "biomedical_research",
            "surrogacy", "unlawful_activities", "other"]

ages = st.one_of(st.none(), st.integers(min_value=-5, max_value=140))
answer_values = st.sampled_from(engine.ANSWERS)
junk = st.one_of(st.none(), st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=2),
                 st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


@st.composite
def all_answers(draw, junk_allowed=True):
    indicators = draw(st.dictionaries(st.sampled_from(CODES), answer_values, max_size=len(CODES)))
    if junk_allowed:
        indicators.update(draw(st.dictionaries(st.text(max_size=12), junk, max_size=3)))
    return engine.Answers(
        age_at_acts=draw(ages), age_is_estimate=draw(st.booleans()),
        population=draw(st.one_of(st.none(), st.sampled_from(["adult", "child", "", "elder"]))),
        exploitation=draw(st.one_of(st.none(), st.sampled_from(["labour", "sexual", "organs"]))),
        acts=frozenset(draw(st.sets(st.sampled_from(ACTS + ["dancing"])))),
        means=frozenset(draw(st.sets(st.sampled_from(MEANS)))),
        purposes=frozenset(draw(st.sets(st.sampled_from(PURPOSES + ["unknown_form"])))),
        facts=draw(st.dictionaries(st.sampled_from(["acts", "means", "purposes"]), st.text(max_size=5))),
        consent_reported=draw(st.booleans()),
        indicators=indicators,
        indicator_facts=draw(st.dictionaries(st.sampled_from(CODES), st.text(max_size=5), max_size=5)),
    )


FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(all_answers())
def test_every_combination_yields_a_recommendation(answers):
    result = engine.evaluate(answers)
    assert result["next_step"] in engine.NEXT_STEPS
    assert result["list"] in ISET.lists
    assert result["age"]["population"] in ("adult", "child")
    assert result["indicated"] == (result["next_step"] == engine.REFER_IDENTIFICATION)
    assert result["reasons"], "a recommendation always comes with its reasons"
    assert len(result["elements"]) == 6


@FAST
@given(all_answers(junk_allowed=False), st.sampled_from(CODES))
def test_one_more_yes_never_lowers_the_recommendation(answers, code):
    before = engine.evaluate(answers)
    more = dict(answers.indicators)
    more[code] = engine.YES
    after = engine.evaluate(engine.Answers(**{**answers.__dict__, "indicators": more}))
    if before["list"] == after["list"]:
        assert engine.rank(after["next_step"]) <= engine.rank(before["next_step"])


@FAST
@given(all_answers(junk_allowed=False), st.sampled_from(MEANS))
def test_a_means_never_lowers_the_recommendation(answers, means):
    before = engine.evaluate(answers)
    after = engine.evaluate(engine.Answers(**{**answers.__dict__, "means": answers.means | {means}}))
    assert engine.rank(after["next_step"]) <= engine.rank(before["next_step"])


@FAST
@given(all_answers(), st.booleans())
def test_consent_never_changes_the_recommendation(answers, consent):
    flipped = engine.Answers(**{**answers.__dict__, "consent_reported": consent})
    assert engine.evaluate(flipped)["next_step"] == engine.evaluate(answers)["next_step"]


@FAST
@given(all_answers(junk_allowed=False), st.integers(min_value=0, max_value=17))
def test_a_child_never_needs_means(answers, age):
    child = engine.Answers(**{**answers.__dict__, "age_at_acts": age, "means": frozenset()})
    result = engine.evaluate(child)
    assert result["legal"]["means_required"] is False
    if child.acts & set(ACTS) and child.purposes & set(PURPOSES):
        assert result["next_step"] == engine.REFER_IDENTIFICATION


@FAST
@given(all_answers(junk_allowed=False), st.integers(min_value=20, max_value=100))
def test_an_adult_without_means_or_recruitment_element_is_never_indicated(answers, age):
    recruitment = {c for c in CODES if ISET.by_code[c].element in
                   ("deceptive_recruitment", "coercive_recruitment", "recruitment_abuse_of_vulnerability")}
    adult = engine.Answers(**{**answers.__dict__, "age_at_acts": age, "age_is_estimate": False,
                              "means": frozenset(), "population": None,
                              "indicators": {k: v for k, v in answers.indicators.items() if k not in recruitment}})
    assert engine.evaluate(adult)["indicated"] is False


@FAST
@given(all_answers())
def test_result_is_json_ready_and_deterministic(answers):
    import json

    first = engine.evaluate(answers)
    assert json.loads(json.dumps(first)) == first
    assert engine.evaluate(answers) == first


def test_element_rule_matches_brute_force_over_all_small_counts():
    """The data-driven rule equals the brochure's sentence for every count of up to 4 per grade."""
    rule = ISET.element_rule
    for s in range(5):
        for m in range(5):
            for w in range(5):
                counts = {"strong": s, "medium": m, "weak": w}
                expected = s >= 2 or (s >= 1 and m + w >= 1) or m >= 3 or (m >= 2 and w >= 1)
                assert any(engine._satisfies(counts, alt) for alt in rule) is expected, counts
