"""Person names across Azerbaijani Latin, Azerbaijani/Russian Cyrillic and English spellings.

Two forms come out of a name:

* `fold(text)` — a readable, lower-case ASCII transliteration: Turkic dotted/dotless i handled,
  Azerbaijani and Cyrillic letters mapped by a small table before `anyascii` sees the rest
  ("Məmmədova" → "mammadova", "Мамедова" → "mamedova", "Hüseynov" → "huseynov").
* `key(word)` — a phonetic key of one word in which the spellings that differ only by script,
  keyboard or transliteration convention coincide: vowels a/ə/e merge, g/q/ğ/h/x/k merge (Russian
  writes Azerbaijani h and q as г, x as х), c/ç/j/dzh/ch merge, ş/sh/s merge, y glides drop, doubled
  letters collapse, and the family-name and patronymic endings (-ov/-ova, -yev/-yeva, -li/-lı,
  -ovich/-ovna …) are cut off, so that Məmmədova, Мамедова, Mammadova, Mamedova and Memmedova all
  give "mamad". Markers such as oğlu/qızı/оглы/кызы and honorifics are dropped.

`parts(...)` splits the name fields of a person into the keys of its words, in any order (name
order is not trusted: a family name typed into the given-name box still matches).

Pure Python (no Django), so the benchmarks can import it in any environment.
"""
import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

# Letters mapped before anyascii (lower case). Azerbaijani Latin and Azerbaijani/Russian Cyrillic.
_PRE = {
    # Azerbaijani Latin
    "ə": "a", "ä": "a", "ı": "i", "ö": "o", "ü": "u", "ş": "sh", "ç": "ch", "ğ": "gh", "x": "kh",
    # Azerbaijani Cyrillic (1939–1991 alphabet)
    "ә": "a", "ғ": "gh", "һ": "h", "ҹ": "j", "ө": "o", "ү": "u", "ҝ": "g", "ј": "y", "ҷ": "j", "ҳ": "h",
    "қ": "q", "ң": "n", "ұ": "u", "і": "i",
    # Russian Cyrillic (explicit where anyascii's choice would split variants)
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s",
    "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "",
    "ы": "i", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}
_PRE_RE = re.compile("|".join(sorted(map(re.escape, _PRE), key=len, reverse=True)))
_NON_LETTERS = re.compile(r"[^a-z]+")

# Words that are not names: patronymic markers (oğlu "son of", qızı "daughter of") and honorifics.
MARKER_WORDS = ("oğlu", "oglu", "ogly", "oghlu", "оглы", "оглу", "qızı", "gızı", "kızı", "kyzy", "кызы", "гызы",
                "xanım", "ханым", "khanum", "bəy", "бек", "бей", "mr", "mrs", "ms", "miss")

_VOWELS = set("aeiou")
# Digraphs first (order matters), then single letters, into phonetic classes:
#   K = g q ğ h x k (kh, gh)     J = c ç j (ch, dzh, dj, zh)     S = s ş (sh, shch)
_DIGRAPHS = (("shch", "S"), ("dzh", "J"), ("dj", "J"), ("dz", "J"), ("tch", "J"), ("kh", "K"), ("gh", "K"),
             ("sh", "S"), ("ch", "J"), ("zh", "J"), ("ph", "f"), ("ck", "K"), ("ts", "s"), ("th", "t"))
_SINGLE = {"g": "K", "q": "K", "h": "K", "x": "K", "k": "K", "j": "J", "s": "S", "w": "v", "e": "a"}
# Endings cut from the key (family names and patronymics). Checked longest first; the stem must keep
# at least MIN_STEM characters, so that short names (Əli, Vəli, Lev) are left whole.
_PATRONYMIC_ENDINGS = ("oviJna", "aviJna", "iniJna", "iJna", "oviJ", "aviJ", "ovna", "avna")
_FAMILY_ENDINGS = ("ov", "av", "li", "lu")
MIN_STEM = 3


