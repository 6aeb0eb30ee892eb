"""Ranking and the unsupervised training of the match weights (no database needed)."""
import datetime
from collections import defaultdict

import pytest

from nicat.persons import matching
from nicat.persons.generator import people
from nicat.privacy import indexes
from tests.support.linkage import link


@pytest.fixture(autouse=True)
def index_key():
    indexes.use_key("test-index-key")
    yield
    indexes.use_key(None)


def p(**d):
    return matching.profile(d)


def test_same_person_in_two_scripts_is_likely():
    a = p(given_name="Aysel", family_name="Məmmədova", birth_date=datetime.date(1995, 3, 4))
    b = p(given_name="Айсель", family_name="Мамедова", birth_date=datetime.date(1995, 3, 4))
    model = matching.Model(prior=matching.default_prior(100000))
    assert matching.band(matching.probability(a, b, model)) == "likely"


def test_siblings_and_namesakes_are_not_likely():
    model = matching.Model(prior=matching.default_prior(100000))
    born = datetime.date(1990, 6, 1)
    sister = p(given_name="Leyla", family_name="Hüseynova", birth_date=born)
    brother = p(given_name="İlqar", family_name="Hüseynov", birth_date=born)
    assert matching.band(matching.probability(sister, brother, model)) == ""
    namesake = p(given_name="Aysel", family_name="Məmmədova", birth_date=datetime.date(1971, 1, 9))
    aysel = p(given_name="Aysel", family_name="Məmmədova", birth_date=datetime.date(1995, 3, 4))
    assert matching.band(matching.probability(aysel, namesake, model)) == ""


def test_names_alone_never_make_a_likely_match():
    a, b = p(given_name="Aysel", family_name="Məmmədova"), p(given_name="Aysel", family_name="Mammadova")
    assert matching.probability(a, b, matching.Model(prior=0.0)) <= 0.5


def test_swapped_name_order_and_aliases():
    a = p(given_name="Məmmədova", family_name="Aysel", birth_date=datetime.date(1995, 3, 4))
    b = p(given_name="Aysel", family_name="Mammadova", birth_date=datetime.date(1995, 3, 4))
    assert matching.levels(a, b)[:2] == ("exact", "exact")
    c = p(given_name="Gülnar", family_name="", aliases=["Aysel Məmmədova"])
    assert matching.levels(b, c)[:2] == ("exact", "exact")


def test_model_round_trip():
    m = matching.Model(prior=-20.0)
    assert matching.Model.from_dict(m.as_dict()).as_dict() == m.as_dict()


def test_training_on_a_synthetic_registry_finds_its_duplicates():
    records, truth = [], []
    for i, (d, orig) in enumerate(people(3000, seed=5, duplicate_share=0.05)):
        records.append((i, {k: v for k, v in d.items() if not k.startswith("_")}))
        if orig is not None:
            truth.append((orig, i))
    groups = defaultdict(set)
    for o, d in truth:
        groups[o].update((o, d))
    true = {frozenset((a, b)) for g in groups.values() for a in g for b in g if a < b}
    scored, candidates, oversized, model = link(records, learn=True)
    assert not model.trained.get("refused") and model.trained["sessions"]
    assert model.weights["birth"]["exact"] > 5 and model.weights["given"]["other"] < 0
    found = {frozenset((a, b)) for a, b, prob in scored if prob >= matching.LIKELY}
    tp = len(found & true)
    assert tp / len(found) >= 0.9 and tp / len(true) >= 0.7


def test_training_refuses_nonsense():
    lv_same = ("exact", "exact", None, "exact", None, None, None, None, "same")
    lv_diff = ("other", "other", None, "other", None, None, None, None, "same")
    # random pairs that agree more than the candidates: EM cannot find matches that make sense
    model = matching.train({"names": {lv_diff: 500}}, {lv_same: 1000}, {lv_diff: 500}, 10 ** 6)
    assert model.trained.get("refused") or model.weights == matching.DEFAULT_WEIGHTS
