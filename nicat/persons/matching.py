"""Ranking of candidate duplicates after decryption, in memory (no database, no Django).

A candidate pair is compared field by field (names in any order and script, birth data, document
numbers, phone, address). Each field gives an agreement level with a log2 Bayes factor, in the
manner of Fellegi–Sunter; the sum plus a prior is turned into a match probability. The weights are
fixed here (not trained on any benchmark) and documented in docs/matching.md.
"""
import datetime
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler, Levenshtein

from nicat.privacy import names

PRIOR = -11.0          # log2 odds that two records are the same person, when nothing else is known
LIKELY = 0.9           # probability from which a candidate is "likely the same person"
POSSIBLE = 0.1         # … "possibly the same person" (shown at intake, raised by the scan for review)
DUPLICATE_RATE = 0.1   # share of new registrations that are a person already registered (default prior)


def default_prior(registry_size):
    """log2 prior odds that one registered person is the new one, before any training: about
    DUPLICATE_RATE / n (at least 2,000 persons assumed)."""
    return round(math.log2(DUPLICATE_RATE / max(registry_size, 2000)), 3)

# Default log2(m/u) per field and agreement level: m = how often the level occurs for two records of
# one person, u = how often for two different people (from the size of the value space: about 1 in
# 200 share a given name, 1 in 500 a family name, 1 in 22,000 a birth date, 1 in a million a document
# number). `train()` re-estimates them from the registry itself (Fellegi–Sunter, EM), as the batch
# job does; the defaults apply until then.
DEFAULT_WEIGHTS = {
    "given": {"exact": 7.0, "close": 3.5, "similar": 0.5, "other": -3.5},
    "family": {"exact": 8.5, "close": 4.0, "similar": 0.5, "other": -3.5},
    "patronymic": {"exact": 1.5, "close": 0.8, "similar": 0.0, "other": -2.5},
    "birth": {"exact": 12.0, "typo": 5.0, "year": 1.0, "near": -1.0, "other": -3.0,
              "est_close": 2.0, "est_near": 0.5, "est_other": -3.0},
    "document": {"exact": 16.0, "typo": 11.0, "other": -1.5},
    "phone": {"exact": 12.0, "other": -1.0},
    # Addresses are weak evidence here: many victims give a shelter's or an agency's address.
    "address": {"exact": 6.0, "close": 4.0, "similar": 1.0, "partial": 0.0, "other": -1.5},
    # the numbers in the address (house, flat, postcode): all the same, some shared, none shared
    "address_numbers": {"same": 2.0, "some": 0.5, "other": -1.0},
    # recorded gender, or as the family name/patronymic shows it (-ova/-ov, qızı/oğlu)
    "gender": {"same": 0.5, "other": -5.0},
}
FIELDS = tuple(DEFAULT_WEIGHTS)
# Names alone (nothing else known on one side) never make a "likely" match: common names repeat.
NAMES_ONLY_CAP = 0.0
EVIDENCE_FIELDS = ("birth", "document", "phone", "address", "address_numbers")


@dataclass
class Model:
    """Prior log2 odds and log2(m/u) per field and level."""
    prior: float = PRIOR
    weights: dict = field(default_factory=lambda: {f: dict(w) for f, w in DEFAULT_WEIGHTS.items()})
    trained: dict = field(default_factory=dict)   # what training saw (counts only), for the record

    def weight_of(self, lv, adjust=0.0) -> float:
        """log2 odds of a pattern of levels; `adjust` is added before the names-only cap (the scan's
        term-frequency adjustment of an exact name agreement)."""
        total = self.prior + adjust
        positive_evidence = False
        for f, level in zip(FIELDS, lv):
            if level is None:
                continue
            w = self.weights[f].get(level, 0.0)
            total += w
            if f in EVIDENCE_FIELDS and w > 0:
                positive_evidence = True
        if not positive_evidence:
            total = min(total, NAMES_ONLY_CAP)
        return total

    def as_dict(self):
        return {"prior": self.prior, "weights": self.weights, "trained": self.trained}

    @classmethod
    def from_dict(cls, d):
        weights = {f: {**DEFAULT_WEIGHTS[f], **(d.get("weights", {}).get(f) or {})} for f in FIELDS}
        return cls(prior=d.get("prior", PRIOR), weights=weights, trained=d.get("trained", {}))


