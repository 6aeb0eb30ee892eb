"""The name normaliser: properties (hypothesis) and a table of real-world spelling variants."""
import csv
import pathlib
from collections import defaultdict

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from nicat.privacy import names

VARIANTS = pathlib.Path(__file__).parent / "data" / "name_variants.csv"


def variant_rows():
    with VARIANTS.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def groups():
    out = defaultdict(list)
    for row in variant_rows():
        out[(row["kind"], row["group"])].append(row["variant"])
    return out


@pytest.mark.parametrize("group,variants", [(g, v) for (_k, g), v in groups().items()])
def test_every_spelling_of_a_name_has_one_key(group, variants):
    keys = {" ".join(names.word_keys(v)) for v in variants}
    assert len(keys) == 1, f"{group}: {dict(zip(variants, [' '.join(names.word_keys(v)) for v in variants]))}"


def test_different_names_of_one_kind_keep_different_keys():
    by_kind = defaultdict(dict)
    for (kind, group), variants in groups().items():
        by_kind[kind][group] = " ".join(names.word_keys(variants[0]))
    for kind, keys in by_kind.items():
        assert len(set(keys.values())) == len(keys), f"two {kind} names collide: {keys}"


def test_variant_table_covers_every_script():
    scripts = {row["script"] for row in variant_rows()}
    assert {"az-latn", "az-cyrl", "ru-cyrl", "en-latn", "az-latn-no-diacritics"} <= scripts
    assert len(variant_rows()) >= 100


@pytest.mark.parametrize("text,expected", [
    ("İlqar", "ilqar"), ("ILQAR", "ilqar"), ("Aydın", "aydin"), ("AYDIN", "aydin"), ("İSMAYIL", "ismayil"),
])
def test_turkic_dotted_and_dotless_i(text, expected):
    assert names.casefold(text) == expected
    assert "\u0307" not in names.fold(text)


def test_python_lower_is_not_enough():
    assert "İ".lower() != "i"  # the reason casefold() exists
    assert names.fold("İ") == "i"


@pytest.mark.parametrize("a,b", [
    ("Məmmədova Aysel", "Aysel Mammadova"), ("Мамедова Айсель", "Aysel Məmmədova"),
    ("Hüseynov Rəşid Əli oğlu", "Guseynov Rashid Alievich"),
])
def test_name_order_and_patronymic_markers(a, b):
    assert sorted(names.word_keys(a)) == sorted(names.word_keys(b))


def test_canonical_full_name_ignores_order_and_script():
    assert names.canonical("Aysel", "Məmmədova") == names.canonical("Мамедова", "Айсель")
    assert names.canonical("Aysel", "Məmmədova", "Rəşid qızı") == names.canonical("Aisel", "Mamedova", "Рашидовна")
    assert names.canonical("Aysel", "Məmmədova") != names.canonical("Aysel", "Hüseynova")


def test_short_names_keep_their_endings():
    assert names.key("Əli") == "ali" and names.key("Vəli") == "vali" and names.key("Lev") == "lav"


def test_markers_alone_give_nothing():
    assert names.word_keys("oğlu qızı") == []


def test_documents_and_phones():
    assert names.normalise_document("aa 123-4567") == "AA1234567"
    assert names.normalise_phone("+994 (50) 123-45-67") == names.normalise_phone("050 123 45 67") == "501234567"


# --- Properties ------------------------------------------------------------------------------------

AZ_LETTERS = "abcçdeəfgğhxıijkqlmnoöprsştuüvyz"
AZ_TO_CYRILLIC = dict(zip(AZ_LETTERS, "абҹчдеәфҝғһхыижкглмноөпрсштуүвјз"))
DIGRAPHS = ("ch", "dc", "dj", "dz", "sh", "kh", "gh", "zh", "ts", "th", "ph", "ck", "tç", "dç")

az_words = st.text(alphabet=AZ_LETTERS, min_size=2, max_size=12)
any_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)


def az_upper(word):
    return "".join({"i": "İ", "ı": "I"}.get(ch, ch.upper()) for ch in word)


@given(any_text)
def test_fold_is_lower_case_ascii_words(text):
    folded = names.fold(text)
    assert folded == folded.strip()
    assert all(ch == " " or "a" <= ch <= "z" for ch in folded)
    assert "  " not in folded


@given(any_text)
def test_fold_and_key_are_stable(text):
    assert names.fold(names.fold(text)) == names.fold(text)
    for word in names.fold(text).split():
        assert names.key(word) == names.key(names.fold(word))


@given(az_words)
def test_case_does_not_matter_including_turkic_i(word):
    assert names.key(az_upper(word)) == names.key(word)
    assert names.key(word.capitalize() if word[0] not in "iı" else az_upper(word[0]) + word[1:]) == names.key(word)


@given(az_words)
def test_azerbaijani_latin_and_cyrillic_spellings_meet(word):
    assume(not any(d in word for d in DIGRAPHS))
    cyrillic = "".join(AZ_TO_CYRILLIC[ch] for ch in word)
    assert names.key(cyrillic) == names.key(word)


@given(az_words)
def test_without_diacritics_the_key_is_the_same(word):
    assume(not any(d in word for d in DIGRAPHS))
    plain = word.translate(str.maketrans("əıöüğ", "eioug"))
    assert names.key(plain) == names.key(word)


@given(st.lists(az_words, min_size=2, max_size=4))
@settings(max_examples=50)
def test_word_order_does_not_matter(words):
    assert sorted(names.word_keys(" ".join(words))) == sorted(names.word_keys(" ".join(reversed(words))))


@given(az_words)
def test_feminine_and_masculine_family_names_meet(stem):
    assume(len(stem) >= 4 and stem[-1] not in "aeəıioöuüy" and not any(d in stem for d in DIGRAPHS))
    assert names.key(stem + "ov") == names.key(stem + "ova")
    assert names.key(stem + "yev") == names.key(stem + "yeva")
