"""Regenerate `country.yaml` and `language.yaml` from ISO 3166-1 / ISO 639 data in pycountry.

Run by hand, from the project root, when pycountry is upgraded or a label is corrected here:

    .venv/bin/python tools/generate_iso.py

then review the diff of the two YAML files, commit them together with this script, and add a
migration that calls `nicat.vocab.loader.load_all` (copy `migrations/0002_load_vocabularies.py`)
so that existing databases pick the change up. The generated YAML is data, kept under version
control; this script is not run by the application, the tests or the build.

Sources and choices:

* Countries: every entry of ISO 3166-1 in pycountry (249). `code`, `htcds` and `ctdc` are the
  alpha-2 code (HTCDS 2.0 prs_Citizenship / prs_MailingCountry and the CTDC `citizenship` /
  `CountryOfExploitation` columns both use ISO 3166 alpha-2). Russian labels come from
  pycountry's bundled `iso3166-1` gettext catalogue; Azerbaijani labels too, except where the
  catalogue has none or a wrong/awkward one, which `AZ_COUNTRY` below corrects. English labels
  are pycountry's `common_name` when it has one (Iran, not "Iran, Islamic Republic of"), else its
  `name`, with a few overrides. One extra entry, `XXA` (ICAO Doc 9303 code for a stateless
  person), has no HTCDS/CTDC code.
  Order: Azerbaijan first, then alphabetical by the Azerbaijani label (Azerbaijani alphabet),
  the stateless entry last.
* Languages: a curated list (`LANGUAGES`) of the languages a victim, a witness or an interpreter
  in Azerbaijan is likely to need: the state and neighbouring languages, the minority languages
  of Azerbaijan, the languages of the main countries of origin and destination of trafficking
  and migration, and the major world languages. `code` is the ISO 639-1 alpha-2 code where one
  exists, else the ISO 639-3 code. `htcds` is the code HTCDS 2.0 asks for (ISO 639-2, two-letter
  codes allowed): the alpha-2 code, else the ISO 639-2 code where the language is in ISO 639-2,
  else empty. Azerbaijani labels are written here for every language (pycountry's `iso639-3`
  Azerbaijani catalogue covers few languages and names several of them wrongly, e.g. Latvian
  as "Latviya"); Russian labels come from pycountry's catalogue where it has one, else from
  `RU_LANGUAGE`. Order: Azerbaijani, Russian, English first, then alphabetical by the
  Azerbaijani label.
"""
import gettext
import pathlib
import sys

import pycountry
import yaml

HERE = pathlib.Path(__file__).resolve().parent.parent / "nicat" / "vocab" / "data"

AZ_ALPHABET = "abcçdeəfgğhxıijkqlmnoöprsştuüvyz"


def az_sort_key(text):
    """Sort key following the Azerbaijani alphabet (ı before i, ə after e, x after h, q after k)."""
    key = []
    for ch in text.replace("İ", "i").replace("I", "ı").lower():
        if ch in AZ_ALPHABET:
            key.append((1, AZ_ALPHABET.index(ch)))
        elif ch.isalpha():
            key.append((1, 100 + ord(ch)))
        else:  # spaces, hyphens, apostrophes, brackets sort before letters
            key.append((0, 0))
    return key


# --- countries ---------------------------------------------------------------------------------

