"""The registry-wide duplicate scan (`nicat duplicates scan`): a system job for the coordinator.

1. Blocks: persons sharing a token of a blocking kind (name pair, name + birth date/year, document,
   phone …) form a block; pairs are taken inside blocks of at most `block_cap` persons (a larger
   block — a very common name and year — is left to its finer blocks).
2. Every person in a pair is decrypted once (in chunks); each pair gets its agreement levels.
3. With enough pairs, the match weights are re-estimated from the registry itself (unsupervised
   Fellegi–Sunter EM: m from the candidate pairs, u from random pairs) and stored as a MatchModel,
   which the intake check then uses too.
4. Pairs at or above `min_probability` become DuplicateSignal rows for review (existing pairs,
   including dismissed ones, are not raised again).
"""
import random
import time
from array import array
from collections import Counter
from dataclasses import dataclass, field

from nicat.persons import matching
from nicat.persons.indexing import person_data
from nicat.persons.models import MatchModel, Person, PersonToken
from nicat.persons.selectors import RANK_FIELDS, current_model
from nicat.privacy.indexes import BLOCKING_KINDS, SCAN_BLOCK_CAPS, Kind

MIN_TRAINING_PAIRS = 1000
RANDOM_PERSONS = 4000
RANDOM_PAIRS = 30000


@dataclass
class ScanResult:
    persons: int = 0
    tokens: int = 0
    blocks: int = 0
    oversized_blocks: int = 0
    pairs: int = 0
    matches: int = 0
    new_signals: int = 0
    trained: bool = False
    seconds: float = 0.0
    pairs_by_kind: dict = field(default_factory=dict)


def candidate_pairs(*, block_cap=None, chunk_size=50000, result=None):
    """{(smaller pk, larger pk): bit mask of the token kinds} of persons sharing a blocking token
    (blocks up to the kind's cap, or `block_cap` for every kind when given)."""
    result = result or ScanResult()
    pairs = {}
    rows = (PersonToken.objects.system().filter(kind__in=BLOCKING_KINDS).order_by("token", "kind")
            .values_list("token", "kind", "person_id").iterator(chunk_size=chunk_size))
    current, block = None, []

    def close(kind, block):
        if len(block) < 2:
            return
        result.blocks += 1
        if len(block) > (block_cap or SCAN_BLOCK_CAPS.get(kind, 30)):
            result.oversized_blocks += 1
            return
        block = sorted(set(block))
        before = len(pairs)
        bit = 1 << kind
        for i, a in enumerate(block):
            for b in block[i + 1:]:
                pairs[(a, b)] = pairs.get((a, b), 0) | bit
        result.pairs_by_kind[Kind.LABELS[kind]] = result.pairs_by_kind.get(Kind.LABELS[kind], 0) + len(pairs) - before

    for tok, kind, pid in rows:
        result.tokens += 1
        if (tok, kind) != current:
            if current:
                close(current[1], block)
            current, block = (tok, kind), []
        block.append(pid)
    if current:
        close(current[1], block)
    return pairs


def _profiles(ids, chunk=2000):
    """Profiles of the live (not merged) persons among `ids`, decrypted chunk by chunk."""
    ids = sorted(ids)
    out = {}
    for i in range(0, len(ids), chunk):
        for person in (Person.objects.system().filter(pk__in=ids[i:i + chunk], merged_into__isnull=True)
                       .select_related("gender").only(*RANK_FIELDS)):
            out[person.pk] = matching.profile(person_data(person), ref=person.pk)
    return out


def _random_levels(seed=1):
    """Agreement levels of random pairs of persons (nearly all different people): the u side."""
    ids = list(Person.objects.system().filter(merged_into__isnull=True).values_list("pk", flat=True))
    rnd = random.Random(seed)
    sample = rnd.sample(ids, min(len(ids), RANDOM_PERSONS))
    profiles = list(_profiles(sample).values())
    counts = Counter()
    if len(profiles) < 2:
        return counts
    for _ in range(RANDOM_PAIRS):
        a, b = rnd.sample(profiles, 2)
        counts[matching.levels(a, b)] += 1
    return counts


def scan(*, min_probability=matching.LIKELY, block_cap=None, record=True, learn=True, progress=None):
    """Run the scan; returns a ScanResult (and raises signals unless record=False)."""
    from nicat.persons.services import record_scan_signals

    started = time.monotonic()
    result = ScanResult()
    result.persons = Person.objects.system().filter(merged_into__isnull=True).count()
    pairs = candidate_pairs(block_cap=block_cap, result=result)
    result.pairs = len(pairs)
    if progress:
        progress(f"{result.tokens} tokens, {result.blocks} blocks ({result.oversized_blocks} too large), "
                 f"{result.pairs} pairs to compare; new pairs by kind: {result.pairs_by_kind}")
    involved = {pid for pair in pairs for pid in pair}
    profiles = _profiles(involved)
    if progress:
        progress(f"{len(profiles)} persons decrypted")
    # agreement levels of every pair, interned (few distinct patterns, many pairs)
    pattern_ids, patterns = {}, []
    sessions = {name: Counter() for name, _ in matching.SESSIONS}
    left, right, which = array("q"), array("q"), array("l")
    for (a, b), mask in pairs.items():
        pa, pb = profiles.get(a), profiles.get(b)
        if pa is None or pb is None:
            continue
        lv = matching.levels(pa, pb)
        pid = pattern_ids.get(lv)
        if pid is None:
            pid = pattern_ids[lv] = len(patterns)
            patterns.append(lv)
        left.append(a)
        right.append(b)
        which.append(pid)
        for name in matching.session_of(mask):
            sessions[name][lv] += 1
    del pairs, profiles
    model = current_model()
    if learn and len(which) >= MIN_TRAINING_PAIRS:
        counts = Counter()
        for pid in which:
            counts[patterns[pid]] += 1
        n = result.persons
        trained = matching.train(sessions, _random_levels(), counts, n * (n - 1) // 2, base=matching.DEFAULT_MODEL)
        result.trained = not trained.trained.get("refused")
        if result.trained:
            model = trained
            if record:
                MatchModel.objects.create(parameters=model.as_dict())
        if progress:
            progress(f"match weights {'re-estimated' if result.trained else 'NOT re-estimated'}: {trained.trained}")
    weights = [model.weight_of(lv) for lv in patterns]
    found = []
    for a, b, pid in zip(left, right, which):
        p = matching.to_probability(weights[pid])
        if p >= min_probability:
            found.append((a, b, p))
    result.matches = len(found)
    if record:
        result.new_signals = record_scan_signals(pairs=found)
    result.seconds = round(time.monotonic() - started, 1)
    return result
