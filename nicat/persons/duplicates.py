"""The registry-wide duplicate scan (`nicat duplicates scan`): a system job for the coordinator.

1. Blocks: persons sharing a token of a blocking kind (name pair, name + birth date/year, document,
   phone …) form a block; pairs are taken inside blocks of at most the kind's cap
   (`indexes.SCAN_BLOCK_CAPS`, or `block_cap`).
2. A larger block — a very common name with a common year, a common name with a common house
   number — is not dropped but split by a second key its members hold (`REFINE`): the persons who
   share two such tokens (three names and the year; a name and two numbers of the address; a name
   pair, the year and a number of the address) form a sub-block, compared when it is small. The
   blocks stay small because they are right, not because they are cut.
3. Every person in a pair is decrypted once (in chunks); each pair gets its agreement levels.
4. With enough pairs, the match weights are re-estimated from the registry itself (unsupervised
   Fellegi–Sunter EM: m from the candidate pairs, u from random pairs) and stored as a MatchModel,
   which the intake check then uses too.
5. A pair agreeing exactly or closely on the given and the family name (the same name in another script,
   a typo) gets a term-frequency adjustment: log2(u / share of the registry bearing that name pair),
   from the size of the name pair's token block, the commoner spelling's when the two differ —
   agreeing on a name two persons bear says more than agreeing on one 20,000 bear.
6. Pairs at or above `min_probability` become DuplicateSignal rows for review (existing pairs,
   including dismissed ones, are not raised again).
"""
import math
import random
import time
from array import array
from collections import Counter
from dataclasses import dataclass, field

from nicat.persons import matching
from nicat.persons.indexing import person_data
from nicat.persons.models import MatchModel, Person, PersonToken
from nicat.persons.selectors import RANK_FIELDS, current_model, preload_keys, registry_rows
from nicat.privacy.indexes import BLOCKING_KINDS, SCAN_BLOCK_CAPS, Kind, token

MIN_TRAINING_PAIRS = 1000
# Second keys that split a block too large to compare: {kind of the large block: kinds of the second
# token}. Only intersections of two blocks that are both too large are formed (a pair sharing a token
# whose own block is small is compared through that block already). Documents and phones are not
# here: their blocks are small in any registry (a shared document or phone number is rare); birth
# dates neither — a name with the exact date is a token of its own (name-date).
REFINE = {
    Kind.NAME_PAIR_YEAR: (Kind.NAME_PAIR_YEAR, Kind.NAME_ADDRESS),  # three names + year; pair + year + number
    Kind.NAME_ADDRESS: (Kind.NAME_ADDRESS,),                        # a name + house and flat number
    Kind.NAME_PAIR: (Kind.NAME_PAIR,),                              # three names (no birth data)
}
REFINED_CAP = 30       # largest sub-block compared pairwise
# Term-frequency adjustment of an exact full-name agreement (log2), clamped.
TF_RANGE = (-8.0, 10.0)
TF_MIN_PERSONS = 1000  # name frequencies of a smaller registry say little
# Lowest probability the scan raises by default: a signal goes to the coordinator of the whole registry,
# and should be right 99 times in 100 (on the synthetic registry, precision 0.99 at 0.95 and 0.98 at
# 0.9, docs/matching.md); the intake check keeps matching.LIKELY.
SCAN_MIN_PROBABILITY = 0.95
RANDOM_PERSONS = 4000
RANDOM_PAIRS = 30000


@dataclass
class ScanResult:
    persons: int = 0
    tokens: int = 0
    blocks: int = 0
    oversized_blocks: int = 0
    refined_blocks: int = 0       # sub-blocks of large blocks (two shared tokens) compared
    oversized_refined: int = 0    # sub-blocks still too large
    pairs: int = 0
    matches: int = 0
    new_signals: int = 0
    trained: bool = False
    seconds: float = 0.0
    pairs_by_kind: dict = field(default_factory=dict)
    watched_compared: int = 0
    # with `watch`: {(levels, name-pair bearers): [pairs, watched pairs]} and the model (for benchmarks)
    cells: dict = field(default_factory=dict)
    model: dict = field(default_factory=dict)
    u_names: float = 0.0          # share of random pairs agreeing exactly on given and family name
    processes: int = 1            # processes the pairs were compared in


