"""How much a duplicate scan could recall on the synthetic registry, counted from the generator's hidden values.

    .venv/bin/python bench/matching_bound.py --persons 1000000      # under a minute, no database

bench/matching_ceiling.py asks how far a classifier taught by the labels gets on the scan's own cells. This
script asks it of the registry itself, with what no scan sees: the names before the generator wrote them in a
script (no transliteration, no typo) and the labels.

Two records of one full name, gender and date of birth that agree on nothing else they both hold (patronymic,
address, document, phone) form an *ambiguous* pair. Some are a person registered twice (the generator drops
a duplicate's document and phone half the time each, and many persons have neither, nor a patronymic or an
address); the others are two namesakes born on the same day. The pairs are grouped into classes by what a
method could still look at, at two grains: coarse (how many persons bear the full name, by powers of two; how
many share it with that birth date; which other fields conflict or are absent) and fine (the exact number of
bearers, and which fields each side holds). The classes are taken purest first, *looking at their labels*,
while precision stays at or above --precision. Every true pair outside the ambiguous pairs counts as found (a
shifted birth date, an estimated age, a typo or another script only make them harder).

Taken in sample, the classes are chosen on the very pairs they are scored on: an overstatement, the more so
the finer the grain. Taken out of sample (--repeats times: chosen on a random half of the pairs, counted on the
other half), the figure is what a method that learned the classes from the labels would reach, with precision
counted honestly.

Writes bench/results/matching_bound_<persons>.json.
"""
import argparse
import collections
import datetime
import json
import os
import random
import statistics
import sys
import time
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nicat.persons.generator import people  # noqa: E402  (no Django: the generator's stream only)

OTHER_FIELDS = ("patronymic", "address", "documents", "phone")


def _value(person, name):
    value = person[name]
    return tuple(sorted(d["number"] for d in value)) if name == "documents" else value


def relation(a, b):
    """('agree' | 'conflict' | 'absent') for each other field; absent when a side has no value."""
    out = []
    for name in OTHER_FIELDS:
        va, vb = _value(a, name), _value(b, name)
        out.append("absent" if not va or not vb else "agree" if va == vb else "conflict")
    return tuple(out)


def ambiguous_pairs(stream):
    """The ambiguous pairs of the generated registry, each as (its classes at two grains, whether it is one person
    twice), and the number of true pairs in all."""
    original_of = {i: orig for i, (_, orig) in enumerate(stream) if orig is not None}
    family = {i: original_of.get(i, i) for i in range(len(stream))}  # a duplicate and its original: one person
    members = collections.Counter(family.values())
    true_pairs = sum(n * (n - 1) // 2 for n in members.values())
    bearers = collections.Counter((d["_given"], d["_family"]) for d, _ in stream)
    blocks = collections.defaultdict(list)
    for i, (d, _) in enumerate(stream):
        if d["birth_date"]:
            blocks[(d["_given"], d["_family"], d["gender"], d["birth_date"])].append(i)
    out = []
    for key, ids in blocks.items():
        for a, b in combinations(ids, 2):
            rel = relation(stream[a][0], stream[b][0])
            if "agree" in rel:
                continue  # an identifier beyond the name and birth date agrees: not ambiguous
            n = bearers[key[:2]]
            present = tuple(sorted(tuple(bool(_value(stream[x][0], f)) for f in OTHER_FIELDS) for x in (a, b)))
            coarse = (n.bit_length(), len(ids), rel)       # the name's bearers by powers of two
            fine = (n, len(ids), rel, present)              # their exact number, and which fields each side holds
            out.append(({"coarse": coarse, "fine": fine}, family[a] == family[b]))
    return out, true_pairs


def _take(cells, free, precision):
    """Cells {class: [pairs, true]} taken purest first while precision stays >= `precision`, with `free` true
    pairs found beforehand; the classes taken."""
    found, false, taken = free, 0, []
    for cls, (pairs, true) in sorted(cells.items(), key=lambda kv: (-kv[1][1] / kv[1][0], -kv[1][0])):
        if true == 0 or (found + true) / (found + true + false + pairs - true) < precision:
            break
        found, false = found + true, false + pairs - true
        taken.append(cls)
    return taken


def bound(persons, seed=1, duplicate_share=0.02, precision=0.99, repeats=10):
    stream = list(people(persons, seed=seed, duplicate_share=duplicate_share))
    pairs, true_pairs = ambiguous_pairs(stream)
    del stream
    ambiguous_true = sum(same for _, same in pairs)
    free = true_pairs - ambiguous_true  # every other true pair counted as found
    result = {
        "persons": persons, "seed": seed, "duplicate_share": duplicate_share, "precision_floor": precision,
        "true_pairs": true_pairs, "ambiguous_pairs": len(pairs), "ambiguous_true_pairs": ambiguous_true,
        "share_of_true_pairs_ambiguous": round(ambiguous_true / true_pairs, 4),
    }
    for grain in ("coarse", "fine"):
        cells = collections.defaultdict(lambda: [0, 0])
        for classes, same in pairs:
            cells[classes[grain]][0] += 1
            cells[classes[grain]][1] += same
        taken = _take(cells, free, precision)
        found = free + sum(cells[c][1] for c in taken)
        false = sum(cells[c][0] - cells[c][1] for c in taken)
        # out of sample: the classes picked on a random half of the ambiguous pairs, counted on the other half
        rnd = random.Random(seed)
        recalls, precisions = [], []
        for _ in range(repeats):
            a, b = collections.defaultdict(lambda: [0, 0]), collections.defaultdict(lambda: [0, 0])
            for classes, same in pairs:
                half = a if rnd.random() < 0.5 else b
                half[classes[grain]][0] += 1
                half[classes[grain]][1] += same
            chosen = _take(a, free / 2, precision)
            true_b = free / 2 + sum(b[c][1] for c in chosen if c in b)
            all_b = true_b + sum(b[c][0] - b[c][1] for c in chosen if c in b)
            recalls.append(true_b / (true_pairs / 2))
            precisions.append(true_b / all_b)
        result[grain] = {
            "classes": len(cells),
            "in_sample": {"recall": round(found / true_pairs, 4), "false_pairs": false},
            "out_of_sample": {"recall_mean": round(statistics.mean(recalls), 4),
                              "recall_range": [round(min(recalls), 4), round(max(recalls), 4)],
                              "precision_mean": round(statistics.mean(precisions), 4)},
        }
    by_bearers = collections.defaultdict(lambda: [0, 0])
    for classes, same in pairs:
        bits, _size, rel = classes["coarse"]
        if "conflict" not in rel:
            row = by_bearers[f"{1 << (bits - 1)}-{(1 << bits) - 1}"]
            row[0] += 1
            row[1] += same
    # ambiguous pairs with no conflicting field, by how many persons bear the full name: [pairs, true pairs]
    result["ambiguous_without_conflict_by_bearers"] = dict(sorted(by_bearers.items(),
                                                                  key=lambda kv: int(kv[0].split("-")[0])))
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--precision", type=float, default=0.99)
    parser.add_argument("--repeats", type=int, default=10, help="random halvings counted out of sample")
    args = parser.parse_args()
    load = [round(x, 2) for x in os.getloadavg()]
    started = time.monotonic()
    result = bound(args.persons, precision=args.precision, repeats=args.repeats)
    result.update(seconds=round(time.monotonic() - started, 1),
                  date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                  load_average=load, cpus=os.cpu_count(),
                  command=f".venv/bin/python bench/matching_bound.py --persons {args.persons}")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    out = ROOT / "bench" / "results" / f"matching_bound_{args.persons}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
