"""The reference vocabularies: contents after migration, the loader's upsert rules, labels."""
import re
import shutil
from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.utils import translation

from nicat.vocab.loader import DATA_DIR, load_all, read_all
from nicat.vocab.models import Term, Vocabulary

pytestmark = pytest.mark.django_db

CYRILLIC = re.compile(r"[А-Яа-яЁё]")
AZ_SPECIFIC = re.compile(r"[əƏğĞıİşŞ]")  # letters of Azerbaijani not found in English names


def codes(vocabulary):
    return list(Term.objects.of(vocabulary).order_by("sort").values_list("code", flat=True))


def term(vocabulary, code):
    return Term.objects.get(vocabulary=vocabulary, code=code)


# --- contents after migration ------------------------------------------------------------------


def test_acts_are_the_laws_seven_in_order():
    assert codes("act") == ["recruitment", "obtaining", "keeping", "harbouring", "transporting", "giving", "receipt"]
    assert term("act", "harbouring").label_az == "Gizlətmə"
    assert term("act", "recruitment").label_ru == "Вербовка"


def test_means_are_the_laws_eight_in_order():
    assert codes("means") == [
        "threat_or_use_of_force",
        "intimidation_coercion",
        "abduction",
        "fraud",
        "deception",
        "abuse_of_power",
        "abuse_of_vulnerability",
        "payments_to_person_in_control",
    ]
    assert term("means", "deception").htcds_code == "FalsePromises"
    assert term("means", "abduction").ctdc_code == "isAbduction"
    assert term("means", "abuse_of_vulnerability").htcds_code == ""


def test_forms_of_exploitation_are_the_laws_eight_in_order():
    assert codes("exploitation") == [
        "forced_labour",
        "sexual_exploitation",
        "slavery_servitude",
        "organ_removal",
        "biomedical_research",
        "surrogacy",
        "unlawful_activities",
        "other",
    ]


def test_forced_labour_labels_and_codes():
    forced = term("exploitation", "forced_labour")
    assert forced.label_az == "Məcburi əmək (xidmət)"
    assert forced.label_ru == "Принудительный труд (услуги)"
    assert forced.label_en == "Forced labour (services)"
    assert forced.htcds_code == "ForcedLabour"
    assert forced.ctdc_code == "isForcedLabour"
    assert term("exploitation", "sexual_exploitation").label_az == "Cinsi istismar"
    assert term("exploitation", "surrogacy").htcds_code == "Surrogacy"
    assert term("exploitation", "organ_removal").ctdc_code == "isOrganRemoval"


def test_risk_groups_are_the_seeds_eight():
    assert codes("risk_group") == [
        "unemployed",
        "migrants",
        "evading_education",
        "vagrancy_begging",
        "homeless_neglected",
        "sex_work",
        "mental_illness",
        "addiction",
    ]
    assert term("risk_group", "unemployed").label_az == "İşsizlər"


def test_recruitment_channels_are_the_seeds_nine():
    assert codes("recruitment_channel") == [
        "employment_agency",
        "model_agency",
        "marriage_agency",
        "tourism_agency",
        "internet_announcements",
        "press_tv_announcements",
        "acquaintances_relatives",
        "foreign_agency",
        "intermediaries",
    ]
    assert term("recruitment_channel", "internet_announcements").htcds_code == "ThroughAnOnlineAdvertisement"


def test_institution_kinds():
    assert codes("institution_kind") == [
        "law_enforcement",
        "hotline",
        "embassy_consulate",
        "ngo",
        "international_org",
        "religious_org",
        "medical",
        "shelter",
        "assistance_centre",
        "other",
    ]
    assert term("institution_kind", "ngo").htcds_code == "NGO"
    assert term("institution_kind", "hotline").label_az == "Qaynar xətt"


def test_gender_is_the_htcds_picklist():
    assert [t.htcds_code for t in Term.objects.of("gender").order_by("sort")] == [
        "Feminine",
        "Masculine",
        "TransgenderFeminine",
        "TransgenderMasculine",
        "NonConforming",
        "NonSpecifiedUnknown",
    ]
    assert term("gender", "feminine").label_az == "Qadın"
    assert term("gender", "masculine").ctdc_code == "Male"


def test_document_types():
    assert codes("document_type") == [
        "passport",
        "national_id_card",
        "birth_certificate",
        "residence_permit",
        "travel_document",
        "other",
    ]
    assert term("document_type", "national_id_card").label_az == "Şəxsiyyət vəsiqəsi"


