"""Benchmark: milliseconds an audit event adds to an action (p50/p95), with the whole Django stack.

    .venv/bin/python bench/audit_append.py [--events N] [--prefill N] [--postgres URL]

Two figures: `record()` inside a caller's open transaction (what a service pays: lock, head, hash,
INSERT), and `record()` as a transaction of its own (plus BEGIN/COMMIT). Target (issue 19): p95 <= 1 ms
inside the caller's transaction on PostgreSQL over loopback. Interleaved with them, the floor of one
round trip (`SELECT 1` in the same transaction), so that a figure measured on a loaded machine can be
read as a number of round trips; on PostgreSQL also the same append sent the former way (Django's cursor,
parameters quoted into the text on the client, the statement parsed anew each time) as the baseline.
"""
import argparse
import os
import statistics
import sys
import time
import types
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from audit_common import bulk_insert_chain, postgres_url_from, setup_django  # noqa: E402


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--prefill", type=int, default=100_000, help="events already in the trail")
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server URL (default: SQLite)")
    args = parser.parse_args()
    url = postgres_url_from(args.postgres)
    cleanup = setup_django(url)
    try:
        from django.contrib.auth import get_user_model
        from django.db import connection, transaction

        from nicat.audit.services import record

        bulk_insert_chain(args.prefill)
        user = get_user_model().objects.create_user(username="bench.worker", password="x" * 16)
        case = types.SimpleNamespace(uuid=uuid.uuid4(), reference="NCT-2026-000123")

        def one(n):
            record(actor=user, action="case.update", obj=user, case=case, reason="",
                   changes={"status": ["open", "closed"]}, details={"n": n})

        from nicat.audit import services

        prepared = services._pg_append

        def client_bound(params):  # the baseline: what _pg_append replaced
            with connection.cursor() as cursor:
                cursor.execute(services._PG_APPEND, params)
                return cursor.fetchone()

        for n in range(50):  # warm-up
            one(n)
        inside, own, cpu, trip, baseline = [], [], [], [], []
        load_before = os.getloadavg()[0]
        for n in range(args.events):
            with transaction.atomic():
                with connection.cursor() as cursor:
                    t0 = time.perf_counter()
                    cursor.execute("SELECT 1")
                    cursor.fetchone()
                    trip.append((time.perf_counter() - t0) * 1000)
                c0, t0 = time.process_time(), time.perf_counter()
                one(n)
                inside.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
            t0 = time.perf_counter()
            one(n)
            own.append((time.perf_counter() - t0) * 1000)
            if connection.vendor == "postgresql":
                services._pg_append = client_bound
                try:
                    with transaction.atomic(), connection.cursor() as cursor:
                        cursor.execute("SELECT 1")  # the transaction open, as for the figure above
                        cursor.fetchone()
                        t0 = time.perf_counter()
                        one(n)
                        baseline.append((time.perf_counter() - t0) * 1000)
                finally:
                    services._pg_append = prepared
        print(f"database: {connection.vendor}; trail before: {args.prefill} events; measured: {args.events} x 2")
        for label, values in (("in the caller's transaction", inside), ("own transaction (incl. commit)", own),
                              ("(one round trip: SELECT 1)", trip),
                              ("(baseline: client-side binding)", baseline)):
            if not values:
                continue
            print(f"record() {label:32s} p50 {statistics.median(values):.3f} ms  p95 {percentile(values, 95):.3f} ms"
                  f"  p99 {percentile(values, 99):.3f} ms")
        print(f"CPU of this process per record() in a transaction: mean {statistics.mean(cpu):.3f} ms "
              "(the database server's share not included on PostgreSQL)")
        print(f"load average {load_before:.2f} -> {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; "
              f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
        cmd = f".venv/bin/python bench/audit_append.py --events {args.events} --prefill {args.prefill}"
        print("reproduce:", cmd + (" --postgres postgresql://postgres@127.0.0.1:5432/postgres" if url else ""))
    finally:
        cleanup()


if __name__ == "__main__":
    main()
