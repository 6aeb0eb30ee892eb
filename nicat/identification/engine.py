"""The screening rule engine: answers in, a recommendation with its reasons out. Never a verdict.

`evaluate(answers)` is a function of the answers and the versioned data (indicator lists,
element and profile rules, legal definition) and of the age of majority at the time of the acts, which
the service gives in `Answers.majority` (when it is not given, the value in force today is read from the
legal parameters: the one database read). It is *total*: every combination of answers,
including incomplete, contradictory or unknown ones, yields a recommendation; nothing raises.
Services reject bad input before it is saved; the engine still copes with it (and says what it
ignored), so that a stored screening can always be re-explained.

The result is plain JSON-ready data of codes and numbers; `messages.explain()` turns it into
sentences in the reader's language.
"""
from dataclasses import dataclass, field

from nicat.identification import indicators as data
from nicat.persons.age import child_age, classify

ENGINE_VERSION = "1"
YES, NO, UNKNOWN = "yes", "no", "unknown"
ANSWERS = (YES, NO, UNKNOWN)
REFER_IDENTIFICATION = "refer_identification"
REFER_ASSISTANCE = "refer_assistance"
NO_INDICATION = "no_indication"
NEXT_STEPS = (REFER_IDENTIFICATION, REFER_ASSISTANCE, NO_INDICATION)  # most to least serious
LEGAL_ELEMENTS = ("acts", "means", "purposes")


@dataclass(frozen=True)
class Answers:
    """What the screener recorded. Every field may be empty or unknown."""

    age_at_acts: int | None = None  # whole years at the time of the acts; None = unknown
    age_is_estimate: bool = False
    age_basis: str = ""  # where the date of the acts came from (informational)
    # the age of majority in force at the time of the acts (nicat.persons.age.child_age); None = today's
    majority: int | None = None
    population: str | None = None  # "adult" / "child" if the screener chose; None = derive from the age
    exploitation: str | None = None  # "labour" / "sexual" list if chosen; None = derive from the purposes
    acts: frozenset = frozenset()  # vocabulary codes (act)
    means: frozenset = frozenset()  # vocabulary codes (means)
    purposes: frozenset = frozenset()  # vocabulary codes (exploitation)
    facts: dict = field(default_factory=dict)  # "acts" | "means" | "purposes" -> has supporting facts (bool/text)
    consent_reported: bool = False
    indicators: dict = field(default_factory=dict)  # "<element>.<indicator>" -> yes | no | unknown
    indicator_facts: dict = field(default_factory=dict)  # code -> has facts (bool/text)


def majority_of(answers):
    """The age of majority the answers are judged by: the one in force at the time of the acts, as the service
    gives it; today's when not given."""
    return answers.majority if answers.majority is not None else child_age()


def _population(answers, legal):
    """(population used, basis, conflict or None) by the one age rule (nicat.persons.age): unknown or
    borderline estimated ages are treated as a child's (Council of Europe Convention Art. 10(3))."""
    age = answers.age_at_acts
    derived, basis = classify(age, bool(answers.age_is_estimate), majority=majority_of(answers))
    requested = answers.population if answers.population in data.POPULATIONS else None
    conflict = None
    if requested and requested != derived:
        conflict = {"code": "population_conflict", "params": {"requested": requested, "used": derived,
                                                              "age": age if basis != "age_unknown" else None}}
    return derived, basis, conflict


def _counts(present, list_name):
    counts = {s: 0 for s in data.STRENGTHS}
    for indicator in present:
        counts[indicator.grades[list_name]] += 1
    return counts


def _satisfies(counts, alternative):
    return all(sum(counts[s] for s in strengths) >= minimum for strengths, minimum in alternative)


def _shortfall(counts, rule, available):
    """The cheapest alternative that the not-yet-answered indicators (`available`: counts by grade)
    can still complete — or, when none can, the cheapest at all: {"strong": n, "medium+weak": n}."""
    best = None
    for alternative in rule:
        need, feasible = {}, True
        for strengths, minimum in alternative:
            missing = minimum - sum(counts[s] for s in strengths)
            if missing > 0:
                need["+".join(s for s in data.STRENGTHS if s in strengths)] = missing
                feasible = feasible and sum(available[s] for s in strengths) >= missing
        key = (not feasible, sum(need.values()))
        if best is None or key < best[0]:
            best = (key, need)
    return best[1] if best else {}


def _eval_expr(expr, met):
    if isinstance(expr, str):
        return bool(met.get(expr))
    (op, parts), = expr.items()
    results = [_eval_expr(p, met) for p in parts]
    return all(results) if op == "all_of" else any(results)


def _codes(values):
    try:
        return sorted({str(v) for v in (values or ()) if v not in (None, "")})
    except TypeError:
        return []


def _has_facts(value):
    return bool(value.strip()) if isinstance(value, str) else bool(value)


