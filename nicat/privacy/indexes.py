"""Blind indexes and keyed fuzzy tokens of a person's identity (see docs/matching.md).

Nothing here is stored in plain text: every value that reaches the database is a keyed HMAC-SHA256.

* Exact indexes (`exact_indexes`) are `nicat.privacy.crypto.blind_index(value, purpose)`: one
  64-hex-digit value per purpose (canonical full name, first document number, date of birth, year
  of birth). Equal normalised values give equal indexes; nothing else is revealed.
* Fuzzy tokens (`person_tokens`) are 64-bit truncations of HMAC-SHA256 under a *per-kind sub-key*
  derived from NICAT_INDEX_KEY (HMAC domain separation), so a token of one kind cannot be linked to
  a token of another kind even when the underlying value is the same. Kinds (see `Kind`) pair name
  keys with each other or with birth data, so that most tokens are shared only by few people.

Candidates for a person are the persons sharing at least one token of the blocking kinds; they are
then decrypted and ranked in memory (`nicat.persons.matching`).

Importable without a database: the key comes from Django settings (call `settings.configure(...)`
in a script), or is passed explicitly with `use_key()`.
"""
import datetime
import hashlib
import hmac
import re
from functools import lru_cache
from itertools import combinations, permutations

from nicat.core.calendar import baku_today
from nicat.privacy import names

_override_key = None


class Kind:
    NAME = 1          # key of one name word
    NAME_PREFIX = 2   # first four characters of the key of one name word (typos late in a name)
    NAME_PAIR = 3     # two name keys (any order): given + family, given + patronymic …
    NAME_PARTIAL = 4  # one name key + the first three characters of another (typo in one name)
    NAME_DATE = 5     # one name key + date of birth (typo in the other name)
    NAME_YEAR = 6     # one name key + year of birth (wrong day or month; estimated ages ±1 year)
    DOCUMENT = 7      # normalised identity document number
    PHONE = 8         # last nine digits of a phone number
    BIRTH_DATE = 9    # exact date of birth (not an estimate): a block of its own, for names typed badly
    DOCUMENT_NEAR = 10  # a document number with one character left out (one typo or swapped digits apart)
    NAME_ADDRESS = 11  # one name key + one number of the address (house, flat, postcode)
    NAME_PAIR_YEAR = 12  # two name keys + year of birth (a common name pair, narrowed by the year)
    NAME_SPELLING = 13  # one name word with its ending (Cəfərli, not Cəfərov): the search tells them apart

    LABELS = {1: "name", 2: "name-prefix", 3: "name-pair", 4: "name-partial", 5: "name-date",
              6: "name-year", 7: "document", 8: "phone", 9: "birth-date", 10: "document-near",
              11: "name-address", 12: "name-pair-year", 13: "name-spelling"}


# Kinds that make a pair of records worth comparing (duplicates at intake and in the batch job).
BLOCKING_KINDS = (Kind.NAME_PAIR, Kind.NAME_PARTIAL, Kind.NAME_DATE, Kind.NAME_YEAR, Kind.DOCUMENT, Kind.PHONE,
                  Kind.BIRTH_DATE, Kind.DOCUMENT_NEAR, Kind.NAME_ADDRESS, Kind.NAME_PAIR_YEAR)
# Largest block compared pairwise, per token kind; larger blocks are left to the finer kinds. Name
# pairs, dates and documents make small blocks of likely pairs; a name with a year of birth or with a
# house number, or a date of birth alone, make big blocks of mostly different people.
SCAN_BLOCK_CAPS = {Kind.NAME_PAIR: 20, Kind.NAME_PARTIAL: 15, Kind.NAME_DATE: 40, Kind.NAME_YEAR: 10,
                   Kind.DOCUMENT: 40, Kind.DOCUMENT_NEAR: 15, Kind.PHONE: 40, Kind.BIRTH_DATE: 10,
                   Kind.NAME_ADDRESS: 10, Kind.NAME_PAIR_YEAR: 30}