def candidate_pairs(*, block_cap=None, chunk_size=50000, result=None, name_pair_sizes=None):
    """{(smaller pk, larger pk): bit mask of the token kinds} of persons sharing a blocking token
    (blocks up to the kind's cap, or `block_cap` for every kind when given), and of persons sharing
    two tokens whose blocks are both too large (`REFINE`). `name_pair_sizes`, a dict, receives the
    number of persons of every name-pair token shared by two or more."""
    result = result or ScanResult()
    pairs = {}
    oversized = set()
    rows = (registry_rows(PersonToken).filter(kind__in=BLOCKING_KINDS).order_by("token", "kind")
            .values_list("token", "kind", "person_id").iterator(chunk_size=chunk_size))
    current, block = None, []

    def add_block(bit, block):
        block = sorted(set(block))
        before = len(pairs)
        for i, a in enumerate(block):
            for b in block[i + 1:]:
                pairs[(a, b)] = pairs.get((a, b), 0) | bit
        return len(pairs) - before

    def close(tok, kind, block):
        if len(block) < 2:
            return
        result.blocks += 1
        if kind == Kind.NAME_PAIR and name_pair_sizes is not None:
            name_pair_sizes[tok] = len(block)
        if len(block) > (block_cap or SCAN_BLOCK_CAPS.get(kind, 30)):
            result.oversized_blocks += 1
            if kind in REFINE:
                oversized.add((kind, tok))
            return
        label = Kind.LABELS[kind]
        result.pairs_by_kind[label] = result.pairs_by_kind.get(label, 0) + add_block(1 << kind, block)

    for tok, kind, pid in rows:
        result.tokens += 1
        if (tok, kind) != current:
            if current:
                close(current[0], current[1], block)
            current, block = (tok, kind), []
        block.append(pid)
    if current:
        close(current[0], current[1], block)
    _refine(pairs, oversized, block_cap=block_cap, chunk_size=chunk_size, result=result)
    return pairs


def _refine(pairs, oversized, *, block_cap, chunk_size, result):
    """Split the large blocks: persons holding two large-block tokens of a REFINE combination form a
    sub-block (keyed by the two tokens); sub-blocks of at most REFINED_CAP persons are compared.
    One pass over the tokens of the REFINE kinds in person order; a sub-block key is a 64-bit hash of
    the two tokens, kept with the person id in one integer (sorted, then read block by block)."""
    if not oversized:
        return
    kinds = sorted(set(REFINE) | {k for ks in REFINE.values() for k in ks})
    rules = [(k1, k2) for k1, seconds in REFINE.items() for k2 in seconds]
    keys = {rule: [] for rule in rules}
    rows = (registry_rows(PersonToken).filter(kind__in=kinds).order_by("person_id")
            .values_list("person_id", "kind", "token").iterator(chunk_size=chunk_size))
    mask = (1 << 64) - 1

    def emit(pid, held):
        for k1, k2 in rules:
            firsts, others = held.get(k1), held.get(k2)
            if not firsts or not others:
                continue
            out = keys[(k1, k2)]
            for t1 in firsts:
                for t2 in others:
                    if k1 == k2 and t2 <= t1:
                        continue  # each unordered pair of tokens of one kind once
                    out.append(((hash((t1, t2)) & mask) << 32) | pid)

    current, held = None, {}
    for pid, kind, tok in rows:
        if pid != current:
            if current is not None:
                emit(current, held)
            current, held = pid, {}
        if (kind, tok) in oversized:
            held.setdefault(kind, []).append(tok)
    if current is not None:
        emit(current, held)
    cap = block_cap or REFINED_CAP
    low = (1 << 32) - 1
    for (k1, k2), values in keys.items():
        values.sort()
        bit = (1 << k1) | (1 << k2)
        label = f"{Kind.LABELS[k1]}+{Kind.LABELS[k2]}"
        before = len(pairs)
        i, n = 0, len(values)
        while i < n:
            head = values[i] >> 32
            j = i + 1
            while j < n and values[j] >> 32 == head:
                j += 1
            if j - i >= 2:
                if j - i > cap:
                    result.oversized_refined += 1
                else:
                    result.refined_blocks += 1
                    block = sorted({v & low for v in values[i:j]})
                    for x, a in enumerate(block):
                        for b in block[x + 1:]:
                            pairs[(a, b)] = pairs.get((a, b), 0) | bit
            i = j
        keys[(k1, k2)] = None
        result.pairs_by_kind[label] = len(pairs) - before