DEFAULT_MODEL = Model()


@dataclass
class Profile:
    """What the ranking needs from one (decrypted) person; built once per person."""
    given: list
    family: list
    patronymic: list
    aliases: list           # list of lists of keys
    given_fold: str
    family_fold: str
    birth: object = None    # datetime.date or None
    birth_estimate: bool = False
    years: tuple = ()
    documents: tuple = ()
    phone: str = ""
    address: str = ""
    address_raw: str = ""
    gender: str = ""
    ref: object = None                # whatever the caller wants back (a pk, a row index …)
    birth_s: str = ""                 # "YYYYMMDD"
    numbers: frozenset = frozenset()  # numbers of the address
    name_sig: tuple = ()              # everything the name comparison looks at (memo key)
    extra: dict = field(default_factory=dict)


def profile(data, ref=None) -> Profile:
    """A Profile from a dict of plain person fields (the same keys as the Person model)."""
    from nicat.privacy.indexes import birth_years, documents

    p = names.parts(data.get("given_name", ""), data.get("family_name", ""), data.get("patronymic", ""),
                    data.get("aliases") or ())
    birth = data.get("birth_date")
    if isinstance(birth, str):
        birth = datetime.date.fromisoformat(birth) if birth else None
    estimate = bool(data.get("birth_date_is_estimate")) or (birth is None and data.get("estimated_age") is not None)
    address_raw = data.get("address") or ""
    given, family, patronymic = tuple(p["given"]), tuple(p["family"]), tuple(p["patronymic"])
    aliases = tuple(tuple(a) for a in p["aliases"] if a)
    given_fold, family_fold = names.fold(data.get("given_name", "")), names.fold(data.get("family_name", ""))
    return Profile(
        given=list(given), family=list(family), patronymic=list(patronymic), aliases=[list(a) for a in aliases],
        given_fold=given_fold, family_fold=family_fold,
        birth=birth, birth_estimate=estimate, years=tuple(birth_years(data)), documents=tuple(documents(data)),
        phone=names.normalise_phone(data.get("phone", "")),
        address=" ".join(names.fold(address_raw).split()), address_raw=address_raw,
        gender=_gender(data), ref=ref, birth_s=birth.strftime("%Y%m%d") if birth else "",
        numbers=frozenset(_DIGITS.findall(address_raw)),
        name_sig=(given, family, patronymic, aliases, given_fold, family_fold))


def _gender(data):
    """"f"/"m" from the recorded gender, else as the names show it; nothing for transgender and
    non-conforming persons (their names and documents may say otherwise)."""
    g = data.get("gender")
    code = getattr(g, "code", g) or ""
    if code in ("feminine", "f"):
        return "f"
    if code in ("masculine", "m"):
        return "m"
    if code and code != "not_specified":
        return ""
    return names.gender_hint(data.get("family_name", ""), data.get("patronymic", ""))


def _sim(a_keys, b_keys, a_fold="", b_fold=""):
    """Similarity 0..1 of two name fields: Jaro–Winkler of the phonetic keys, or of the folded spelling
    when that is higher (typos), word order ignored."""
    if not a_keys or not b_keys:
        return None
    ka, kb = " ".join(sorted(a_keys)), " ".join(sorted(b_keys))
    if ka == kb:
        return 1.0
    best = JaroWinkler.normalized_similarity(ka, kb)
    if len(a_keys) > 1 or len(b_keys) > 1:  # one word of a compound name matches
        best = max(best, max(JaroWinkler.normalized_similarity(x, y) for x in a_keys for y in b_keys) - 0.04)
    if a_fold and b_fold:
        best = max(best, JaroWinkler.normalized_similarity(a_fold, b_fold))
    return best


def _level(sim):
    if sim is None:
        return None
    if sim >= 0.999:
        return "exact"
    if sim >= 0.92:
        return "close"
    if sim >= 0.85:
        return "similar"
    return "other"


