"""A/B of the statistics at scale on one generated database: the code of an earlier checkout (A, e.g.
`git archive <commit> | tar -x -C /tmp/before`) against this one (B), interleaved, so that both see the
same load on a shared machine.

    .venv/bin/python bench/stats_ab.py --before /tmp/before [--cases N] [--postgres URL]
    .venv/bin/python bench/stats_ab.py --before /tmp/before --postgres URL --db NAME --reuse --only release

With --reuse, a database kept by `stats_national.py --db NAME --keep` is used instead of generating one.
The releases of A and B are interleaved --runs times and must write the same CSV.
"""
import argparse
import importlib.util
import io
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import audit_common  # noqa: E402
import stats_national  # noqa: E402


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", required=True, help="root of the earlier checkout")
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", metavar="URL")
    parser.add_argument("--db", metavar="NAME", help="PostgreSQL database name of your own")
    parser.add_argument("--reuse", action="store_true", help="reuse a database kept by stats_national.py --keep")
    parser.add_argument("--only", choices=["breakdowns", "release"], help="time only these")
    args = parser.parse_args()
    if args.db:
        audit_common.BENCH_DB = args.db
    url = audit_common.postgres_url_from(args.postgres)
    if args.reuse and not url:
        parser.error("--reuse needs --postgres")
    if args.reuse:
        stats_national._reuse_django(url)

        def cleanup():
            from django.db import connections

            connections.close_all()
    else:
        cleanup = audit_common.setup_django(url)
    try:
        from django.db import connection

        from nicat.statistics import release as new_release
        from nicat.statistics import selectors as new_selectors

        old_selectors = load(os.path.join(args.before, "nicat/statistics/selectors.py"), "old_selectors")
        old_release = load(os.path.join(args.before, "nicat/statistics/release.py"), "old_release")
        t0 = time.perf_counter()
        if args.reuse:
            from nicat.accounts.models import User
            from nicat.cases.models import Case

            analyst = User.objects.get(username="bench.analyst")
            args.cases = Case.objects.system().count()
        else:
            analyst = stats_national.generate(args.cases)
        print(f"database: {connection.vendor}; cases: {args.cases:,}; generated in {time.perf_counter() - t0:.0f} s; "
              f"load {os.getloadavg()[0]:.1f}")
        jobs = {
            "breakdown year x gender": lambda m: m.case_table(user=analyst, by=["year", "gender"]),
            "breakdown exploitation x gender": lambda m: m.case_table(user=analyst, by=["exploitation", "gender"]),
            "breakdown year x exploitation": lambda m: m.case_table(user=analyst, by=["year", "exploitation"]),
        }
        for name, job in jobs.items() if args.only != "release" else ():
            times = {"A": [], "B": []}
            for _ in range(args.runs):
                for side, module in (("A", old_selectors), ("B", new_selectors)):
                    t = time.perf_counter()
                    job(module)
                    times[side].append(time.perf_counter() - t)
            print(f"{name}: before best {min(times['A']):.3f} s, after best {min(times['B']):.3f} s")
        times, written = {"A": [], "B": []}, {}
        for _ in range(args.runs if args.only != "breakdowns" else 0):
            for side, module in (("A", old_release), ("B", new_release)):
                t = time.perf_counter()
                result = module.anonymise(module.registry_rows(), k=11)
                out = io.StringIO()
                module.write_csv(result, out)
                times[side].append(time.perf_counter() - t)
                written[side] = out.getvalue()
                print(f"CTDC release k=11 ({'before' if side == 'A' else 'after'}): {times[side][-1]:.1f} s, "
                      f"{len(result.rows):,} rows; load {os.getloadavg()[0]:.1f}", flush=True)
        if written:
            print(f"CTDC release k=11: before best {min(times['A']):.1f} s, after best {min(times['B']):.1f} s; "
                  f"the same CSV: {written['A'] == written['B']}")
    finally:
        cleanup()


if __name__ == "__main__":
    main()