# Azerbaijani country names where pycountry has none or a wrong/awkward one.
AZ_COUNTRY = {
    "AD": "Andorra",
    "AG": "Antiqua və Barbuda",
    "AI": "Angilya",
    "AQ": "Antarktida",
    "AR": "Argentina",
    "AS": "Amerika Samoası",
    "AW": "Aruba",
    "AX": "Aland adaları",
    "BB": "Barbados",
    "BY": "Belarus",
    "BF": "Burkina-Faso",
    "BI": "Burundi",
    "BJ": "Benin",
    "BL": "Sen-Bartelemi",
    "BM": "Bermud adaları",
    "BN": "Bruney",
    "BO": "Boliviya",
    "BQ": "Boneyr, Sint-Estatius və Saba",
    "BS": "Baham adaları",
    "BV": "Buve adası",
    "CC": "Kokos (Kilinq) adaları",
    "CD": "Konqo Demokratik Respublikası",
    "CG": "Konqo Respublikası",
    "CI": "Kot-d'İvuar",
    "CK": "Kuk adaları",
    "CR": "Kosta-Rika",
    "CV": "Kabo-Verde",
    "CW": "Kürasao",
    "CX": "Milad adası",
    "CZ": "Çexiya",
    "DM": "Dominika",
    "ER": "Eritreya",
    "FK": "Folklend (Malvin) adaları",
    "FM": "Mikroneziya",
    "FO": "Farer adaları",
    "GB": "Böyük Britaniya",
    "GF": "Fransa Qvianası",
    "GG": "Gernsi",
    "GI": "Cəbəllütariq",
    "GL": "Qrenlandiya",
    "GP": "Qvadelupa",
    "GS": "Cənubi Georgiya və Cənubi Sendviç adaları",
    "GT": "Qvatemala",
    "GW": "Qvineya-Bisau",
    "GY": "Qayana",
    "HK": "Honkonq",
    "HM": "Herd adası və Makdonald adaları",
    "HN": "Honduras",
    "HT": "Haiti",
    "IM": "Men adası",
    "IO": "Britaniyanın Hind okeanı ərazisi",
    "IR": "İran",
    "JE": "Cersi",
    "KE": "Keniya",
    "KH": "Kamboca",
    "KI": "Kiribati",
    "KM": "Komor adaları",
    "KN": "Sent-Kits və Nevis",
    "KP": "Koreya Xalq Demokratik Respublikası",
    "KR": "Koreya Respublikası",
    "KY": "Kayman adaları",
    "LA": "Laos",
    "LC": "Sent-Lüsiya",
    "LK": "Şri-Lanka",
    "LY": "Liviya",
    "MD": "Moldova",
    "ME": "Monteneqro",
    "MF": "Sen-Marten (Fransa hissəsi)",
    "MH": "Marşall adaları",
    "MK": "Şimali Makedoniya",
    "ML": "Mali",
    "MM": "Myanma",
    "MP": "Şimali Marian adaları",
    "MS": "Montserrat",
    "MT": "Malta",
    "MU": "Mavriki",
    "MV": "Maldiv adaları",
    "NE": "Niger",
    "NF": "Norfolk adası",
    "NL": "Niderland",
    "NP": "Nepal",
    "NR": "Nauru",
    "NU": "Niue",
    "OM": "Oman",
    "PA": "Panama",
    "PE": "Peru",
    "PF": "Fransa Polineziyası",
    "PG": "Papua-Yeni Qvineya",
    "PK": "Pakistan",
    "PM": "Sen-Pyer və Mikelon",
    "PN": "Pitkern adaları",
    "PR": "Puerto-Riko",
    "PS": "Fələstin",
    "PW": "Palau",
    "QA": "Qətər",
    "RE": "Reyunyon",
    "RO": "Rumıniya",
    "RS": "Serbiya",
    "SA": "Səudiyyə Ərəbistanı",
    "SB": "Solomon adaları",
    "SC": "Seyşel adaları",
    "SD": "Sudan",
    "SH": "Müqəddəs Yelena, Askenson və Tristan-da-Kunya",
    "SJ": "Svalbard və Yan-Mayen",
    "SL": "Syerra-Leone",
    "SM": "San-Marino",
    "SS": "Cənubi Sudan",
    "ST": "San-Tome və Prinsipi",
    "SV": "Salvador",
    "SX": "Sint-Marten (Niderland hissəsi)",
    "SY": "Suriya",
    "SZ": "Esvatini",
    "TC": "Terks və Kaykos adaları",
    "TF": "Fransanın Cənub əraziləri",
    "TK": "Tokelau",
    "TL": "Şərqi Timor",
    "TV": "Tuvalu",
    "TW": "Tayvan",
    "TZ": "Tanzaniya",
    "UM": "ABŞ-ın Kiçik Kənar adaları",
    "US": "Amerika Birləşmiş Ştatları",
    "VA": "Vatikan",
    "VC": "Sent-Vinsent və Qrenadinlər",
    "VE": "Venesuela",
    "VG": "Britaniya Virgin adaları",
    "VI": "ABŞ Virgin adaları",
    "VN": "Vyetnam",
    "VU": "Vanuatu",
    "WF": "Uollis və Futuna",
    "WS": "Samoa",
    "YT": "Mayotta",
    "ZA": "Cənubi Afrika Respublikası",
}

