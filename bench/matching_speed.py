"""Speed of duplicate matching on a large registry: intake candidates for one new person, and the
registry-wide batch scan.

    .venv/bin/python bench/matching_speed.py --persons 100000                      # SQLite
    .venv/bin/python bench/matching_speed.py --persons 100000 \\
        --postgres postgresql://postgres@127.0.0.1:5432/postgres                    # PostgreSQL

A throw-away database (a temporary SQLite file, or a PostgreSQL database `nicat_bench_matching`
created on the given server and dropped afterwards) is migrated, two institutions and a worker are
created, N synthetic persons are inserted by nicat.persons.generator (sealed values, blind indexes
and keyed tokens computed as the services do), then:

* intake: `selectors.intake_candidates(user=worker, data=...)` — the whole intake check (keyed
  token look-up, decryption and ranking of the candidates, scope check) — for Q new persons, half
  of them another spelling of a registered person; p50/p95/max in ms;
* scan: `nicat duplicates scan` (blocking, decryption, EM re-estimation of the weights, ranking,
  signals), once; with the generator's ground truth (the persons it registered twice): pairs
  compared, the share of true pairs among them (blocking recall), and the precision and recall of
  the signals raised, with the time and the load average before and after.

    .venv/bin/python bench/matching_speed.py --persons 100000 --skip-intake --cache   # the scan only

Results: bench/results/matching_speed_<engine>_<N>.json.
"""
import argparse
import base64
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "nicat_bench_matching"


def setup(postgres_url):
    sys.path.insert(0, str(ROOT))
    tmp = tempfile.mkdtemp(prefix="nicat-bench-matching-")
    os.environ.update({
        "NICAT_DEV": "1", "NICAT_VAR_DIR": tmp, "SECRET_KEY": "bench-secret-key",
        "NICAT_FIELD_KEYS": base64.urlsafe_b64encode(b"m" * 32).decode(),
        "NICAT_INDEX_KEY": base64.urlsafe_b64encode(b"n" * 32).decode(),
        "DJANGO_SETTINGS_MODULE": "nicat.settings",
    })
    drop = None
    if postgres_url:
        import psycopg

        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
            conn.execute(f"CREATE DATABASE {BENCH_DB}")
        parts = urlsplit(postgres_url)
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{BENCH_DB}"))

        def drop():
            from django.db import connections

            connections.close_all()
            with psycopg.connect(postgres_url, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    else:
        kept = os.environ.get("NICAT_BENCH_SQLITE")  # a file another run may reuse (search_vs_trgm --keep)
        if kept and os.path.exists(kept):
            os.remove(kept)
        os.environ["DATABASE_URL"] = f"sqlite:///{kept or tmp + '/bench.sqlite3'}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return tmp, drop


def queries(count, persons, seed):
    """New persons to check: half another spelling of a registered person, half not registered."""
    import itertools
    import random

    from nicat.persons.generator import people, render, typo

    rnd = random.Random(seed)
    registered = [d for d, orig in itertools.islice(people(min(persons, 20000), seed=1), 20000) if orig is None]
    out = []
    fresh = people(count, seed=seed + 1000, duplicate_share=0)
    for i in range(count):
        if i % 2 == 0:
            d = dict(rnd.choice(registered))
            script = rnd.choice(["ru", "en", "plain", "az"])
            d["given_name"] = render(d["_given"], script, rnd)
            d["family_name"] = render(d["_family"], script, rnd)
            if rnd.random() < 0.3:
                d["family_name"] = typo(d["family_name"], rnd)
        else:
            d = next(fresh)[0]
        out.append({k: v for k, v in d.items() if not k.startswith("_") and k != "gender"})
    return out


def oracle_recall(cells, true_pairs, precision=0.99):
    """The most any classifier of these levels and name frequencies could recall at `precision`: the
    cells {(levels, name-pair bearers): [pairs, true pairs]} taken best first by their true share (it
    looks at the labels; a ceiling, not a method)."""
    tp = fp = 0
    for n, t in sorted(cells.values(), key=lambda c: -c[1] / c[0]):
        if (tp + t) / (tp + fp + n) < precision:
            break
        tp, fp = tp + t, fp + n - t
    return round(tp / true_pairs, 4) if true_pairs else None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=100000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--postgres", metavar="URL", help="server URL; a bench database is created and dropped")
    parser.add_argument("--skip-scan", action="store_true")
    parser.add_argument("--skip-intake", action="store_true")
    parser.add_argument("--one-process-too", action="store_true",
                        help="after the scan, the same scan comparing in one process (NICAT_SCAN_PROCESSES=1)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary SQLite database (path printed)")
    parser.add_argument("--cache", action="store_true",
                        help="keep the generated rows under var/bench-cache/ and reuse them (same registry in "
                             "SQLite and PostgreSQL at the cost of one generation)")
    args = parser.parse_args()
    tmp, drop = setup(args.postgres)
    try:
        run(args, tmp)
    finally:
        if drop:
            drop()
        if not args.keep:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)