def _profiles(ids, chunk=2000):
    """Profiles of the live (not merged) persons among `ids`, decrypted chunk by chunk."""
    ids = sorted(ids)
    out = {}
    for i in range(0, len(ids), chunk):
        # the persons' own data keys in one query per chunk, not one per person (services seal with them)
        rows = preload_keys(registry_rows(Person).filter(pk__in=ids[i:i + chunk], merged_into__isnull=True))
        for person in rows.select_related("gender").only(*RANK_FIELDS):
            out[person.pk] = matching.profile(person_data(person), ref=person.pk)
    return out


def _random_levels(seed=1, names=None):
    """Agreement levels of random pairs of persons (nearly all different people): the u side. `names`, a
    list, receives the share of all pairs of the sampled persons that bear the same given and family
    name keys (in either order) — u of an exact agreement on both names, from millions of pairs
    instead of the random ones (which see it a few dozen times)."""
    ids = list(registry_rows(Person).filter(merged_into__isnull=True).order_by("pk").values_list("pk", flat=True))
    rnd = random.Random(seed)
    sample = rnd.sample(ids, min(len(ids), RANDOM_PERSONS))
    profiles = list(_profiles(sample).values())
    counts = Counter()
    if len(profiles) < 2:
        return counts
    if names is not None:
        bearers = Counter(tuple(sorted((tuple(sorted(p.given)), tuple(sorted(p.family))))) for p in profiles
                          if p.given and p.family)
        n = len(profiles)
        names.append(sum(c * (c - 1) for c in bearers.values()) / (n * (n - 1)))
    for _ in range(RANDOM_PAIRS):
        a, b = rnd.sample(profiles, 2)
        counts[matching.levels(a, b)] += 1
    return counts


def _name_pair_tokens(profile, sizes):
    """Name-pair tokens (given key × family key, as indexes.person_tokens makes them) of a profile that
    two or more persons share."""
    out = []
    for g in profile.given:
        for f in profile.family:
            if g != f:
                tok = token(Kind.NAME_PAIR, "|".join(sorted((g, f))))
                if tok in sizes:
                    out.append(tok)
    return out


def name_bearers(lv, tokens_a, tokens_b, sizes):
    """How many persons bear the name two records agree on, for the name-frequency adjustment; 0 for none.

    Both names exact: the persons of the name-pair token the two share. Both exact or close (the same name in
    another script, a letter typed wrong — Məmmədova, Mammadova, Мамедова): the persons of the commoner of the
    two spellings' tokens, at least 2 (a spelling nobody else bears: when neither record's spelling is shared
    by anyone, a rare name is far likelier than a common one mistyped in both). Agreeing on a close spelling of
    a name 20,000 bear says as little as agreeing on it exactly; on a close spelling of a rare name, as much."""
    if lv[0] not in matching.STRONG_NAME_LEVELS or lv[1] not in matching.STRONG_NAME_LEVELS:
        return 0
    shared = set(tokens_a).intersection(tokens_b)
    if shared:
        return max(sizes[t] for t in shared)
    if lv[0] == "exact" and lv[1] == "exact":
        return 0  # the same keys in another order or through an alias: no token of the pair says how common
    return max((sizes[t] for t in (*tokens_a, *tokens_b)), default=2)  # `sizes` holds blocks of 2 or more


def name_frequency_adjustment(size, persons, u_names):
    """log2 term-frequency adjustment of an exact or close given + family name agreement on a name pair borne by
    `size` of `persons`: u_names (the share of random pairs agreeing exactly on both names, which the
    model's name weights assume) over the share of persons bearing this name, clamped to TF_RANGE."""
    if not size or not persons or not u_names:
        return 0.0
    value = math.log2(u_names * persons / size)
    return max(TF_RANGE[0], min(TF_RANGE[1], value))


