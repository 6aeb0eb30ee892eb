"""Reading the versioned screening data: the ILO/EC indicator lists and the legal definition.

The YAML files in `nicat/identification/data/` are the single source of the indicators, their
grades, the element rule and the profile rule. They are validated when first read, so that a
broken file fails loudly at start-up (and in the tests), never in front of a case worker.
"""
import functools
import pathlib
from dataclasses import dataclass, field

import yaml
from django.utils.translation import get_language

DATA_DIR = pathlib.Path(__file__).resolve().parent / "data"
GRADES = {"s": "strong", "m": "medium", "w": "weak"}
STRENGTHS = ("strong", "medium", "weak")
LIST_KEYS = {"al": "adult_labour", "as": "adult_sexual", "cl": "child_labour", "cs": "child_sexual"}
POPULATIONS = ("adult", "child")
EXPLOITATION_KINDS = ("labour", "sexual")
LANGS = ("az", "ru", "en")


def _label(mapping):
    lang = (get_language() or "az")[:2]
    return mapping.get(lang) or mapping.get("en") or ""


@dataclass(frozen=True)
class Indicator:
    code: str  # "<element>.<indicator>", unique across the file
    element: str
    labels: dict
    grades: dict  # list name -> "strong" | "medium" | "weak" (absent when not in that list)

    @property
    def label(self):
        return _label(self.labels)


@dataclass(frozen=True)
class Element:
    code: str
    group: str  # "recruitment" | "destination"
    labels: dict
    indicators: tuple

    @property
    def label(self):
        return _label(self.labels)


@dataclass(frozen=True)
class IndicatorList:
    name: str
    population: str
    exploitation: str
    labels: dict
    checked: str
    verified: bool = False  # the grades were compared with the published list (False: shown as unverified)

    @property
    def label(self):
        return _label(self.labels)


@dataclass(frozen=True)
class IndicatorSet:
    id: str
    version: str
    titles: dict
    citation: str
    reference: str
    lists: dict
    element_rule: tuple  # alternatives: tuple of ((frozenset of strengths), minimum)
    profiles: dict  # population -> expression
    elements: tuple
    by_code: dict = field(default_factory=dict)

    @property
    def title(self):
        return _label(self.titles)

    def element(self, code):
        return next(e for e in self.elements if e.code == code)

    def list_for(self, population, exploitation):
        return next(lst for lst in self.lists.values()
                    if lst.population == population and lst.exploitation == exploitation)

    def indicators_of(self, list_name, element_code=None):
        """Indicators used by a list (in file order), optionally of one element."""
        return [i for e in self.elements if element_code in (None, e.code)
                for i in e.indicators if list_name in i.grades]


@dataclass(frozen=True)
class LegalDefinition:
    id: str
    version: str
    means_required: dict
    indicator_list_for_exploitation: dict
    default_indicator_list: str

    def exploitation_kind(self, purpose_codes):
        """The indicator list that fits the purposes: sexual if any purpose maps to it, else labour."""
        kinds = {self.indicator_list_for_exploitation.get(code, self.default_indicator_list)
                 for code in purpose_codes}
        if "sexual" in kinds:
            return "sexual"
        return self.default_indicator_list if not kinds else sorted(kinds)[0]


class DataError(ValueError):
    pass


def _require(cond, message):
    if not cond:
        raise DataError(message)


def _labels(raw, where):
    labels = {lang: raw.get(lang) for lang in LANGS}
    for lang, text in labels.items():
        _require(isinstance(text, str) and text.strip(), f"{where}: missing the {lang} text")
    return labels


def _check_expression(expr, element_codes, where):
    if isinstance(expr, str):
        _require(expr in element_codes, f"{where}: unknown element {expr!r}")
        return
    _require(isinstance(expr, dict) and len(expr) == 1, f"{where}: expected an element, any_of or all_of")
    (op, parts), = expr.items()
    _require(op in ("any_of", "all_of") and isinstance(parts, list) and parts, f"{where}: bad operator {op!r}")
    for part in parts:
        _check_expression(part, element_codes, where)


