"""Benchmark: how fast `nicat audit verify` checks the chain (events per second).

    .venv/bin/python bench/audit_verify.py [--events N] [--postgres URL]

Creates N events (a valid chain, bulk-inserted), then times the verification (best of --runs).
Target: >= 200,000 events/s.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from audit_common import bulk_insert_chain, postgres_url_from, setup_django  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None, help="verifier processes (default: one per core, <= 4)")
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server URL (default: SQLite)")
    args = parser.parse_args()
    url = postgres_url_from(args.postgres)
    cleanup = setup_django(url)
    try:
        from django.db import connection

        from nicat.audit.verify import verify_chain

        t0 = time.perf_counter()
        bulk_insert_chain(args.events)
        created = time.perf_counter() - t0
        times, cpu = [], []
        for _ in range(args.runs):
            c0, t0 = os.times(), time.perf_counter()
            result = verify_chain(workers=args.workers)
            times.append(time.perf_counter() - t0)
            c1 = os.times()
            cpu.append(sum(c1[:4]) - sum(c0[:4]))  # this process and its workers (not the database server)
            assert result.ok and result.events == args.events, result.summary()
        best = min(times)
        vendor = connection.vendor
        print(f"database: {vendor}; events: {args.events}; created in {created:.1f} s")
        print(f"verify: best {best:.3f} s of {args.runs} runs -> {args.events / best:,.0f} events/s "
              f"(median {sorted(times)[len(times) // 2]:.3f} s)")
        print(f"CPU of the verifier (its processes, not the database server): {min(cpu):.3f} s -> "
              f"{args.events / min(cpu):,.0f} events per CPU-second; load average {os.getloadavg()[0]:.2f} "
              f"on {os.cpu_count()} cores")
        print(f"result: {result.summary()}")
        cmd = f".venv/bin/python bench/audit_verify.py --events {args.events}"
        print("reproduce:", cmd + (" --postgres postgresql://postgres@127.0.0.1:5432/postgres" if url else ""))
    finally:
        cleanup()


if __name__ == "__main__":
    main()
