"""Does the search find the person? Nicat's name search (keyed tokens, nothing in plain text) beside the
plain-text tool a user would pick instead — PostgreSQL pg_trgm (GIN index, `name % q ORDER BY
similarity(name, q) DESC LIMIT 10`) — on the same synthetic registry and the same queries, in one run.

    .venv/bin/python bench/search_vs_trgm.py --persons 100000                         # Nicat on SQLite
    .venv/bin/python bench/search_vs_trgm.py --persons 1000000 --cache \\
        --postgres postgresql://postgres@127.0.0.1:5432/postgres                     # Nicat on PostgreSQL

pg_trgm always runs on PostgreSQL (`--trgm URL`, default the local server): a database
`nicat_bench_trgm` holds the plain names, birth dates and ids of the same persons, and is dropped
afterwards. Nicat's registry is filled by nicat.persons.generator (sealed values, blind indexes, keyed
tokens as the services write them; one institution, so that the searching worker may see everyone).

Query groups (each target a registered person, its id known):
* exact-unique: the full name as stored, for persons sharing their full name with at most 9 others (the
  same name in any script, or the same written name) — success: that person in the top 10;
* script-unique: the same persons, the name typed in the other script (Cyrillic for a Latin record,
  Azerbaijani Latin for a Cyrillic one) — success: that person in the top 10;
* name-any: any person, the name as stored or in the other script — success: a person of that full
  name in the top 10 ("the right name");
* birth-date: the name (stored or other script) with the exact date of birth — success: that person
  in the top 10.
An empty answer while a namesake exists is counted separately. Latency: p50/p95/max per tool.

Results: bench/results/search_vs_trgm_<engine>_<N>.json (committed; docs/performance.md quotes them).
"""
import argparse
import json
import os
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from matching_speed import setup  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TRGM_DB = "nicat_bench_trgm"
GROUPS = ("exact-unique", "script-unique", "name-any", "birth-date")


def is_cyrillic(text):
    return any("\u0400" <= ch <= "\u04ff" for ch in text)


def registry(count):
    """(id offset i, stored given, stored family, underlying given, underlying family, birth date or None)
    for the generator's stream of `count` persons (seed 1, as `generate` inserts them)."""
    from nicat.persons.generator import people

    for i, (d, _orig) in enumerate(people(count, seed=1)):
        birth = d["birth_date"] if d["birth_date"] and not d["birth_date_is_estimate"] else None
        yield i, d["given_name"], d["family_name"], d["_given"], d["_family"], birth


def other_script(given, family, stored_given, rnd):
    from nicat.persons.generator import render

    script = "az" if is_cyrillic(stored_given) else "ru"
    return f"{render(given, script, rnd)} {render(family, script, rnd)}"


def build_queries(rows, per_group, seed):
    rnd = random.Random(seed)
    namesakes = Counter((r[3], r[4]) for r in rows)
    # "share the full name": the same name (Səbinə Abdullayeva in any script) or the same written name
    # ("Sabina Abdullayeva" is how 13 Səbinəs and 5 Sabinas of the 1,000,000 are written: a query of that
    # text cannot tell those 18 apart, whatever the tool)
    written = Counter((r[1], r[2]) for r in rows)
    both = Counter((r[3], r[4], r[1], r[2]) for r in rows)

    def sharing(r):
        return namesakes[(r[3], r[4])] + written[(r[1], r[2])] - both[(r[3], r[4], r[1], r[2])]

    unique = [r for r in rows if sharing(r) <= 10]
    dated = [r for r in rows if r[5] is not None]
    out = []
    for r in rnd.sample(unique, min(per_group, len(unique))):
        out.append({"group": "exact-unique", "target": r[0], "q": f"{r[1]} {r[2]}", "name": (r[3], r[4])})
    for r in rnd.sample(unique, min(per_group, len(unique))):
        out.append({"group": "script-unique", "target": r[0], "q": other_script(r[3], r[4], r[1], rnd),
                    "name": (r[3], r[4])})
    for n, r in enumerate(rnd.sample(rows, min(per_group, len(rows)))):
        q = f"{r[1]} {r[2]}" if n % 2 == 0 else other_script(r[3], r[4], r[1], rnd)
        out.append({"group": "name-any", "target": r[0], "q": q, "name": (r[3], r[4])})
    for n, r in enumerate(rnd.sample(dated, min(per_group, len(dated)))):
        q = f"{r[1]} {r[2]}" if n % 2 == 0 else other_script(r[3], r[4], r[1], rnd)
        out.append({"group": "birth-date", "target": r[0], "q": q, "name": (r[3], r[4]), "birth_date": r[5]})
    return out, {"unique_full_names_persons": len(unique), "distinct_full_names": len(namesakes)}