# Russian country names where pycountry's catalogue is awkward or not the usual short form.
RU_COUNTRY = {
    "AQ": "Антарктида",
    "AS": "Американское Самоа",
    "BL": "Сен-Бартелеми",
    "BN": "Бруней",
    "CF": "Центральноафриканская Республика",
    "DO": "Доминиканская Республика",
    "GB": "Великобритания",
    "HM": "Остров Херд и острова Макдональд",
    "LA": "Лаос",
    "MD": "Молдова",
    "MP": "Северные Марианские острова",
    "SY": "Сирия",
    "TF": "Французские Южные территории",
    "TW": "Тайвань",
    "UM": "Внешние малые острова США",
    "US": "Соединённые Штаты Америки",
    "VA": "Ватикан",
    "VE": "Венесуэла",
    "VG": "Британские Виргинские острова",
    "WF": "Уоллис и Футуна",
    "ZA": "Южно-Африканская Республика",
}

# English names where neither pycountry `common_name` nor `name` is the usual short form.
EN_COUNTRY = {
    "BN": "Brunei",
    "CD": "Congo, Democratic Republic of the",
    "FM": "Micronesia",
    "KP": "North Korea",
    "KR": "South Korea",
    "PS": "Palestine",
    "VA": "Holy See (Vatican City)",
    "VG": "Virgin Islands (British)",
    "VI": "Virgin Islands (U.S.)",
}

STATELESS = {
    "code": "XXA",
    "az": "Vətəndaşlığı olmayan şəxs",
    "ru": "Лицо без гражданства",
    "en": "Stateless",
}


def countries():
    az = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["az"])
    ru = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ru"])
    entries = []
    for c in pycountry.countries:
        code = c.alpha_2
        az_label = AZ_COUNTRY.get(code) or az.gettext(c.name)
        if az_label == c.name and code not in AZ_COUNTRY:
            print(f"warning: no Azerbaijani name for {code} {c.name}; English used", file=sys.stderr)
        ru_label = RU_COUNTRY.get(code) or ru.gettext(c.name)
        en_label = EN_COUNTRY.get(code) or getattr(c, "common_name", None) or c.name
        entries.append({"code": code, "az": az_label, "ru": ru_label, "en": en_label, "htcds": code, "ctdc": code})
    home = [e for e in entries if e["code"] == "AZ"]
    rest = sorted((e for e in entries if e["code"] != "AZ"), key=lambda e: az_sort_key(e["az"]))
    return home + rest + [dict(STATELESS)]


# --- languages ---------------------------------------------------------------------------------