def test_regions_are_baku_the_economic_regions_and_abroad():
    regions = codes("region")
    assert len(regions) == 15
    assert regions[0] == "baku" and regions[-1] == "abroad"
    labels = set(Term.objects.of("region").values_list("label_az", flat=True))
    assert {
        "Bakı",
        "Naxçıvan",
        "Abşeron-Xızı",
        "Dağlıq Şirvan",
        "Gəncə-Daşkəsən",
        "Qarabağ",
        "Qazax-Tovuz",
        "Quba-Xaçmaz",
        "Lənkəran-Astara",
        "Mərkəzi Aran",
        "Mil-Muğan",
        "Şəki-Zaqatala",
        "Şərqi Zəngəzur",
        "Şirvan-Salyan",
    } <= labels


def test_countries_are_all_of_iso_3166_plus_stateless():
    countries = Term.objects.of("country")
    assert countries.count() >= 250  # 249 ISO 3166-1 entries + stateless
    assert codes("country")[0] == "AZ"
    for code in ("AZ", "RU", "TR", "AE", "GE", "IR", "KZ", "UZ", "UA", "DE", "TW", "PS", "US"):
        assert countries.filter(code=code).exists(), code
    for c in countries.exclude(code="XXA"):
        assert re.fullmatch(r"[A-Z]{2}", c.code), c.code
        assert c.htcds_code == c.code and c.ctdc_code == c.code
    stateless = term("country", "XXA")
    assert (stateless.label_az, stateless.label_ru, stateless.label_en) == (
        "Vətəndaşlığı olmayan şəxs",
        "Лицо без гражданства",
        "Stateless",
    )
    assert stateless.htcds_code == "" and stateless.ctdc_code == ""
    assert term("country", "RU").label_az == "Rusiya Federasiyası"
    assert term("country", "TR").label_az == "Türkiyə"
    assert term("country", "AE").label_az == "Birləşmiş Ərəb Əmirlikləri"
    assert term("country", "IR").label_az == "İran"
    assert term("country", "GE").label_ru == "Грузия"


def test_languages_cover_the_needed_ones():
    languages = set(codes("language"))
    needed = "az ru en tr fa ka hy uk uz kk ky tg tk ar de fr zh hi ur bn ne vi tl lez tly av".split()
    assert set(needed) <= languages
    assert len(languages) >= 100
    assert codes("language")[:3] == ["az", "ru", "en"]
    assert term("language", "az").label_az == "Azərbaycan dili"
    assert term("language", "ru").label_ru == "Русский"
    assert term("language", "tly").htcds_code == ""  # Talysh has no ISO 639-2 code
    for code in languages:
        assert re.fullmatch(r"[a-z]{2,3}", code), code


def test_every_vocabulary_is_loaded():
    assert set(Term.objects.values_list("vocabulary", flat=True).distinct()) == set(Vocabulary.values)


def test_every_term_has_three_labels_in_the_right_script():
    for t in Term.objects.all():
        assert t.label_az.strip() and t.label_ru.strip() and t.label_en.strip(), (t.vocabulary, t.code)
        assert CYRILLIC.search(t.label_ru), (t.vocabulary, t.code, t.label_ru)
        assert not CYRILLIC.search(t.label_az), (t.vocabulary, t.code, t.label_az)
        assert not CYRILLIC.search(t.label_en), (t.vocabulary, t.code, t.label_en)
        assert not AZ_SPECIFIC.search(t.label_en), (t.vocabulary, t.code, t.label_en)


def test_the_migrations_match_the_model():
    call_command("makemigrations", "vocab", "--check", "--dry-run", verbosity=0)


# --- Term.label --------------------------------------------------------------------------------


def test_label_follows_the_active_language():
    forced = term("exploitation", "forced_labour")
    with translation.override("ru"):
        assert forced.label == "Принудительный труд (услуги)"
        assert str(forced) == "Принудительный труд (услуги)"
    with translation.override("en"):
        assert forced.label == "Forced labour (services)"
    with translation.override("az"):
        assert forced.label == "Məcburi əmək (xidmət)"
    with translation.override("fr"):  # a language without labels falls back to English
        assert forced.label == "Forced labour (services)"


# --- the loader --------------------------------------------------------------------------------


@pytest.fixture
def data_dir(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target, ignore=shutil.ignore_patterns("*.py", "*.md", "__pycache__"))
    return target