# Kinds a name search looks up.
SEARCH_KINDS = (Kind.NAME, Kind.NAME_PREFIX, Kind.NAME_SPELLING, Kind.NAME_PAIR, Kind.NAME_PARTIAL)
MAX_NAME_KEYS = 6


def use_key(key):
    """Use `key` (text) instead of settings.NICAT_INDEX_KEY (benchmarks, tests); None to reset."""
    global _override_key
    _override_key = key
    _subkey.cache_clear()


def _master_key() -> bytes:
    if _override_key is not None:
        return _override_key.encode()
    from django.conf import settings

    return settings.NICAT_INDEX_KEY.encode()


@lru_cache(maxsize=64)
def _subkey(master: bytes, kind: int) -> bytes:
    return hmac.digest(master, f"nicat/person-token/v1/{kind}".encode(), "sha256")


def token(kind: int, value: str, master: bytes | None = None) -> int:
    """Keyed 64-bit token (signed, to fit a BIGINT column) of `value` for `kind`."""
    digest = hmac.digest(_subkey(master or _master_key(), kind), value.encode("utf-8"), "sha256")
    return int.from_bytes(digest[:8], "big", signed=True)


def exact(purpose: str, value: str) -> str:
    """Exact blind index (hex) of a normalised value, "" for an empty value."""
    if not value:
        return ""
    if _override_key is not None:
        return hmac.new(_override_key.encode(), f"{purpose}\x00{value}".encode(), hashlib.sha256).hexdigest()
    from nicat.privacy.crypto import blind_index

    return blind_index(value, purpose)


# --- What the indexes are computed from --------------------------------------------------------

def birth_years(data) -> list:
    """Years of birth to index: the year of the birth date, ±1 year when it is an estimate or when
    only an estimated age is known."""
    birth = data.get("birth_date")
    if isinstance(birth, str) and birth:
        birth = datetime.date.fromisoformat(birth)
    if birth:
        return [birth.year - 1, birth.year, birth.year + 1] if data.get("birth_date_is_estimate") else [birth.year]
    age = data.get("estimated_age")
    if age is None or age == "":
        return []
    recorded = data.get("age_recorded_on") or baku_today()
    if isinstance(recorded, str):
        recorded = datetime.date.fromisoformat(recorded)
    year = recorded.year - int(age)
    return [year - 1, year, year + 1]


