"""Linking records in memory with Nicat's own encoding and ranking — no database: the same token
blocking, agreement levels, EM training and scoring as `nicat duplicates scan`, over lists of plain
records. Used by the quality benchmark (FEBRL) and the tests of the training.
"""
from collections import Counter, defaultdict

from nicat.persons import matching
from nicat.privacy import indexes


def candidates(records, linkage):
    """{(i, j): bit mask of the token kinds} of records sharing a keyed token of a blocking kind,
    blocks capped per kind as the scan does."""
    blocks = defaultdict(list)
    for i, (_rid, person, _side) in enumerate(records):
        for tok in indexes.person_tokens(person, kinds=indexes.BLOCKING_KINDS):
            blocks[tok].append(i)
    pairs, oversized = defaultdict(int), 0
    for tok, members in blocks.items():
        if len(members) < 2:
            continue
        if len(members) > indexes.SCAN_BLOCK_CAPS.get(tok[0], 30):
            oversized += 1
            continue
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                i, j = members[x], members[y]
                if linkage and records[i][2] == records[j][2]:
                    continue
                pairs[(min(i, j), max(i, j))] |= 1 << tok[0]
    return pairs, oversized


def random_pairs(records, linkage, n=30000, seed=7):
    import random

    rnd = random.Random(seed)
    left = [i for i, r in enumerate(records) if r[2] == "L"]
    right = [i for i, r in enumerate(records) if r[2] == "R"] if linkage else left
    out = []
    while len(out) < n:
        i, j = rnd.choice(left), rnd.choice(right)
        if i != j:
            out.append((i, j))
    return out


def link(left, right=None, learn=True):
    """Nicat's duplicate scan in memory: keyed-token blocking, then (learn=True) the unsupervised
    EM estimate of the weights that `nicat duplicates scan` makes, then ranking.
    `left`/`right`: lists of (rec_id, person dict); right=None for deduplication."""
    linkage = right is not None
    records = [(rid, p, "L") for rid, p in left] + ([(rid, p, "R") for rid, p in right] if linkage else [])
    pairs, oversized = candidates(records, linkage)
    profiles = [matching.profile(p, ref=rid) for rid, p, _ in records]
    lv = {pair: matching.levels(profiles[pair[0]], profiles[pair[1]]) for pair in pairs}
    model = matching.Model.from_dict(matching.DEFAULT_MODEL.as_dict())
    model.prior = matching.default_prior(len(records))
    if learn:
        sessions = defaultdict(Counter)
        for pair, mask in pairs.items():
            for name in matching.session_of(mask):
                sessions[name][lv[pair]] += 1
        rand = Counter(matching.levels(profiles[i], profiles[j]) for i, j in random_pairs(records, linkage))
        total = len(left) * len(right) if linkage else len(left) * (len(left) - 1) // 2
        model = matching.train(sessions, rand, Counter(lv.values()), total)
    scored = [[records[i][0], records[j][0], matching.to_probability(model.weight_of(lv[(i, j)]))]
              for i, j in pairs]
    return scored, len(pairs), oversized, model
