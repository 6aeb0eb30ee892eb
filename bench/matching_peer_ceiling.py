"""Runs in the `recordlinkage` bench venv (scikit-learn, numpy): how much of the synthetic registry's true pairs
a classifier that *learns from the labels* finds at precision 0.99 on pairs it has not seen.

    var/bench-venvs/recordlinkage/bin/python bench/matching_peer_ceiling.py IN.pickle OUT.json

IN (written by bench/matching_ceiling.py): {"fields": [...], "rows": [(levels, bearers, pairs, true pairs,
Nicat's probability), ...], "true_pairs": N, "precision": 0.99, "repeats": R, "production_threshold": p}.

Each repeat splits every cell's pairs at random into two halves (the true pairs among them drawn without
replacement), fits on half A, picks on half A the lowest score at which precision is still at least the
target, and counts on half B what that score keeps (recall over half of all true pairs: those blocking never
compared are misses, as in the scan's own figure). The same is done for Nicat's own score (its threshold
picked on A from the labels, and its fixed production threshold), so the three are compared on the same
unseen pairs.
"""
import json
import math
import pickle
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression


def features(rows, fields):
    vocab = {}
    for levels, *_ in rows:
        for f, level in zip(fields, levels):
            vocab.setdefault((f, level), len(vocab))
    x = np.zeros((len(rows), len(vocab) + 3))
    for i, (levels, bearers, *_rest) in enumerate(rows):
        for f, level in zip(fields, levels):
            x[i, vocab[(f, level)]] = 1.0
        rarity = math.log2(bearers) if bearers else 0.0
        x[i, -3] = rarity                      # how many bear the name pair (0: the names do not agree exactly)
        x[i, -2] = 1.0 if bearers else 0.0
        x[i, -1] = rarity * (levels[fields.index("birth")] == "exact")
    return x


def threshold_at(scores, n, t, precision):
    """The lowest score at which the pairs scoring at least that have the target precision (None: never)."""
    best, tp, fp = None, 0, 0
    for i in np.argsort(-scores, kind="stable"):
        tp, fp = tp + t[i], fp + n[i] - t[i]
        if tp + fp and tp / (tp + fp) >= precision:
            best = scores[i]
    return best


def kept(scores, n, t, threshold):
    if threshold is None:
        return 0, 0
    chosen = scores >= threshold
    return int(t[chosen].sum()), int(n[chosen].sum())


def main():
    data = pickle.load(open(sys.argv[1], "rb"))
    fields, rows, precision = data["fields"], data["rows"], data["precision"]
    x = features(rows, fields)
    n = np.array([r[2] for r in rows])
    t = np.array([r[3] for r in rows])
    ours = np.array([r[4] for r in rows])
    rnd = np.random.default_rng(20261205)
    runs = {"logistic regression (learns from half the labels)": [], "Nicat, threshold picked from half the labels": [],
            "Nicat, production threshold": []}
    for _ in range(data["repeats"]):
        na = rnd.binomial(n, 0.5)
        ta = np.array([rnd.hypergeometric(ti, ni - ti, k) if k else 0 for ti, ni, k in zip(t, n, na)])
        nb, tb = n - na, t - ta
        xa = np.vstack([x, x])
        ya = np.r_[np.ones(len(x)), np.zeros(len(x))]
        wa = np.r_[ta, na - ta].astype(float)
        model = LogisticRegression(C=10.0, max_iter=5000).fit(xa[wa > 0], ya[wa > 0], sample_weight=wa[wa > 0])
        learned = model.predict_proba(x)[:, 1]
        for name, scores, threshold in (
                ("logistic regression (learns from half the labels)", learned, threshold_at(learned, na, ta, precision)),
                ("Nicat, threshold picked from half the labels", ours, threshold_at(ours, na, ta, precision)),
                ("Nicat, production threshold", ours, data["production_threshold"])):
            tp, found = kept(scores, nb, tb, threshold)
            # recall over all of half B's true pairs, the ones blocking never compared included (as a half)
            runs[name].append((tp / (tb.sum() * data["true_pairs"] / t.sum()), tp / found if found else None))
    out = {}
    for name, results in runs.items():
        recalls = [r for r, _ in results]
        precisions = [p for _, p in results if p is not None]
        out[name] = {"recall_mean": round(float(np.mean(recalls)), 4),
                     "recall_range": [round(min(recalls), 4), round(max(recalls), 4)],
                     "precision_mean": round(float(np.mean(precisions)), 4) if precisions else None,
                     "precision_range": [round(min(precisions), 4), round(max(precisions), 4)] if precisions else None}
    json.dump(out, open(sys.argv[2], "w"), indent=2)


if __name__ == "__main__":
    main()