def run(args, tmp):
    from django.conf import settings
    from django.db import connection

    from nicat.accounts.models import Role
    from nicat.persons import selectors
    from nicat.persons.duplicates import scan
    from nicat.persons.generator import generate
    from nicat.persons.models import PersonToken
    from tests.support.world import make_institution, make_user

    engine = connection.vendor
    if engine == "sqlite":
        print(f"database: {connection.settings_dict['NAME']}", file=sys.stderr)
    ngo = make_institution("bench-ngo", "ngo", is_nonprofit=True)
    make_institution("bench-md", "law_enforcement", is_competent_authority=True, name_az="Baş İdarə")
    others = [make_institution(f"bench-{i}", "ngo") for i in range(4)]
    worker = make_user("bench-worker", ngo, Role.CASE_WORKER)
    import datetime

    result = {"engine": engine, "persons": args.persons,
              "command": "bench/matching_speed.py " + " ".join(sys.argv[1:]), "cpus": os.cpu_count(),
              "run_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    t = time.monotonic()
    truth = []
    cache = ROOT / "var" / "bench-cache" / f"persons_{args.persons}.pickle" if args.cache else None
    made = generate(args.persons, institutions=[ngo, *others], progress=lambda m: print(m, file=sys.stderr),
                    truth=truth, cache=str(cache) if cache else None, defer_indexes=True)
    result["generate_seconds"] = round(time.monotonic() - t, 1)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if engine == "postgresql" else "ANALYZE")
    result["tokens"] = PersonToken.objects.system().count()
    if engine == "sqlite":
        result["database_bytes"] = os.path.getsize(connection.settings_dict["NAME"])
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            result["database_bytes"] = cursor.fetchone()[0]
    print(f"{made} persons, {result['tokens']} tokens in {result['generate_seconds']} s", file=sys.stderr)

    if not args.skip_intake:
        qs = queries(args.queries, args.persons, seed=42)
        for d in qs[:10]:  # warm-up
            selectors.intake_candidates(user=worker, data=d)
        times, shown, hidden = [], 0, 0
        for d in qs:
            t = time.perf_counter()
            res = selectors.intake_candidates(user=worker, data=d)
            times.append((time.perf_counter() - t) * 1000)
            shown += bool(res["candidates"])
            hidden += res["known_elsewhere"]
        times.sort()
        result["intake"] = {
            "queries": len(times), "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1), "max_ms": round(times[-1], 1),
            "with_visible_candidates": shown, "known_elsewhere": hidden}
        print("intake", result["intake"], file=sys.stderr)
    if not args.skip_scan:
        # quality on the synthetic registry: the generator knows which persons it registered twice
        from collections import defaultdict

        from nicat.persons.models import DuplicateSignal

        groups = defaultdict(set)
        for orig, dup in truth:
            groups[orig].update((orig, dup))
        true_pairs = {(a, b) for g in groups.values() for a in g for b in g if a < b}
        load_before = os.getloadavg()
        t = time.monotonic()
        said = []

        def progress(message):
            said.append(message)
            print("scan:", message, file=sys.stderr)

        s = scan(progress=progress, watch=true_pairs)
        result["scan"] = {"seconds": round(time.monotonic() - t, 1), "pairs_compared": s.pairs,
                          "processes": s.processes, "steps": said,
                          "likely_duplicates": s.matches, "signals": s.new_signals, "blocks": s.blocks,
                          "oversized_blocks": s.oversized_blocks, "refined_blocks": s.refined_blocks,
                          "oversized_refined_blocks": s.oversized_refined, "weights_re_estimated": s.trained,
                          "u_names": s.u_names, "pairs_by_kind": s.pairs_by_kind,
                          "load_average_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)]}
        found = set(DuplicateSignal.objects.system().values_list("person_a_id", "person_b_id"))
        found = {(min(a, b), max(a, b)) for a, b in found}
        tp = len(found & true_pairs)
        result["scan"]["synthetic_truth"] = {
            "true_pairs": len(true_pairs), "compared": s.watched_compared,
            "blocking_recall": round(s.watched_compared / len(true_pairs), 4) if true_pairs else None,
            "found": len(found), "true_positives": tp,
            "precision": round(tp / len(found), 4) if found else None,
            "recall": round(tp / len(true_pairs), 4) if true_pairs else None}
        # the same pairs at other lowest probabilities (`--min-probability`): from the scan's cells
        from nicat.persons import matching
        from nicat.persons.duplicates import pair_weight

        model = matching.Model.from_dict(s.model)
        by_threshold = {}
        for threshold in (0.5, 0.9, 0.95, 0.99):
            hit = true_hit = 0
            for (lv, bearers), (n, t) in s.cells.items():
                if matching.to_probability(pair_weight(model, lv, bearers, s.persons, s.u_names)) >= threshold:
                    hit += n
                    true_hit += t
            by_threshold[str(threshold)] = {"precision": round(true_hit / hit, 4) if hit else None,
                                            "recall": round(true_hit / len(true_pairs), 4)}
        result["scan"]["synthetic_truth"]["by_min_probability"] = by_threshold
        result["scan"]["synthetic_truth"]["oracle_recall_at_precision_0.99"] = oracle_recall(s.cells, len(true_pairs))
        print("scan", result["scan"], file=sys.stderr)
        if args.one_process_too:
            # the same scan compared in one process (as before NICAT_SCAN_PROCESSES), after the first: its
            # reads find the database's caches warm, so the comparison does not flatter the processes
            said = []
            settings.NICAT_SCAN_PROCESSES = 1
            load_before = os.getloadavg()
            t = time.monotonic()
            one = scan(progress=progress, watch=true_pairs, record=False)
            result["scan_one_process"] = {
                "seconds": round(time.monotonic() - t, 1), "processes": one.processes, "pairs_compared": one.pairs,
                "likely_duplicates": one.matches,
                "same_cells": one.cells == s.cells, "steps": said,
                "load_average_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)]}
            print("scan in one process", result["scan_one_process"], file=sys.stderr)
        import pickle

        cells = ROOT / "var" / f"matching_speed_{engine}_{args.persons}_cells.pickle"
        cells.parent.mkdir(parents=True, exist_ok=True)
        with open(cells, "wb") as fh:  # for trying other thresholds offline: levels, bearers, pairs, true pairs
            pickle.dump({"cells": s.cells, "model": s.model, "u_names": s.u_names, "persons": s.persons,
                         "true_pairs": len(true_pairs)}, fh)
    out = ROOT / "bench" / "results" / f"matching_speed_{engine}_{args.persons}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