def evaluate(answers, *, indicator_set=None, legal=None):
    """The recommendation for `answers` (an `Answers`), as a JSON-ready dict. Total: never raises."""
    iset = indicator_set or data.indicator_set()
    legal = legal or data.legal_definition()
    reasons, missing, conflicts = [], [], []

    # 1. Age at the time of the acts decides the lists and whether the means are needed.
    population, age_basis, conflict = _population(answers, legal)
    if conflict:
        conflicts.append(conflict)
    age = answers.age_at_acts if age_basis != "age_unknown" else None
    reasons.append({"code": age_basis, "params": {"age": age, "majority": majority_of(answers)}})
    if age_basis == "age_unknown":
        missing.append({"code": "missing_age", "params": {}})

    # 2. The legal definition: act + means + purpose; a child needs no means.
    acts, means, purposes = _codes(answers.acts), _codes(answers.means), _codes(answers.purposes)
    means_required = legal.means_required[population]
    act_ok, means_ok, purpose_ok = bool(acts), bool(means), bool(purposes)
    legal_met = act_ok and purpose_ok and (means_ok or not means_required)
    facts = answers.facts if isinstance(answers.facts, dict) else {}
    for name, present in (("acts", act_ok), ("means", means_ok), ("purposes", purpose_ok)):
        if present and not _has_facts(facts.get(name)):
            missing.append({"code": "facts_missing", "params": {"element": name}})
    if not act_ok:
        missing.append({"code": "missing_act", "params": {}})
    if means_required and not means_ok:
        missing.append({"code": "missing_means", "params": {}})
    if not purpose_ok:
        missing.append({"code": "missing_purpose", "params": {}})
    if legal_met:
        reasons.append({"code": "legal_met_child" if not means_required else "legal_met_adult",
                        "params": {"acts": acts, "means": means, "purposes": purposes}})
    else:
        reasons.append({"code": "legal_not_met", "params": {}})

    # Consent: never decisive. It does not count where a means was used, nor for a child.
    if answers.consent_reported is True:
        if population == "child":
            reasons.append({"code": "consent_irrelevant_child", "params": {}})
        elif means_ok:
            reasons.append({"code": "consent_irrelevant_means", "params": {"means": means}})
        else:
            reasons.append({"code": "consent_adult_no_means", "params": {}})

    # 3. The ILO/EC indicators of the list that fits the population and the purposes.
    exploitation = answers.exploitation if answers.exploitation in data.EXPLOITATION_KINDS else None
    if exploitation is None:
        exploitation = legal.exploitation_kind(purposes)
    indicator_list = iset.list_for(population, exploitation)
    raw = answers.indicators if isinstance(answers.indicators, dict) else {}
    ind_facts = answers.indicator_facts if isinstance(answers.indicator_facts, dict) else {}
    ignored = sorted(str(code) for code, value in raw.items()
                     if code not in iset.by_code or indicator_list.name not in iset.by_code[code].grades
                     or value not in ANSWERS)
    elements, met = [], {}
    for element in iset.elements:
        used = [i for i in element.indicators if indicator_list.name in i.grades]
        present = [i for i in used if raw.get(i.code) == YES]
        open_ = [i for i in used if raw.get(i.code) not in (YES, NO)]
        unanswered = len(open_)
        counts = _counts(present, indicator_list.name)
        is_met = any(_satisfies(counts, alt) for alt in iset.element_rule)
        met[element.code] = is_met
        entry = {"code": element.code, "group": element.group, "met": is_met, "counts": counts,
                 "present": [{"code": i.code, "strength": i.grades[indicator_list.name],
                              "facts": _has_facts(ind_facts.get(i.code))} for i in present],
                 "unanswered": unanswered, "shortfall": None if is_met else _shortfall(counts, iset.element_rule,
                                                                 _counts(open_, indicator_list.name))}
        elements.append(entry)
        if is_met:
            reasons.append({"code": "element_met", "params": {"element": element.code,
                                                              "indicators": [i.code for i in present]}})
        elif present:  # partly shown: say what would complete it (untouched elements are summed up below)
            missing.append({"code": "element_shortfall", "params": {
                "element": element.code, "needed": entry["shortfall"], "unanswered": unanswered}})
    profile_met = _eval_expr(iset.profiles[population], met)
    groups = {g: any(e["met"] for e in elements if e["group"] == g) for g in ("recruitment", "destination")}
    if profile_met:
        reasons.append({"code": f"profile_met_{population}", "params": {}})
    else:
        if population == "adult" and not groups["recruitment"]:
            missing.append({"code": "profile_missing_recruitment", "params": {}})
        if not groups["destination"]:
            missing.append({"code": "profile_missing_destination", "params": {}})
        if population == "adult" and groups["recruitment"] and not means_ok:
            missing.append({"code": "means_from_indicators", "params": {
                "elements": [e["code"] for e in elements if e["group"] == "recruitment" and e["met"]]}})

    # 4. The next step: the most serious that the answers support.
    indicated = legal_met or profile_met
    any_sign = (act_ok or means_ok or purpose_ok or any(e["present"] for e in elements))
    if indicated:
        next_step = REFER_IDENTIFICATION
    elif any_sign:
        next_step = REFER_ASSISTANCE
    else:
        next_step = NO_INDICATION
    reasons.append({"code": f"next_{next_step}", "params": {}})
    if ignored:
        conflicts.append({"code": "indicators_ignored", "params": {"count": len(ignored)}})

    return {
        "engine": ENGINE_VERSION,
        "indicator_set": {"id": iset.id, "version": iset.version},
        "legal_definition": {"id": legal.id, "version": legal.version},
        "age": {"years": age, "estimate": bool(answers.age_is_estimate) and age is not None,
                "basis": age_basis, "population": population, "dated_from": str(answers.age_basis or "")},
        "list": indicator_list.name,
        "legal": {"acts": acts, "means": means, "purposes": purposes, "means_required": means_required,
                  "met": legal_met, "consent_reported": answers.consent_reported is True},
        "elements": elements,
        "profile": {"met": profile_met, "groups": groups},
        "indicated": indicated,
        "next_step": next_step,
        "reasons": reasons,
        "missing": missing,
        "conflicts": conflicts,
        "ignored": ignored,
    }


def rank(next_step):
    """0 for the most serious next step; for comparisons in tests and lists."""
    return NEXT_STEPS.index(next_step)