def pair_weight(model, lv, bearers, persons, u_names):
    """log2 odds of a pair: the model's weight of its levels, with the name-frequency adjustment when
    both names agree exactly or closely (`bearers`: persons bearing the name pair, `name_bearers`; 0 when
    unknown)."""
    adjust = name_frequency_adjustment(bearers, persons, u_names) if bearers else 0.0
    return model.weight_of(lv, adjust=adjust)


def scan(*, min_probability=SCAN_MIN_PROBABILITY, block_cap=None, record=True, learn=True, progress=None, watch=None):
    """Run the scan; returns a ScanResult (and raises signals unless record=False). `watch`: a set of
    (smaller pk, larger pk) pairs (a benchmark's ground truth); `result.watched_compared` counts those
    that blocking made candidates."""
    from nicat.persons.services import record_scan_signals

    started = time.monotonic()
    result = ScanResult()
    result.persons = registry_rows(Person).filter(merged_into__isnull=True).count()
    sizes = {}
    pairs = candidate_pairs(block_cap=block_cap, result=result, name_pair_sizes=sizes)
    result.pairs = len(pairs)
    if watch:
        result.watched_compared = sum(1 for pair in watch if pair in pairs)
    if progress:
        progress(f"{result.tokens} tokens, {result.blocks} blocks ({result.oversized_blocks} too large; "
                 f"{result.refined_blocks} of their sub-blocks compared, {result.oversized_refined} still too "
                 f"large), {result.pairs} pairs to compare; new pairs by kind: {result.pairs_by_kind} "
                 f"({round(time.monotonic() - started, 1)} s)")
    involved = {pid for pair in pairs for pid in pair}
    profiles = _profiles(involved)
    if progress:
        progress(f"{len(profiles)} persons decrypted ({round(time.monotonic() - started, 1)} s)")
    name_tokens = {pid: _name_pair_tokens(p, sizes) for pid, p in profiles.items()}
    left, right, masks = array("q"), array("q"), array("q")
    for (a, b), mask in pairs.items():
        left.append(a)
        right.append(b)
        masks.append(mask)
    del pairs
    compared = _compare_all(left, right, masks, profiles, name_tokens, sizes, watch,
                            processes=_processes(len(left)))
    del masks, profiles, name_tokens
    left, right, which, bearing, patterns = (compared.left, compared.right, compared.which, compared.bearing,
                                             compared.patterns)
    sessions = compared.sessions
    result.processes = compared.processes
    if watch:
        result.cells = compared.cells
    if progress:
        progress(f"{len(which)} pairs compared, {len(patterns)} patterns, {compared.processes} process(es) "
                 f"({round(time.monotonic() - started, 1)} s)")
    model = current_model()
    sampled_names = []
    random_levels = _random_levels(names=sampled_names)
    if learn and len(which) >= MIN_TRAINING_PAIRS:
        counts = Counter()
        for pid in which:
            counts[patterns[pid]] += 1
        n = result.persons
        trained = matching.train(sessions, random_levels, counts, n * (n - 1) // 2, base=matching.DEFAULT_MODEL)
        result.trained = not trained.trained.get("refused")
        if result.trained:
            model = trained
            if record:
                MatchModel.objects.create(parameters=model.as_dict())
        if progress:
            progress(f"match weights {'re-estimated' if result.trained else 'NOT re-estimated'}: {trained.trained}")
    u_names = 0.0
    if result.persons >= TF_MIN_PERSONS and sampled_names:
        u_names = sampled_names[0]
    result.u_names = round(u_names, 6)
    if watch:
        result.model = model.as_dict()
    weights = [model.weight_of(lv) for lv in patterns]
    adjusted = {}
    found = []
    for a, b, pid, size in zip(left, right, which, bearing):
        if size:
            w = adjusted.get((pid, size))
            if w is None:
                w = adjusted[(pid, size)] = pair_weight(model, patterns[pid], size, result.persons, u_names)
        else:
            w = weights[pid]
        p = matching.to_probability(w)
        if p >= min_probability:
            found.append((a, b, p))
    result.matches = len(found)
    if record:
        result.new_signals = record_scan_signals(pairs=found)
    result.seconds = round(time.monotonic() - started, 1)
    return result


# --- Comparing the pairs, in several processes when there are many ----------------------------------

PARALLEL_MIN_PAIRS = 200_000  # fewer pairs are compared in this process (starting others costs more)


def _processes(pairs):
    """How many processes compare `pairs` pairs: NICAT_SCAN_PROCESSES (0: one per CPU), one for few pairs."""
    import os

    from django.conf import settings

    wanted = settings.NICAT_SCAN_PROCESSES or os.cpu_count() or 1
    return max(1, wanted) if pairs >= PARALLEL_MIN_PAIRS else 1


@dataclass
class _Compared:
    """Agreement levels of the compared pairs: per pair (`left`, `right`) the index of its levels in
    `patterns` (`which`) and, for an exact or close agreement on both names, how many persons bear that name pair
    (`bearing`, else 0); the training sessions' level counts; with `watch` the benchmark's cells."""
    left: array = field(default_factory=lambda: array("q"))
    right: array = field(default_factory=lambda: array("q"))
    which: array = field(default_factory=lambda: array("l"))
    bearing: array = field(default_factory=lambda: array("l"))
    patterns: list = field(default_factory=list)
    sessions: dict = field(default_factory=lambda: {name: Counter() for name, _ in matching.SESSIONS})
    cells: dict = field(default_factory=dict)
    processes: int = 1


def _compare(left, right, masks, profiles, name_tokens, sizes, watch, start, end):
    """Levels of the pairs `start`..`end` (pairs whose person is gone — merged meanwhile — are left out).
    Pure computation: safe in a forked process (no database)."""
    out = _Compared()
    pattern_ids = {}
    sessions_of = {}
    for i in range(start, end):
        a, b = left[i], right[i]
        pa, pb = profiles.get(a), profiles.get(b)
        if pa is None or pb is None:
            continue
        lv = matching.levels(pa, pb)
        pid = pattern_ids.get(lv)
        if pid is None:
            pid = pattern_ids[lv] = len(out.patterns)
            out.patterns.append(lv)
        out.left.append(a)
        out.right.append(b)
        out.which.append(pid)
        size = name_bearers(lv, name_tokens[a], name_tokens[b], sizes)
        out.bearing.append(size)
        if watch:
            cell = out.cells.setdefault((lv, size), [0, 0])
            cell[0] += 1
            cell[1] += (a, b) in watch
        mask = masks[i]
        names = sessions_of.get(mask)
        if names is None:
            names = sessions_of[mask] = matching.session_of(mask)
        for name in names:
            out.sessions[name][lv] += 1
    return out


_SHARED = None  # what forked comparing processes read (inherited, never pickled)


def _compare_part(bounds):
    return _compare(*_SHARED, *bounds)


def _compare_all(left, right, masks, profiles, name_tokens, sizes, watch, *, processes):
    """`_compare` over every pair: here, or split among `processes` forked processes (which inherit the
    decrypted profiles rather than receive them; they return only levels and counts), merged in order."""
    global _SHARED
    n = len(left)
    if processes <= 1:
        return _compare(left, right, masks, profiles, name_tokens, sizes, watch, 0, n)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    step = -(-n // (processes * 4))  # a few parts per process: an even share of the work
    bounds = [(i, min(n, i + step)) for i in range(0, n, step)]
    _SHARED = (left, right, masks, profiles, name_tokens, sizes, watch)
    try:
        # an executor, not a Pool: a process killed (out of memory) fails the scan instead of hanging it
        with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork")) as pool:
            parts = list(pool.map(_compare_part, bounds))
    finally:
        _SHARED = None
    merged = _Compared(processes=processes)
    ids = {}
    for part in parts:
        remap = array("l")
        for lv in part.patterns:
            pid = ids.get(lv)
            if pid is None:
                pid = ids[lv] = len(merged.patterns)
                merged.patterns.append(lv)
            remap.append(pid)
        merged.left.extend(part.left)
        merged.right.extend(part.right)
        merged.which.extend(remap[p] for p in part.which)
        merged.bearing.extend(part.bearing)
        for name, counts in part.sessions.items():
            merged.sessions[name].update(counts)
        for key, (pairs, watched) in part.cells.items():
            cell = merged.cells.setdefault(key, [0, 0])
            cell[0] += pairs
            cell[1] += watched
    return merged