def trgm_setup(url, rows, start_id):
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {TRGM_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {TRGM_DB}")
    trgm_url = urlunsplit(urlsplit(url)._replace(path=f"/{TRGM_DB}"))
    conn = psycopg.connect(trgm_url, autocommit=True)
    conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    conn.execute("CREATE TABLE names (id integer PRIMARY KEY, name text NOT NULL, birth_date date)")
    with conn.cursor().copy("COPY names (id, name, birth_date) FROM STDIN") as copy:
        for r in rows:
            copy.write_row((start_id + r[0], f"{r[1]} {r[2]}", r[5]))
    conn.execute("CREATE INDEX names_trgm ON names USING gin (name gin_trgm_ops)")
    conn.execute("CREATE INDEX names_birth ON names (birth_date)")
    conn.execute("VACUUM ANALYZE names")

    def search(q, birth_date=None):
        if birth_date:
            sql = ("SELECT id FROM names WHERE birth_date = %s AND name %% %s "
                   "ORDER BY similarity(name, %s) DESC, id DESC LIMIT 10")
            return [r[0] for r in conn.execute(sql, (birth_date, q, q)).fetchall()]
        sql = "SELECT id FROM names WHERE name %% %s ORDER BY similarity(name, %s) DESC, id DESC LIMIT 10"
        return [r[0] for r in conn.execute(sql, (q, q)).fetchall()]

    def drop():
        conn.close()
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {TRGM_DB} WITH (FORCE)")

    return search, drop


def evaluate(search, queries, name_of):
    by_group = {g: {"queries": 0, "found": 0, "empty_with_namesake": 0, "ms": []} for g in GROUPS}
    for item in queries:
        t = time.perf_counter()
        ids = search(item["q"], item.get("birth_date"))[:10]
        ms = (time.perf_counter() - t) * 1000
        g = by_group[item["group"]]
        g["queries"] += 1
        g["ms"].append(ms)
        if item["group"] == "name-any":
            ok = any(name_of(i) == item["name"] for i in ids)
        else:
            ok = item["target"] in ids
        g["found"] += ok
        g["empty_with_namesake"] += not ids
        if not ok:  # synthetic names: listed so that a miss can be looked into
            g.setdefault("missed", []).append({"q": item["q"], "target": item["target"],
                                               "birth_date": str(item.get("birth_date") or ""),
                                               "answered": len(ids)})
    out = {}
    every = []
    for name, g in by_group.items():
        ms = sorted(g.pop("ms"))
        every += ms
        if g["queries"]:
            g["found_share"] = round(g["found"] / g["queries"], 4)
            g["p50_ms"] = round(statistics.median(ms), 1)
            g["p95_ms"] = round(ms[int(0.95 * (len(ms) - 1))], 1)
            g["max_ms"] = round(ms[-1], 1)
        out[name] = g
    every.sort()
    out["all"] = {"queries": len(every), "p50_ms": round(statistics.median(every), 1),
                  "p95_ms": round(every[int(0.95 * (len(every) - 1))], 1), "max_ms": round(every[-1], 1)}
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=100000)
    parser.add_argument("--queries", type=int, default=100, help="queries per group")
    parser.add_argument("--postgres", metavar="URL", help="run Nicat on this PostgreSQL server (default: SQLite)")
    parser.add_argument("--trgm", metavar="URL", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="PostgreSQL server for the pg_trgm baseline")
    parser.add_argument("--cache", action="store_true", help="reuse generated rows under var/bench-cache/")
    parser.add_argument("--runs", type=int, default=1,
                        help="measure both tools this many times in a row on the same registry (default 1)")
    parser.add_argument("--keep", action="store_true",
                        help="keep Nicat's registry for another run (PostgreSQL: --db-name; SQLite: "
                             "var/bench-keep/search_<N>.sqlite3)")
    parser.add_argument("--reuse", action="store_true", help="measure on the registry a --keep run left")
    parser.add_argument("--db-name", default="nicat_bench_search",
                        help="PostgreSQL database of Nicat's registry (default nicat_bench_search)")
    args = parser.parse_args()
    import matching_speed
    import registry_scale

    matching_speed.BENCH_DB = args.db_name
    kept = ROOT / "var" / "bench-keep" / f"search_{args.persons}.sqlite3"
    if args.keep or args.reuse:
        kept.parent.mkdir(parents=True, exist_ok=True)
        if not args.postgres:
            os.environ["NICAT_BENCH_SQLITE"] = str(kept)
    if args.reuse:
        if args.postgres:
            drop = registry_scale.reuse(args.postgres)
        else:
            if not kept.exists():
                raise SystemExit(f"--reuse: {kept} does not exist (run with --keep first)")
            drop = registry_scale.reuse(None)
        tmp = None
    else:
        tmp, drop = setup(args.postgres)
    trgm_drop = None
    try:
        from django.db import connection

        from nicat.accounts.models import Role, User
        from nicat.persons import selectors
        from nicat.persons.generator import generate
        from tests.support.world import make_institution, make_user

        engine = connection.vendor
        if args.reuse:
            worker = User.objects.get(username="bench-worker")
            fill = None
        else:
            ngo = make_institution("bench-ngo", "ngo", is_nonprofit=True)
            make_institution("bench-md", "law_enforcement", is_competent_authority=True, name_az="Baş İdarə")
            worker = make_user("bench-worker", ngo, Role.CASE_WORKER)
            t0 = time.monotonic()
            cache = ROOT / "var" / "bench-cache" / f"persons_search_{args.persons}.pickle" if args.cache else None
            generate(args.persons, institutions=[ngo], progress=lambda m: print(m, file=sys.stderr),
                     cache=str(cache) if cache else None, defer_indexes=True)
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE" if engine == "postgresql" else "ANALYZE")
            fill = round(time.monotonic() - t0, 1)
        from nicat.persons.models import Person

        start_id = Person.objects.system().order_by("pk").values_list("pk", flat=True).first()
        rows = list(registry(args.persons))
        name_by_id = {start_id + r[0]: (r[3], r[4]) for r in rows}
        queries, names_info = build_queries(rows, args.queries, seed=7)
        for item in queries:
            item["target"] += start_id
        t0 = time.monotonic()
        trgm_search, trgm_drop = trgm_setup(args.trgm, rows, start_id)
        trgm_fill = round(time.monotonic() - t0, 1)
        del rows

        def nicat_search(q, birth_date=None):
            found = selectors.search_persons(user=worker, q=q, birth_date=birth_date, limit=10)
            return [r["person"].pk for r in found]

        for item in queries[:10]:  # warm-up, both tools
            nicat_search(item["q"], item.get("birth_date"))
            trgm_search(item["q"], item.get("birth_date"))
        results = []
        for run in range(1, args.runs + 1):
            load_before = os.getloadavg()[0]
            result = {
                "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "engine": engine,
                "persons": args.persons, "run": run, "runs": args.runs,
                "command": "bench/search_vs_trgm.py " + " ".join(sys.argv[1:]), "cpus": os.cpu_count(),
                "fill_seconds": fill, "trgm_fill_seconds": trgm_fill, **names_info,
                "search_ranked": selectors.SEARCH_RANKED, "posting_cap": selectors.POSTING_CAP,
                "nicat": evaluate(nicat_search, queries, name_by_id.get),
                "pg_trgm": evaluate(trgm_search, queries, name_by_id.get),
                "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            }
            results.append(result)
            print(f"run {run} of {args.runs}, {result['date']}, load average {result['load_average']}")
            print(table(result), flush=True)
        out = ROOT / "bench" / "results" / f"search_vs_trgm_{engine}_{args.persons}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results if args.runs > 1 else results[0], indent=2, ensure_ascii=False))
    finally:
        if trgm_drop:
            trgm_drop()
        if drop and not args.keep:
            drop()
        if tmp:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)


def table(result):
    lines = [f"| group | Nicat ({result['engine']}) found | pg_trgm found | Nicat p95 / max ms | pg_trgm p95 / max ms |",
             "|---|---|---|---|---|"]
    for g in GROUPS:
        n, t = result["nicat"][g], result["pg_trgm"][g]
        if not n["queries"]:
            continue
        lines.append(f"| {g} | {n['found']}/{n['queries']} (empty {n['empty_with_namesake']}) | "
                     f"{t['found']}/{t['queries']} (empty {t['empty_with_namesake']}) | "
                     f"{n['p95_ms']} / {n['max_ms']} | {t['p95_ms']} / {t['max_ms']} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
