"""The versioned screening data: complete, consistent with the brochure's structure, and validated."""
import copy

import pytest
import yaml

from nicat.identification import indicators as data


def test_four_lists_six_elements_and_the_published_sizes():
    iset = data.indicator_set()
    assert set(iset.lists) == {"adult_labour", "adult_sexual", "child_labour", "child_sexual"}
    assert [e.code for e in iset.elements] == [
        "deceptive_recruitment", "coercive_recruitment", "recruitment_abuse_of_vulnerability",
        "exploitative_conditions", "coercion_at_destination", "abuse_of_vulnerability_at_destination"]
    # The ILO lists 10, 10, 16, 9, 15 and 7 indicators per element for adults in labour exploitation.
    assert [len(iset.indicators_of("adult_labour", e.code)) for e in iset.elements] == [10, 10, 16, 9, 15, 7]
    # The child labour list has no weak grade.
    assert not [i for i in iset.indicators_of("child_labour") if i.grades["child_labour"] == "weak"]


def test_every_indicator_and_element_speaks_three_languages_and_is_graded():
    iset = data.indicator_set()
    for element in iset.elements:
        assert all(element.labels[lang] for lang in ("az", "ru", "en"))
        for indicator in element.indicators:
            assert all(indicator.labels[lang] for lang in ("az", "ru", "en"))
            assert set(indicator.grades.values()) <= {"strong", "medium", "weak"}
    assert iset.version and "WCMS_105023" in iset.reference and "Delphi" in iset.citation


def test_the_source_is_named_and_each_list_says_how_far_it_was_checked():
    iset = data.indicator_set()
    for indicator_list in iset.lists.values():
        assert indicator_list.checked


def _raw():
    return yaml.safe_load((data.DATA_DIR / "ilo_indicators.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("breakage,message", [
    (lambda d: d["elements"][0]["indicators"][0]["grades"].update(al="x"), "grade must be"),
    (lambda d: d["elements"][0]["indicators"][0]["grades"].pop("cs"), "each of the four lists"),
    (lambda d: d["elements"][0]["indicators"][0].pop("ru"), "missing the ru text"),
    (lambda d: d["profiles"]["adult"]["all_of"].append("no_such_element"), "unknown element"),
    (lambda d: d["element_rule"]["any_of"].append({"strong+medium": 1, "medium": 1}), "overlap"),
    (lambda d: d["lists"].pop("child_sexual"), "four lists"),
])
def test_a_broken_data_file_is_refused_with_a_clear_message(breakage, message):
    raw = copy.deepcopy(_raw())
    breakage(raw)
    with pytest.raises(data.DataError, match=message):
        data.parse_indicator_set(raw)


def test_legal_definition_data():
    legal = data.legal_definition()
    assert not hasattr(legal, "child_age")  # who is a child: the one age rule, nicat.persons.age
    assert legal.means_required == {"adult": True, "child": False}
    assert legal.exploitation_kind(["sexual_exploitation"]) == "sexual"
    assert legal.exploitation_kind(["forced_labour", "organ_removal"]) == "labour"
    assert legal.exploitation_kind([]) == "labour"


def test_certificate_texts_in_three_languages():
    texts = data.certificate_texts()
    assert set(texts["az"]) == set(texts["ru"]) == set(texts["en"])
    assert "ə" in texts["az"]["title"] or "ı" in texts["az"]["title"]