# code -> Azerbaijani label, in no particular order (the output is sorted).
LANGUAGES = {
    # state, neighbouring and regional languages
    "az": "Azərbaycan dili",
    "ru": "Rus dili",
    "en": "İngilis dili",
    "tr": "Türk dili",
    "fa": "Fars dili",
    "ka": "Gürcü dili",
    "hy": "Erməni dili",
    "uk": "Ukrayna dili",
    "be": "Belarus dili",
    "uz": "Özbək dili",
    "kk": "Qazax dili",
    "ky": "Qırğız dili",
    "tg": "Tacik dili",
    "tk": "Türkmən dili",
    "ar": "Ərəb dili",
    "he": "İvrit dili",
    # minority languages of Azerbaijan
    "lez": "Ləzgi dili",
    "tly": "Talış dili",
    "av": "Avar dili",
    "ttt": "Tat dili",
    "jdt": "Dağ yəhudilərinin dili (cuhuri)",
    "tkr": "Saxur dili",
    "udi": "Udi dili",
    "bdk": "Buduq dili",
    "kry": "Qrız dili",
    "kjj": "Xınalıq dili",
    "rut": "Rutul dili",
    "ku": "Kürd dili",
    "kmr": "Kurmanci (şimali kürd dili)",
    "ckb": "Sorani (mərkəzi kürd dili)",
    "aii": "Aysor dili (assur yeni-aramey dili)",
    # Caucasus, Russia, Black Sea
    "ab": "Abxaz dili",
    "os": "Osetin dili",
    "ce": "Çeçen dili",
    "kbd": "Kabardin dili",
    "dar": "Darqin dili",
    "lbe": "Lak dili",
    "kum": "Kumık dili",
    "nog": "Noqay dili",
    "tt": "Tatar dili",
    "ba": "Başqırd dili",
    "cv": "Çuvaş dili",
    "crh": "Krım-tatar dili",
    "gag": "Qaqauz dili",
    "rom": "Qaraçı dili (romani)",
    # Central and East Asia
    "ug": "Uyğur dili",
    "kaa": "Qaraqalpaq dili",
    "mn": "Monqol dili",
    "zh": "Çin dili",
    "ja": "Yapon dili",
    "ko": "Koreya dili",
    # South Asia
    "hi": "Hindi dili",
    "ur": "Urdu dili",
    "bn": "Benqal dili",
    "ne": "Nepal dili",
    "pa": "Pəncab dili",
    "ps": "Puştu dili",
    "prs": "Dari dili",
    "sd": "Sindhi dili",
    "si": "Sinqal dili",
    "ta": "Tamil dili",
    "te": "Teluqu dili",
    "ml": "Malayalam dili",
    "mr": "Marathi dili",
    "gu": "Qucarat dili",
    "kn": "Kannada dili",
    # South-East Asia
    "vi": "Vyetnam dili",
    "tl": "Taqaloq dili",
    "fil": "Filippin dili",
    "th": "Tay dili",
    "lo": "Laos dili",
    "km": "Kxmer dili",
    "my": "Birma dili",
    "ms": "Malay dili",
    "id": "İndoneziya dili",
    # Europe
    "de": "Alman dili",
    "fr": "Fransız dili",
    "it": "İtalyan dili",
    "es": "İspan dili",
    "pt": "Portuqal dili",
    "nl": "Niderland dili",
    "el": "Yunan dili",
    "pl": "Polyak dili",
    "cs": "Çex dili",
    "sk": "Slovak dili",
    "hu": "Macar dili",
    "ro": "Rumın dili",
    "bg": "Bolqar dili",
    "sr": "Serb dili",
    "hr": "Xorvat dili",
    "bs": "Bosniya dili",
    "sl": "Sloven dili",
    "mk": "Makedon dili",
    "sq": "Alban dili",
    "sv": "İsveç dili",
    "no": "Norveç dili",
    "da": "Danimarka dili",
    "fi": "Fin dili",
    "et": "Eston dili",
    "lv": "Latış dili",
    "lt": "Litva dili",
    # Africa
    "am": "Amhar dili",
    "ti": "Tiqrinya dili",
    "so": "Somali dili",
    "sw": "Suahili dili",
    "ha": "Hausa dili",
    "yo": "Yoruba dili",
    "ig": "İqbo dili",
    "om": "Oromo dili",
}

# Russian labels where pycountry's iso639-3 catalogue has none (or a long technical one).
RU_LANGUAGE = {
    "ne": "непальский",
    "fil": "филиппинский",
    "tly": "талышский",
    "ttt": "татский",
    "tkr": "цахурский",
    "udi": "удинский",
    "bdk": "будухский",
    "kry": "крызский",
    "kjj": "хиналугский",
    "nl": "нидерландский",
    "dar": "даргинский",
    "rut": "рутульский",
    "kmr": "курманджи (северокурдский)",
    "ckb": "сорани (центральнокурдский)",
    "jdt": "горско-еврейский (джуури)",
    "aii": "ассирийский новоарамейский",
    "el": "греческий",
    "km": "кхмерский",
    "ms": "малайский",
    "pa": "панджаби",
    "prs": "дари",
    "si": "сингальский",
    "sw": "суахили",
    "os": "осетинский",
    "crh": "крымскотатарский",
    "gag": "гагаузский",
    "lbe": "лакский",
    "rom": "цыганский (романи)",
}