def edit(path, change):
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries = change(entries)
    path.write_text(yaml.safe_dump(entries, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_reloading_unchanged_files_changes_nothing():
    before = Term.objects.count()
    counts = load_all(Term)
    assert counts["created"] == counts["updated"] == counts["deactivated"] == 0
    assert counts["unchanged"] == before == Term.objects.count()


def test_loader_deactivates_dropped_terms_and_reactivates_them(data_dir):
    path = data_dir / "means.yaml"
    original = path.read_text(encoding="utf-8")
    edit(path, lambda entries: [e for e in entries if e["code"] != "fraud"])
    total = Term.objects.count()

    counts = load_all(Term, data_dir=data_dir)
    # fraud goes; the four means after it move up one place
    assert counts == {"created": 0, "updated": 4, "deactivated": 1, "unchanged": total - 5}
    fraud = term("means", "fraud")
    assert fraud.active is False  # kept, not deleted: data points at it
    assert Term.objects.count() == total
    assert "fraud" not in codes("means")
    assert term("means", "deception").sort == 4  # order follows the file

    path.write_text(original, encoding="utf-8")
    counts = load_all(Term, data_dir=data_dir)
    assert counts == {"created": 0, "updated": 5, "deactivated": 0, "unchanged": total - 5}
    fraud.refresh_from_db()
    assert fraud.active is True
    assert codes("means")[3] == "fraud"


def test_loader_creates_new_terms_and_updates_labels_and_codes(data_dir):
    def change(entries):
        entries[0]["en"] = "Recruitment (changed)"
        entries[0]["htcds"] = ""
        entries.append({"code": "new_act", "az": "Yeni", "ru": "Новое", "en": "New"})
        return entries

    edit(data_dir / "act.yaml", change)
    counts = load_all(Term, data_dir=data_dir)
    assert counts["created"] == 1 and counts["updated"] == 1
    recruitment = term("act", "recruitment")
    assert recruitment.label_en == "Recruitment (changed)"
    assert recruitment.htcds_code == ""
    assert recruitment.label_az == "Cəlb etmə"
    new = term("act", "new_act")
    assert new.active and new.sort == 8


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda e: e + [dict(e[0])], r"act\.yaml: entry 8 \(code 'recruitment'\): duplicate code 'recruitment'"),
        (lambda e: [dict(e[0], ru="")] + e[1:], r"act\.yaml: entry 1 \(code 'recruitment'\): missing ru label"),
        (lambda e: [{k: v for k, v in e[0].items() if k != "az"}] + e[1:], r"act\.yaml: .*missing az label"),
        (lambda e: [dict(e[0], colour="red")] + e[1:], r"act\.yaml: .*unknown key\(s\) colour"),
        (lambda e: [dict(e[0], code=False)] + e[1:], r"act\.yaml: entry 1: code must be a string"),
        (lambda e: [dict(e[0], code="has space")] + e[1:], r"act\.yaml: .*code may contain only"),
        (lambda e: {"not": "a list"}, r"act\.yaml: expected a non-empty list"),
    ],
)
def test_loader_rejects_a_broken_file_naming_it(data_dir, change, message):
    edit(data_dir / "act.yaml", change)
    before = list(Term.objects.order_by("pk").values())
    with pytest.raises(ValueError, match=message):
        load_all(Term, data_dir=data_dir)
    assert list(Term.objects.order_by("pk").values()) == before


def test_loader_rejects_an_unknown_vocabulary_file(data_dir):
    (data_dir / "colours.yaml").write_text("- {code: red, az: Qırmızı, ru: Красный, en: Red}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"colours\.yaml: unknown vocabulary 'colours'"):
        load_all(Term, data_dir=data_dir)


def test_loader_rejects_invalid_yaml_and_a_missing_file(data_dir):
    (data_dir / "gender.yaml").write_text("- code: [unclosed\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"gender\.yaml: not valid YAML"):
        read_all(data_dir)
    (data_dir / "gender.yaml").unlink()
    with pytest.raises(ValueError, match=r"no data file for vocabulary gender"):
        read_all(data_dir)


def test_the_shipped_files_are_valid():
    vocabularies = read_all()
    assert {name: len(entries) for name, entries in vocabularies.items() if name not in ("country", "language")} == {
        "act": 7,
        "means": 8,
        "exploitation": 8,
        "risk_group": 8,
        "recruitment_channel": 9,
        "institution_kind": 10,
        "gender": 6,
        "document_type": 6,
        "region": 15,
        "criminal_article": 3,
        "perpetrator_role": 15,
        "trafficker_relation": 5,
    }


def test_load_vocabularies_command(data_dir):
    out = StringIO()
    call_command("load_vocabularies", "--check", stdout=out)
    assert "act: 7" in out.getvalue()
    call_command("load_vocabularies", stdout=out)
    assert "created 0, updated 0, deactivated 0" in out.getvalue()
    edit(data_dir / "act.yaml", lambda e: e + [dict(e[0])])
    with pytest.raises(CommandError, match=r"act\.yaml"):
        call_command("load_vocabularies", "--data-dir", str(data_dir))
