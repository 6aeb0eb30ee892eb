"""How far the batch scan's recall could go on the synthetic registry's fields: the scan's own figure beside a
classifier that learns from the generator's labels, both counted on pairs the labels were not taken from.

    .venv/bin/python bench/matching_speed.py --persons 100000 --skip-intake --cache   # writes the cells
    .venv/bin/python bench/matching_ceiling.py --persons 100000 [--engine sqlite] [--repeats 10]

bench/matching_speed.py leaves the scan's cells in var/matching_speed_<engine>_<persons>_cells.pickle: for each
pattern of agreement levels and number of persons bearing the name pair, how many pairs were compared and how
many of them the generator made as one person registered twice. From them this script reports, at precision 0.99:

* the in-sample "oracle" of bench/matching_speed.py (cells taken best first by their true share, looking at
  the labels of the very pairs it is scored on: it overfits cells of one or two pairs, so it is an upper bound
  no method reaches);
* out of sample, over --repeats random halvings of every cell's pairs: a logistic regression fitted on half A's
  labels (levels one-hot, log2 of the name pair's bearers) with its threshold picked on A, counted on half B;
  Nicat's own score with its threshold picked on A the same way; and Nicat's score at its production threshold
  (`SCAN_MIN_PROBABILITY`), which needs no labels at all.

The classifier runs in the `recordlinkage` bench venv (scikit-learn; a benchmark tool, never a project
dependency; bench/matching_quality.py creates it). Results: bench/results/matching_ceiling_<engine>_<persons>.json.
"""
import argparse
import datetime
import json
import pickle
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
PRECISION = 0.99


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=100000)
    parser.add_argument("--engine", default="sqlite", choices=("sqlite", "postgresql"))
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    source = ROOT / "var" / f"matching_speed_{args.engine}_{args.persons}_cells.pickle"
    if not source.exists():
        sys.exit(f"{source} is missing: run bench/matching_speed.py --persons {args.persons} --skip-intake first")
    from matching_quality import venv_python
    from matching_speed import oracle_recall, setup

    tmp, _ = setup(None)  # the bench's settings in a throw-away directory; nothing here touches a database
    shutil.rmtree(tmp, ignore_errors=True)
    import django

    django.setup()

    from nicat.persons import matching
    from nicat.persons.duplicates import SCAN_MIN_PROBABILITY, pair_weight

    with open(source, "rb") as fh:
        scan = pickle.load(fh)
    model = matching.Model.from_dict(scan["model"])
    rows = [(levels, bearers, n, t,
             matching.to_probability(pair_weight(model, levels, bearers, scan["persons"], scan["u_names"])))
            for (levels, bearers), (n, t) in scan["cells"].items()]
    found = [(n, t) for *_, n, t, p in rows if p >= SCAN_MIN_PROBABILITY]
    result = {
        "command": "bench/matching_ceiling.py " + " ".join(sys.argv[1:]),
        "run_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cells_from": str(source.relative_to(ROOT)), "cells_written_at": datetime.datetime.fromtimestamp(
            source.stat().st_mtime, datetime.timezone.utc).isoformat(timespec="seconds"),
        "persons": scan["persons"], "true_pairs": scan["true_pairs"], "cells": len(rows),
        "precision_target": PRECISION, "repeats": args.repeats,
        "scan_at_production_threshold_all_pairs": {
            "threshold": SCAN_MIN_PROBABILITY,
            "recall": round(sum(t for _, t in found) / scan["true_pairs"], 4),
            "precision": round(sum(t for _, t in found) / sum(n for n, _ in found), 4) if found else None},
        "oracle_in_sample": oracle_recall(scan["cells"], scan["true_pairs"], PRECISION),
    }
    with tempfile.TemporaryDirectory() as tmp:
        given, answer = Path(tmp) / "in.pickle", Path(tmp) / "out.json"
        with open(given, "wb") as fh:
            pickle.dump({"fields": list(matching.FIELDS), "rows": rows, "true_pairs": scan["true_pairs"],
                         "precision": PRECISION, "repeats": args.repeats,
                         "production_threshold": SCAN_MIN_PROBABILITY}, fh)
        subprocess.run([venv_python("recordlinkage"), str(ROOT / "bench" / "matching_peer_ceiling.py"),
                        str(given), str(answer)], check=True, cwd=ROOT)
        result["out_of_sample_half_b"] = json.loads(answer.read_text())
    out = ROOT / "bench" / "results" / f"matching_ceiling_{args.engine}_{args.persons}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