def _names_levels(a: Profile, b: Profile):
    """(given level, family level, patronymic level): the best of given↔given + family↔family, or
    swapped (name order is not trusted), or through an alias (a full other name)."""
    if a.name_sig and b.name_sig:
        return _names_levels_memo(a.name_sig, b.name_sig)
    return _names_levels_of(a, b)


@lru_cache(maxsize=262144)
def _names_levels_memo(sig_a, sig_b):
    def prof(sig):
        given, family, patronymic, aliases, given_fold, family_fold = sig
        return Profile(given=list(given), family=list(family), patronymic=list(patronymic),
                       aliases=[list(x) for x in aliases], given_fold=given_fold, family_fold=family_fold)

    return _names_levels_of(prof(sig_a), prof(sig_b))


def _names_levels_of(a: Profile, b: Profile):
    w = DEFAULT_WEIGHTS

    def score(lg, lf):
        return (w["given"][lg] if lg else 0.0) + (w["family"][lf] if lf else 0.0)

    options = []
    for g2, f2, gf2, ff2 in ((b.given, b.family, b.given_fold, b.family_fold),
                             (b.family, b.given, b.family_fold, b.given_fold)):
        lg = _level(_sim(a.given, g2, a.given_fold, gf2))
        lf = _level(_sim(a.family, f2, a.family_fold, ff2))
        if lg or lf:
            options.append((score(lg, lf), lg, lf))
    full_a = a.given + a.family
    full_b = b.given + b.family
    for keys_a, keys_b in [(alias, full_b) for alias in a.aliases] + [(full_a, alias) for alias in b.aliases]:
        level = _full_level(keys_a, keys_b)
        if level:
            options.append((score(level, level), level, level))
    lp = _level(_sim(a.patronymic, b.patronymic)) if a.patronymic and b.patronymic else None
    if not options:
        return None, None, lp
    _, lg, lf = max(options, key=lambda o: o[0])
    return lg, lf, lp


def _full_level(keys_a, keys_b):
    if not keys_a or not keys_b:
        return None
    ratio = fuzz.token_sort_ratio(" ".join(keys_a), " ".join(keys_b)) / 100
    if ratio >= 0.999:
        return "exact"
    if ratio >= 0.9:
        return "close"
    return None