def parse_indicator_set(data, name="ilo_indicators.yaml"):
    _require(isinstance(data, dict), f"{name}: expected a mapping")
    for key in ("id", "version", "title", "source", "lists", "element_rule", "profiles", "elements"):
        _require(key in data, f"{name}: missing {key!r}")
    lists = {}
    for list_name, raw in data["lists"].items():
        where = f"{name}: list {list_name}"
        _require(list_name in LIST_KEYS.values(), f"{where}: unknown list")
        _require(raw.get("population") in POPULATIONS, f"{where}: population must be adult or child")
        _require(raw.get("exploitation") in EXPLOITATION_KINDS, f"{where}: exploitation must be labour or sexual")
        _require(isinstance(raw.get("verified"), bool), f"{where}: say whether the list is verified (true/false)")
        lists[list_name] = IndicatorList(list_name, raw["population"], raw["exploitation"], _labels(raw, where),
                                         str(raw.get("checked", "")), raw["verified"])
    _require(set(lists) == set(LIST_KEYS.values()), f"{name}: the four lists must all be declared")

    alternatives = []
    for position, alt in enumerate(data["element_rule"].get("any_of") or [], start=1):
        where = f"{name}: element_rule alternative {position}"
        _require(isinstance(alt, dict) and alt, f"{where}: expected minimum counts")
        seen, groups = set(), []
        for key, minimum in alt.items():
            strengths = frozenset(key.split("+"))
            _require(strengths <= set(STRENGTHS), f"{where}: unknown grade in {key!r}")
            _require(not (strengths & seen), f"{where}: grades overlap")
            _require(isinstance(minimum, int) and minimum > 0, f"{where}: minimum must be a positive whole number")
            seen |= strengths
            groups.append((strengths, minimum))
        alternatives.append(tuple(groups))
    _require(alternatives, f"{name}: element_rule needs at least one alternative")

    elements, by_code = [], {}
    for raw in data["elements"]:
        code = raw.get("code")
        where = f"{name}: element {code}"
        _require(isinstance(code, str) and code, f"{name}: an element has no code")
        _require(raw.get("group") in ("recruitment", "destination"), f"{where}: group must be recruitment/destination")
        indicators = []
        for ind in raw.get("indicators") or []:
            icode = f"{code}.{ind.get('code')}"
            iwhere = f"{name}: indicator {icode}"
            _require(icode not in by_code, f"{iwhere}: duplicate code")
            grades = {}
            for short, grade in (ind.get("grades") or {}).items():
                _require(short in LIST_KEYS, f"{iwhere}: unknown list {short!r}")
                if grade in (None, "-"):
                    continue
                _require(grade in GRADES, f"{iwhere}: grade must be s, m, w or -")
                grades[LIST_KEYS[short]] = GRADES[grade]
            _require(set(ind.get("grades") or {}) == set(LIST_KEYS),
                     f"{iwhere}: give a grade for each of the four lists")
            indicator = Indicator(icode, code, _labels(ind, iwhere), grades)
            indicators.append(indicator)
            by_code[icode] = indicator
        _require(indicators, f"{where}: no indicators")
        elements.append(Element(code, raw["group"], _labels(raw, where), tuple(indicators)))
    codes = {e.code for e in elements}
    _require(len(codes) == len(elements), f"{name}: duplicate element code")
    for population in POPULATIONS:
        _require(population in data["profiles"], f"{name}: no profile rule for {population}")
        _check_expression(data["profiles"][population], codes, f"{name}: profile {population}")
    source = data["source"]
    return IndicatorSet(
        id=str(data["id"]), version=str(data["version"]), titles=_labels(data["title"], f"{name}: title"),
        citation=" ".join(str(source.get("citation", "")).split()), reference=str(source.get("reference", "")),
        lists=lists, element_rule=tuple(alternatives), profiles=dict(data["profiles"]), elements=tuple(elements),
        by_code=by_code)


def parse_legal_definition(data, name="legal_definition.yaml"):
    _require(isinstance(data, dict), f"{name}: expected a mapping")
    # Who is a child is not data of this file: the one age rule is nicat.persons.age (docs/legal-rules.md).
    _require(not ({"child_age", "estimate_margin_years", "unknown_age_population"} & set(data)),
             f"{name}: the age rule lives in nicat/persons/age.py, not here")
    required = data.get("means_required") or {}
    _require(set(required) == set(POPULATIONS), f"{name}: means_required needs adult and child")
    mapping = data.get("indicator_list_for_exploitation") or {}
    _require(all(v in EXPLOITATION_KINDS for v in mapping.values()), f"{name}: lists must be labour or sexual")
    _require(data.get("default_indicator_list") in EXPLOITATION_KINDS, f"{name}: default list must be labour/sexual")
    return LegalDefinition(
        id=str(data.get("id")), version=str(data.get("version")),
        means_required={k: bool(v) for k, v in required.items()}, indicator_list_for_exploitation=dict(mapping),
        default_indicator_list=data["default_indicator_list"])


def _read(filename):
    path = DATA_DIR / filename
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DataError(f"{filename}: not valid YAML: {exc}") from exc


@functools.lru_cache(maxsize=1)
def indicator_set():
    return parse_indicator_set(_read("ilo_indicators.yaml"))


@functools.lru_cache(maxsize=1)
def legal_definition():
    return parse_legal_definition(_read("legal_definition.yaml"))


@functools.lru_cache(maxsize=1)
def certificate_texts():
    data = _read("certificate.yaml")
    keys = set(data["en"])
    for lang in LANGS:
        _require(set(data.get(lang) or {}) == keys, f"certificate.yaml: {lang} must have the same texts as en")
    return data