# English labels where pycountry's name is archaic or technical.
EN_LANGUAGE = {
    "av": "Avar",
    "el": "Greek",
    "ky": "Kyrgyz",
    "lez": "Lezgian",
    "ms": "Malay",
    "ne": "Nepali",
    "pa": "Punjabi",
    "ps": "Pashto",
    "rom": "Romani",
    "sw": "Swahili",
    "ug": "Uyghur",
    "kaa": "Karakalpak",
    "kjj": "Khinalug",
    "ttt": "Tat",
    "jdt": "Judeo-Tat (Juhuri)",
    "kmr": "Kurmanji (Northern Kurdish)",
    "ckb": "Sorani (Central Kurdish)",
    "aii": "Assyrian Neo-Aramaic",
    "bn": "Bengali",
}

# Languages in the list that have no ISO 639-1 code but do have an ISO 639-2 code (same as 639-3).
ISO639_2_ONLY = {"fil", "lez", "kbd", "dar", "kum", "nog", "crh", "kaa", "rom"}

LANGUAGES_FIRST = ["az", "ru", "en"]


def languages():
    ru = gettext.translation("iso639-3", pycountry.LOCALES_DIR, languages=["ru"])
    entries = []
    for code, az_label in LANGUAGES.items():
        lang = pycountry.languages.get(alpha_2=code) if len(code) == 2 else pycountry.languages.get(alpha_3=code)
        if lang is None:
            raise SystemExit(f"unknown ISO 639 code {code!r}")
        if len(code) == 3 and getattr(lang, "alpha_2", None):
            raise SystemExit(f"{code!r} has the alpha-2 code {lang.alpha_2!r}; use that")
        ru_label = RU_LANGUAGE.get(code) or ru.gettext(lang.name)
        if ru_label == lang.name:
            raise SystemExit(f"no Russian name for {code!r} ({lang.name}); add one to RU_LANGUAGE")
        en_label = EN_LANGUAGE.get(code) or getattr(lang, "common_name", None) or lang.name
        if len(code) == 2:
            htcds = code
        elif code in ISO639_2_ONLY:
            htcds = code
        else:
            htcds = ""
        entry = {"code": code, "az": az_label, "ru": ru_label[:1].upper() + ru_label[1:], "en": en_label}
        if htcds:
            entry["htcds"] = htcds
        entries.append(entry)
    first = [e for code in LANGUAGES_FIRST for e in entries if e["code"] == code]
    rest = sorted((e for e in entries if e["code"] not in LANGUAGES_FIRST), key=lambda e: az_sort_key(e["az"]))
    return first + rest


# --- output ------------------------------------------------------------------------------------


def write(name, header, entries):
    path = HERE / f"{name}.yaml"
    body = yaml.safe_dump(entries, allow_unicode=True, sort_keys=False, width=200)
    path.write_text(header + body, encoding="utf-8")
    print(f"{path.relative_to(HERE.parent.parent.parent)}: {len(entries)} entries")


def main():
    source = f"pycountry {pycountry.__version__}" if hasattr(pycountry, "__version__") else "pycountry"
    write(
        "country",
        "# Countries: ISO 3166-1 (alpha-2 codes) plus XXA (stateless person, ICAO Doc 9303).\n"
        f"# GENERATED by nicat/vocab/data/generate_iso.py from {source}; edit the script, not this file.\n"
        "# htcds = ISO 3166 alpha-2 (HTCDS 2.0 prs_Citizenship); ctdc = ISO alpha-2 (CTDC citizenship).\n",
        countries(),
    )
    write(
        "language",
        "# Languages: ISO 639 (alpha-2 code where one exists, else ISO 639-3), curated list.\n"
        f"# GENERATED by nicat/vocab/data/generate_iso.py from {source}; edit the script, not this file.\n"
        "# htcds = ISO 639-2 / 639-1 code (HTCDS 2.0 prs_PrimaryLanguage); empty when not in ISO 639-2.\n",
        languages(),
    )


if __name__ == "__main__":
    main()