def casefold(text: str) -> str:
    """Lower case that knows Turkic İ/ı: "İlqar" → "ilqar", "ILQAR" → "ilqar", "Aydın" → "aydin".

    Python's "İ".lower() is "i" + U+0307 and "I".lower() is "i" (not Azerbaijani "ı"); since ı and i
    are compared as one letter in the folded form, every capital or small dotted/dotless I becomes i.
    """
    text = unicodedata.normalize("NFC", text or "")
    text = text.replace("İ", "i").replace("I", "i").replace("ı", "i")
    return text.casefold().replace("\u0307", "")


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Readable comparable form: lower-case ASCII words separated by single spaces."""
    text = _PRE_RE.sub(lambda m: _PRE[m.group(0)], casefold(text))
    text = anyascii(text).lower().replace("x", "kh")  # an x that anyascii produced reads like Azerbaijani x
    return " ".join(w for w in _NON_LETTERS.split(text) if w)


# The written form keeps the one distinction both alphabets write and `fold` drops: dotless ı (Cyrillic ы)
# apart from i (и) — Alılı = Алылы, but not Əlilı = Алилы. "Q" (upper case: no folded text has one) marks it.
_WRITTEN = {**_PRE, "ı": "Q", "ы": "Q"}
_WRITTEN_RE = re.compile("|".join(sorted(map(re.escape, _WRITTEN), key=len, reverse=True)))
_NON_WRITTEN = re.compile(r"[^a-zQ]+")


@lru_cache(maxsize=65536)
def written_words(text: str) -> tuple:
    """The words of a name as written, as `spelling_key` reads them (any script) but a little finer: the
    name search puts a person written as the query (Nigar Alılı, Нигар Алылы) before namesakes written
    otherwise (Nigar Əlilı, Нигар Алилы) whom every key and fold take for the same name."""
    text = unicodedata.normalize("NFC", text or "").replace("İ", "i").replace("I", "i").lower()
    text = anyascii(_WRITTEN_RE.sub(lambda m: _WRITTEN[m.group(0)], text)).replace("x", "kh")
    return tuple(_phonetic(w) for w in _NON_WRITTEN.split(text) if w)


def _phonetic(word: str) -> str:
    c = word
    # c is taken as the Azerbaijani c (Cəfər, Hicran, Sevinc), written j/dzh in other scripts.
    for src, dst in _DIGRAPHS:
        c = c.replace(src, dst)
    c = "".join(_SINGLE.get(ch, ch) for ch in c)
    c = c.replace("c", "J")
    # y before a vowel is a glide that other spellings drop or fold into the letter (Aliyev/Алиев,
    # Ağayev/Агаев, Gyunel/Günel, Yusif/Юсиф): dropped. Elsewhere it is the vowel i (Aysel/Aisel,
    # Hüseynov/Huseinov, Lynn).
    out = []
    for i, ch in enumerate(c):
        if ch == "y":
            nxt = c[i + 1] if i + 1 < len(c) else ""
            if nxt in _VOWELS:
                continue
            ch = "i"
        out.append(ch)
    # collapse doubled letters (Məmmədov/Мамедов, Ülviyyə/Ульвия)
    collapsed: list[str] = []
    for ch in out:
        if not collapsed or collapsed[-1] != ch:
            collapsed.append(ch)
    return "".join(collapsed)


def _strip_endings(k: str) -> str:
    for end in _PATRONYMIC_ENDINGS:
        if k.endswith(end) and len(k) - len(end) >= MIN_STEM:
            return k[: -len(end)]
    if k.endswith(("ova", "ava")) and len(k) > 3:  # feminine -ova/-yeva: the masculine form first
        k = k[:-1]
    for end in _FAMILY_ENDINGS:
        if k.endswith(end) and len(k) - len(end) >= MIN_STEM:
            return k[: -len(end)]
    return k


def _raw_key(word: str) -> str:
    return _strip_endings(_phonetic("".join(fold(word).split())))


MARKER_KEYS = frozenset(_raw_key(w) for w in MARKER_WORDS)


@lru_cache(maxsize=65536)
def key(word: str) -> str:
    """Phonetic key of one name word (any script). Empty for markers such as oğlu/qızı."""
    k = _raw_key(word)
    return "" if k in MARKER_KEYS else k


@lru_cache(maxsize=65536)
def spelling_key(word: str) -> str:
    """Phonetic key of one name word with its ending kept (any script): "Cəfərli" and "Джафарли" agree,
    "Cəfərli" and "Cəfərov" do not — what `key` forgets to let a family's forms match."""
    return _phonetic("".join(fold(word).split()))


def words(text: str) -> list:
    """The words of a name field, folded ("Rəşid qızı" → ["rashid", "qizi"])."""
    return fold(text).split() if text else []


def word_keys(text: str) -> list:
    """Keys of the name words in one field, markers dropped, order kept, duplicates removed."""
    seen = []
    for w in words(text):
        k = key(w)
        if k and k not in seen:
            seen.append(k)
    return seen


def parts(given="", family="", patronymic="", aliases=()) -> dict:
    """Keys of a person's names by role: {"given": [...], "family": [...], "patronymic": [...],
    "aliases": [[...], ...], "all": [every distinct key]}."""
    result = {"given": word_keys(given), "family": word_keys(family), "patronymic": word_keys(patronymic),
              "aliases": [word_keys(a) for a in (aliases or []) if a]}
    every = []
    for group in (result["given"], result["family"], result["patronymic"], *result["aliases"]):
        for k in group:
            if k not in every:
                every.append(k)
    result["all"] = every
    return result


def canonical(given="", family="", patronymic="") -> str:
    """Order-free canonical key of a full name (given + family + patronymic): equal for every spelling
    and order of the same name ("Məmmədova Aysel" == "Aysel Mammadova" == "Мамедова Айсель")."""
    p = parts(given, family, patronymic)
    return " ".join(sorted(set(p["given"] + p["family"] + p["patronymic"])))


def folded_name(given="", family="", patronymic="") -> str:
    """Folded full name (readable ASCII) for fuzzy ranking."""
    return " ".join(w for w in (fold(given), fold(family), fold(patronymic)) if w)


def normalise_document(number: str) -> str:
    """Document numbers compare without spaces, dashes and case: "AA 123-4567" → "AA1234567"."""
    return re.sub(r"[^0-9A-Z]", "", anyascii(casefold(number or "")).upper())


def normalise_phone(number: str) -> str:
    """The last nine digits of a phone number (Azerbaijani numbers without country or trunk prefix)."""
    digits = re.sub(r"\D", "", number or "")
    return digits[-9:] if len(digits) >= 7 else ""


_FEMININE = ("ova", "eva", "yeva", "ina", "skaya", "qizi", "gizi", "kizi", "kyzy", "ovna", "evna", "ichna")
_MASCULINE = ("ov", "ev", "yev", "in", "skiy", "skii", "oglu", "ogly", "oghlu", "ovich", "evich", "ich")


def gender_hint(family="", patronymic="") -> str:
    """"f" or "m" when an Azerbaijani or Russian family name or patronymic shows it (-ova/-ov,
    qızı/oğlu, -ovna/-ovich), else ""."""
    for text in (patronymic, family):
        for word in reversed(fold(text).split()):
            if word.endswith(_FEMININE):
                return "f"
            if word.endswith(_MASCULINE):
                return "m"
    return ""