def _birth_level(a: Profile, b: Profile):
    if a.birth and b.birth and not a.birth_estimate and not b.birth_estimate:
        if a.birth == b.birth:
            return "exact"
        sa, sb = a.birth_s, b.birth_s
        swapped = a.birth.year == b.birth.year and a.birth.month == b.birth.day and a.birth.day == b.birth.month
        if swapped or Levenshtein.distance(sa, sb) <= 1 or _transposed(sa, sb):
            return "typo"
        if a.birth.year == b.birth.year:
            return "year"
        if abs(a.birth.year - b.birth.year) <= 1:
            return "near"
        return "other"
    if a.years and b.years:
        ya, yb = a.years[len(a.years) // 2], b.years[len(b.years) // 2]
        d = abs(ya - yb)
        if d <= 1:
            return "est_close"
        if d <= 3:
            return "est_near"
        return "est_other"
    return None


def _transposed(sa, sb):
    if len(sa) != len(sb):
        return False
    diff = [i for i in range(len(sa)) if sa[i] != sb[i]]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and sa[diff[0]] == sb[diff[1]] and sa[diff[1]] == sb[diff[0]]


def _document_level(a: Profile, b: Profile):
    if not a.documents or not b.documents:
        return None
    if set(a.documents) & set(b.documents):
        return "exact"
    best = max(Levenshtein.normalized_similarity(x, y) for x in a.documents for y in b.documents)
    if best >= 0.85 or any(_transposed(x, y) for x in a.documents for y in b.documents):
        return "typo"
    return "other"


def _phone_level(a: Profile, b: Profile):
    if not a.phone or not b.phone:
        return None
    return "exact" if a.phone == b.phone else "other"


def _soft_overlap(xs, ys):
    """Share of the words of the shorter text that have a close word (Jaro–Winkler ≥ 0.88) in the other."""
    if not xs or not ys:
        return 0.0
    if len(xs) > len(ys):
        xs, ys = ys, xs
    hits = sum(1 for x in xs if any(JaroWinkler.normalized_similarity(x, y) >= 0.88 for y in ys))
    return hits / len(xs) * min(1.0, len(xs) / 3)


def _address_level(a: Profile, b: Profile):
    if not a.address or not b.address:
        return None
    if a.address == b.address:
        return "exact"
    # words split or joined by typing ("goodwin street" / "goodwinstreet") count as the same
    ratio = max(fuzz.token_set_ratio(a.address, b.address) / 100,
                fuzz.ratio(a.address.replace(" ", ""), b.address.replace(" ", "")) / 100,
                _soft_overlap(a.address.split(), b.address.split()))
    if ratio >= 0.9:
        return "close"
    if ratio >= 0.75:
        return "similar"
    if ratio >= 0.5:
        return "partial"
    return "other"


_DIGITS = re.compile(r"\d+")


def _numbers_level(a: Profile, b: Profile):
    na, nb = a.numbers, b.numbers
    if not na or not nb:
        return None
    if na == nb:
        return "same"
    return "some" if na & nb else "other"


def levels(a: Profile, b: Profile) -> tuple:
    """Agreement level of every field (FIELDS order); None where a side has no value."""
    lg, lf, lp = _names_levels(a, b)
    gender = ("same" if a.gender == b.gender else "other") if a.gender and b.gender else None
    return (lg, lf, lp, _birth_level(a, b), _document_level(a, b), _phone_level(a, b), _address_level(a, b),
            _numbers_level(a, b), gender)


STRONG_NAME_LEVELS = ("exact", "close")


def is_strong_query(q: Profile) -> bool:
    """A query that may be compared with other institutions' records: a given and a family name, an exact
    date of birth, and another identifier (a document number or a phone number)."""
    return bool(q.given and q.family and q.birth and not q.birth_estimate and (q.documents or q.phone))


def strong_match(q: Profile, p: Profile) -> bool:
    """`p` agrees with the strong query `q` on the name (given and family name, any spelling that is exact or
    close), on the exact date of birth, and on a document number or the phone number. Only such a match is
    announced as "known elsewhere": a name and a birth date alone would make the check an oracle."""
    if not is_strong_query(q):
        return False
    lg, lf, _lp = _names_levels(q, p)
    if lg not in STRONG_NAME_LEVELS or lf not in STRONG_NAME_LEVELS:
        return False
    if _birth_level(q, p) != "exact":
        return False
    return _document_level(q, p) == "exact" or _phone_level(q, p) == "exact"


def weight(a: Profile, b: Profile, model: Model = None) -> float:
    """log2 odds that `a` and `b` are the same person."""
    return (model or DEFAULT_MODEL).weight_of(levels(a, b))


def to_probability(w: float) -> float:
    if w > 60:
        return 1.0
    if w < -60:
        return 0.0
    return 1.0 / (1.0 + math.pow(2.0, -w))


def probability(a: Profile, b: Profile, model: Model = None) -> float:
    return to_probability(weight(a, b, model))


# --- Learning the weights from the registry (unsupervised, Fellegi–Sunter EM) ------------------

# Training sessions, as Splink does them: the pairs found through one family of tokens, with the
# fields those tokens were made of left out (those pairs agree on them by construction).
SESSIONS = (
    ("names", {"given", "family"}),                  # pairs blocked on name keys
    ("documents", {"document", "phone"}),            # pairs blocked on document numbers or phones
    ("dates", {"birth"}),                            # pairs blocked on the date of birth alone
)
MIN_SESSION_PAIRS = 200
WEIGHT_RANGE = (-10.0, 24.0)
LEVEL_ORDER = {
    "given": [("exact", "close", "similar", "other")], "family": [("exact", "close", "similar", "other")],
    "birth": [("exact", "typo", "year", "near", "other"), ("est_close", "est_near", "est_other")],
    "document": [("exact", "typo", "other")], "phone": [("exact", "other")],
    "address": [("exact", "close", "similar", "partial", "other")], "address_numbers": [("same", "some", "other")],
}
# Fields whose weights EM does not touch: too little information, or too skewed (most victims are
# women), which lets EM drift to a degenerate solution.
NOT_TRAINED = {"gender", "patronymic"}


def _distribution(counter, index, levels_of_field):
    counts = {lvl: 0.5 for lvl in levels_of_field}  # smoothing
    for lv, n in counter.items():
        if lv[index] is not None:
            counts[lv[index]] = counts.get(lv[index], 0.5) + n
    total = sum(counts.values())
    return {lvl: c / total for lvl, c in counts.items()}


def train(sessions, random_levels, all_levels, total_pairs, *, iterations=25, base: Model = None) -> Model:
    """Estimate a Model from the registry itself, without labels.

    `sessions`: {session name: Counter{levels tuple: count}} of the candidate pairs found through
    that session's tokens (see SESSIONS); `random_levels`: Counter over pairs drawn at random (almost
    all different people), which gives u; `all_levels`: Counter over every candidate pair;
    `total_pairs`: the number of all possible pairs. Per session, EM (fields independent given the
    class, u fixed) estimates m of the fields the session did not block on; m is averaged over the
    sessions. The share of matches among the candidates, with m and u fixed, gives the prior.
    Levels never seen keep their default weight; weights are clamped to WEIGHT_RANGE and made
    monotonic (a closer agreement never weighs less than a looser one). A result that
    contradicts common sense (agreeing names or birth dates counting against a match) is refused
    and `base` returned.
    """
    base = base or DEFAULT_MODEL
    u = [_distribution(random_levels, i, DEFAULT_WEIGHTS[f]) for i, f in enumerate(FIELDS)]
    m0 = []
    for i, f in enumerate(FIELDS):
        raw = {lvl: u[i][lvl] * 2 ** base.weights[f].get(lvl, 0.0) for lvl in u[i]}
        total = sum(raw.values())
        m0.append({lvl: v / total for lvl, v in raw.items()})
    sums = [defaultdict(float) for _ in FIELDS]
    mass = [0.0 for _ in FIELDS]
    info = {}
    for name, ignored in SESSIONS:
        active = [i for i, f in enumerate(FIELDS) if f not in ignored and f not in NOT_TRAINED]
        counts = sessions.get(name) or {}
        # a pair with no value on any active field says nothing
        patterns = [(lv, n) for lv, n in counts.items() if any(lv[i] is not None for i in active)]
        n_total = sum(n for _, n in patterns)
        if n_total < MIN_SESSION_PAIRS:
            continue
        m = [dict(d) for d in m0]
        lam = 0.1
        for _ in range(iterations):
            posts = []
            for lv, _n in patterns:
                log_odds = math.log(lam / (1 - lam))
                for i in active:
                    if lv[i] is not None:
                        log_odds += math.log(m[i].get(lv[i], 1e-9) / u[i].get(lv[i], 1e-9))
                posts.append(1 / (1 + math.exp(-max(-50.0, min(50.0, log_odds)))))
            matched = sum(p * n for p, (_, n) in zip(posts, patterns))
            lam = min(max(matched / n_total, 1e-6), 1 - 1e-6)
            for i in active:
                cm = {lvl: 1e-3 for lvl in m[i]}
                for p, (lv, n) in zip(posts, patterns):
                    if lv[i] is not None:
                        cm[lv[i]] = cm.get(lv[i], 1e-3) + p * n
                t = sum(cm.values())
                m[i] = {k: v / t for k, v in cm.items()}
        info[name] = {"pairs": n_total, "matches": round(lam * n_total)}
        for i in active:
            for lvl, v in m[i].items():
                sums[i][lvl] += v * lam * n_total
            mass[i] += lam * n_total
    weights = {}
    for i, f in enumerate(FIELDS):
        weights[f] = {}
        for lvl in DEFAULT_WEIGHTS[f]:
            if f in NOT_TRAINED or mass[i] <= 0 or not any(lv[i] == lvl for lv in all_levels):
                weights[f][lvl] = base.weights[f][lvl]
                continue
            m_i = sums[i][lvl] / mass[i]
            weights[f][lvl] = round(max(WEIGHT_RANGE[0], min(WEIGHT_RANGE[1], math.log2(max(m_i, 1e-12) / u[i][lvl]))),
                                    3)
        for order in LEVEL_ORDER.get(f, ()):  # a closer agreement never counts less than a looser one
            for better, worse in reversed(list(zip(order, order[1:]))):
                weights[f][better] = max(weights[f][better], weights[f][worse])
    model = Model(prior=base.prior, weights=weights)
    # matches in the registry: at least as many as the session that found the most (a floor, as
    # each session sees only the duplicates its tokens can pair)
    n_all = sum(all_levels.values())
    matches = max((v["matches"] for v in info.values()), default=0)
    if info:
        model.prior = round(math.log2(max(matches, 1.0) / max(total_pairs - matches, 1.0)), 3)
    model.trained = {"sessions": info, "candidate_pairs": n_all, "random_pairs": sum(random_levels.values()),
                     "estimated_matches": round(matches), "prior": model.prior}
    sane = all(model.weights[f]["exact"] > 0 for f in ("given", "family", "birth", "document")) and \
        all(model.weights[f]["other"] < 0 for f in ("given", "family", "birth"))
    if not sane or not info:
        base_copy = Model.from_dict(base.as_dict())
        base_copy.trained = {**model.trained, "refused": True}
        return base_copy
    return model


def session_of(kinds_mask):
    """Training sessions a pair belongs to, from the bit mask of the token kinds that paired it."""
    from nicat.privacy.indexes import Kind

    out = []
    if kinds_mask & ((1 << Kind.NAME_PAIR) | (1 << Kind.NAME_PARTIAL)):
        out.append("names")
    if kinds_mask & ((1 << Kind.DOCUMENT) | (1 << Kind.DOCUMENT_NEAR) | (1 << Kind.PHONE)):
        out.append("documents")
    if kinds_mask & (1 << Kind.BIRTH_DATE):
        out.append("dates")
    return out


def band(p: float) -> str:
    """"likely", "possible" or "" for a probability."""
    if p >= LIKELY:
        return "likely"
    if p >= POSSIBLE:
        return "possible"
    return ""


def name_spelling_score(query: str, target: Profile) -> float:
    """0..100 how closely the words of a name query, as typed, match the person's names with their
    endings: "Əli Cəfərli" matches Əli Cəfərli better than Əli Cəfərov, which `name_query_score`
    counts as the same name. Per query word the best of the person's words, nine parts by spelling key
    (any script: Cəfərli = Джафарли) and one by the letters as folded (Алыйева is closer to Alıyeva than
    to Əliyeva); the mean over the words."""
    q_words = [w for w in names.fold(query).split() if names.spelling_key(w)]
    t_words = [w for w in f"{target.given_fold} {target.family_fold}".split() if names.spelling_key(w)]
    if not q_words or not t_words:
        return 0.0
    total = 0.0
    for w in q_words:
        qk = names.spelling_key(w)
        total += max(0.9 * JaroWinkler.normalized_similarity(qk, names.spelling_key(t))
                     + 0.1 * JaroWinkler.normalized_similarity(w, t) for t in t_words)
    return round(100 * total / len(q_words), 2)


def name_query_score(query: str, target: Profile) -> float:
    """0..100 how well a free-text name query matches a person (any spelling, any order, part of the
    name is enough): every word of the query must resemble some name of the person; the score is the
    weakest word's similarity."""
    q_words = [w for w in names.fold(query).split() if names.key(w)]
    if not q_words:
        return 0.0
    t_keys = target.given + target.family + target.patronymic + [k for a in target.aliases for k in a]
    t_folds = f"{target.given_fold} {target.family_fold}".split()
    if not t_keys:
        return 0.0
    worst = 1.0
    for w in q_words:
        qk = names.key(w)
        best = max(JaroWinkler.normalized_similarity(qk, tk) for tk in t_keys)
        if t_folds:
            best = max(best, max(JaroWinkler.normalized_similarity(w, tf) for tf in t_folds))
        worst = min(worst, best)
    return round(100 * worst, 1)