def central_birth_year(data):
    years = birth_years(data)
    return years[len(years) // 2] if years else None


def _birth_iso(data):
    birth = data.get("birth_date")
    if not birth:
        return ""
    return birth if isinstance(birth, str) else birth.isoformat()


def name_keys(data) -> list:
    p = names.parts(data.get("given_name", ""), data.get("family_name", ""), data.get("patronymic", ""),
                    data.get("aliases") or ())
    return p["all"][:MAX_NAME_KEYS]


def spelling_keys(data) -> list:
    """Spelling keys (names.spelling_key) of every word of a person's names, aliases included."""
    out = []
    for text in (data.get("given_name", ""), data.get("family_name", ""), data.get("patronymic", ""),
                 *(data.get("aliases") or ())):
        for word in names.words(text or ""):
            k = names.spelling_key(word)
            if k and k not in out:
                out.append(k)
    return out[:2 * MAX_NAME_KEYS]


def documents(data) -> list:
    out = []
    for doc in data.get("documents") or []:
        number = names.normalise_document(doc.get("number", "") if isinstance(doc, dict) else str(doc))
        if len(number) >= 4 and number not in out:
            out.append(number)
    return out


def address_numbers(text, limit=3) -> list:
    """The first few numbers of an address (house, flat, postcode), without leading zeros."""
    out = []
    for n in re.findall(r"\d+", text or ""):
        n = n.lstrip("0") or "0"
        if n not in out:
            out.append(n)
        if len(out) == limit:
            break
    return out


def exact_indexes(data) -> dict:
    """Values of the Person index columns for `data` (a dict of plain person fields)."""
    docs = documents(data)
    year = central_birth_year(data)
    return {
        "name_index": exact("person.name", names.canonical(data.get("given_name", ""), data.get("family_name", ""),
                                                           data.get("patronymic", ""))),
        "document_index": exact("person.document", docs[0]) if docs else "",
        "birth_date_index": exact("person.birth_date", _birth_iso(data)),
        "birth_year_index": exact("person.birth_year", str(year)) if year is not None else "",
    }


def birth_date_index(day) -> str:
    return exact("person.birth_date", day.isoformat()) if day else ""


def birth_year_index(year) -> str:
    return exact("person.birth_year", str(year))


def document_index(number) -> str:
    return exact("person.document", names.normalise_document(number))


def person_tokens(data, kinds=None) -> set:
    """{(kind, token)} of a person (a dict of plain fields: given_name, family_name, patronymic,
    aliases, birth_date, birth_date_is_estimate, estimated_age, age_recorded_on, documents, phone)."""
    wanted = set(kinds) if kinds else None
    values = set()

    def add(kind, value):
        if wanted is None or kind in wanted:
            values.add((kind, value))

    keys = name_keys(data)
    birth = _birth_iso(data)
    years = birth_years(data)
    for k in keys:
        add(Kind.NAME, k)
        if len(k) > 4:
            add(Kind.NAME_PREFIX, k[:4])
        if birth and not data.get("birth_date_is_estimate"):
            add(Kind.NAME_DATE, f"{k}|{birth}")
        for y in years:
            add(Kind.NAME_YEAR, f"{k}|{y}")
    for k in spelling_keys(data):
        add(Kind.NAME_SPELLING, k)
    if birth and not data.get("birth_date_is_estimate"):
        add(Kind.BIRTH_DATE, birth)
    for a, b in combinations(sorted(keys), 2):
        add(Kind.NAME_PAIR, f"{a}|{b}")
        for y in years:
            add(Kind.NAME_PAIR_YEAR, f"{a}|{b}|{y}")
    for a, b in permutations(keys, 2):
        if len(b) > 3:
            add(Kind.NAME_PARTIAL, f"{a}|{b[:3]}")
    for number in documents(data):
        add(Kind.DOCUMENT, number)
        if len(number) >= 6:
            for i in range(len(number)):
                add(Kind.DOCUMENT_NEAR, number[:i] + number[i + 1:])
    for number in address_numbers(data.get("address", "")):
        for k in keys:
            add(Kind.NAME_ADDRESS, f"{k}|{number}")
    phone = names.normalise_phone(data.get("phone", ""))
    if phone:
        add(Kind.PHONE, phone)
    master = _master_key()
    return {(kind, token(kind, value, master)) for kind, value in values}


def search_name_tokens(text, *, combined=False) -> set:
    """Tokens to look up for a free-text name query (any spelling, any order): one name key and its
    prefix per word; with `combined`, also the keys two words make together, as `person_tokens`
    builds them (a pair of name keys, a key with the first three characters of another) — a pair of a
    common and a rare word is as rare as the rarer one, and rarer still."""
    keys = names.word_keys(text)[:MAX_NAME_KEYS]
    values = set()
    for k in keys:
        values.add((Kind.NAME, k))
        if len(k) > 4:
            values.add((Kind.NAME_PREFIX, k[:4]))
    if combined:
        for k in spelling_keys({"given_name": text}):
            values.add((Kind.NAME_SPELLING, k))
        for a, b in combinations(sorted(keys), 2):
            values.add((Kind.NAME_PAIR, f"{a}|{b}"))
        for a, b in permutations(keys, 2):
            if len(b) > 3:
                values.add((Kind.NAME_PARTIAL, f"{a}|{b[:3]}"))
    master = _master_key()
    return {(kind, token(kind, value, master)) for kind, value in values}
