"""Benchmark: the statistics at national scale — a two-dimension breakdown with suppression, the
statistics page, and the k = 11 CTDC release of every case.

    .venv/bin/python bench/stats_national.py [--cases N] [--postgres URL] [--db NAME --keep | --reuse]

Builds a throw-away database (SQLite file, or a database on the PostgreSQL server), generates N
synthetic cases with their persons (encrypted like real ones), forms of exploitation and
citizenships, then times each operation (best of --runs). Goals (issue 13): breakdown <= 1 s,
page <= 1.5 s, release <= 30 s, at 1,000,000 cases.
"""
import argparse
import datetime
import io
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import audit_common  # noqa: E402


def generate(n, seed=7):
    from django.db import transaction
    from django.utils import timezone

    from nicat.accounts.models import Membership, Role, User
    from nicat.cases.models import Case
    from nicat.directory.models import Institution
    from nicat.persons.models import Person
    from nicat.vocab.models import Term

    rnd = random.Random(seed)
    kind = Term.objects.get(vocabulary="institution_kind", code="ngo")
    inst = Institution.objects.create(code="bench-ngo", name_az="Bench NGO", kind=kind)
    analyst = User.objects.create_user("bench.analyst", password="x-Bench-123")
    Membership.objects.create(user=analyst, institution=inst, role=Role.ANALYST)
    genders = list(Term.objects.filter(vocabulary="gender", code__in=["feminine", "masculine"]))
    forms = list(Term.objects.filter(vocabulary="exploitation"))
    countries = list(Term.objects.filter(vocabulary="country", code__in=["AZ", "TR", "AE", "RU", "GE", "IR"]))
    through_forms = Case.exploitation_forms.through
    through_cit = Person.citizenships.through
    batch = 5000
    base = timezone.make_aware(datetime.datetime(2016, 1, 1))
    for start in range(0, n, batch):
        size = min(batch, n - start)
        with transaction.atomic():
            persons = Person.objects.system().bulk_create([
                Person(given_name=f"Given{start + i}", family_name=f"Family{rnd.randrange(5000)}",
                       birth_date=datetime.date(1960 + rnd.randrange(50), 1 + rnd.randrange(12), 1 + rnd.randrange(28)),
                       gender=rnd.choice(genders), registered_by_institution=inst) for i in range(size)])
            cases = Case.objects.system().bulk_create([
                Case(person=p, owner_institution=inst, reference=f"BEN-{start + i:09d}",
                     first_contact_at=base + datetime.timedelta(days=rnd.randrange(3650), hours=rnd.randrange(24)))
                for i, p in enumerate(persons)])
            through_forms.objects.bulk_create([through_forms(case_id=c.pk, term_id=rnd.choice(forms).pk)
                                               for c in cases])
            through_cit.objects.bulk_create([through_cit(person_id=p.pk, term_id=rnd.choice(countries).pk)
                                             for p in persons])
    return analyst


def grow(target):
    """PostgreSQL, with --reuse: copies the generated cases (with their persons, forms of exploitation and
    citizenships) in SQL until there are `target`, when generating them would take too long on a loaded
    machine. The copies re-use the originals' sealed values (a ciphertext is bound to its column, not its
    row) and get new ids, UUIDs and references; so the cases repeat the generated ones, in proportion."""
    from django.db import connection, transaction

    def columns(table, leave):
        with connection.cursor() as cur:
            cur.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                        "ORDER BY ordinal_position", [table])
            return [c for (c,) in cur.fetchall() if c not in leave]

    person_cols = columns("persons_person", {"id", "uuid"})
    case_cols = columns("cases_case", {"id", "uuid", "reference", "person_id"})
    with connection.cursor() as cur:
        cur.execute("SELECT count(*), max(id) FROM cases_case")
        n, max_case = cur.fetchone()
        cur.execute("SELECT max(id) FROM persons_person")
        (max_person,) = cur.fetchone()
        original = n
        copy = 0
        while n < target:
            copy += 1
            take = min(original, target - n)
            cur.execute("SELECT max(id) FROM (SELECT id FROM cases_case ORDER BY id LIMIT %s) t", [take])
            (last,) = cur.fetchone()
            off_c, off_p = max_case * copy, max_person * copy
            p, c = ", ".join(person_cols), ", ".join(case_cols)
            with transaction.atomic():
                cur.execute(f"INSERT INTO persons_person (id, uuid, {p}) SELECT p.id + %s, gen_random_uuid(), "
                            f"{', '.join('p.' + x for x in person_cols)} FROM persons_person p "
                            f"JOIN cases_case c ON c.person_id = p.id WHERE c.id <= %s", [off_p, last])
                cur.execute(f"INSERT INTO cases_case (id, uuid, reference, person_id, {c}) SELECT id + %s, "
                            f"gen_random_uuid(), 'BEN-C' || (id + %s), person_id + %s, {c} FROM cases_case "
                            f"WHERE id <= %s", [off_c, off_c, off_p, last])
                cur.execute("INSERT INTO cases_case_exploitation_forms (case_id, term_id) SELECT case_id + %s, "
                            "term_id FROM cases_case_exploitation_forms WHERE case_id <= %s", [off_c, last])
                cur.execute("INSERT INTO persons_person_citizenships (person_id, term_id) SELECT x.person_id + %s, "
                            "x.term_id FROM persons_person_citizenships x JOIN cases_case c ON c.person_id = "
                            "x.person_id WHERE c.id <= %s", [off_p, last])
            n += take
            print(f"grown to {n:,} cases", flush=True)
        for table in ("persons_person", "cases_case"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        cur.execute("ANALYZE")


def _reuse_django(postgres_url):
    """Point Django at the kept database and migrate it (new migrations apply, as in production)."""
    from urllib.parse import urlsplit, urlunsplit

    if not postgres_url:  # the SQLite file NICAT_BENCH_SQLITE
        audit_common.setup_django(None)
        return None

    parts = urlsplit(postgres_url)
    saved = audit_common._pg_admin  # the same set-up as a fresh run, without DROP/CREATE DATABASE
    audit_common._pg_admin = lambda *a: None
    try:
        audit_common.setup_django(postgres_url)
    finally:
        audit_common._pg_admin = saved
    assert os.environ["DATABASE_URL"] == urlunsplit(parts._replace(path="/" + audit_common.BENCH_DB))
    return None


def best_of(runs, fn):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), sorted(times)[len(times) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server URL (default: SQLite)")
    parser.add_argument("--db", metavar="NAME", help="PostgreSQL database name of your own (default nicat_bench_audit)")
    parser.add_argument("--keep", action="store_true", help="keep the generated PostgreSQL database afterwards")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse a database kept by --keep (migrated, not regenerated; --cases is read from it)")
    parser.add_argument("--no-recount", action="store_true", help="with --reuse: keep the stored totals as they are")
    parser.add_argument("--grow-to", type=int, metavar="N",
                        help="with --reuse: copy the generated cases in SQL until there are N (see grow())")
    parser.add_argument("--only-release", action="store_true", help="time only the CTDC release (--runs times)")
    parser.add_argument("--only-generate", action="store_true",
                        help="generate (with --keep) and recount the stored totals, time nothing else: measure "
                             "later with --reuse --no-recount, when the machine is quiet")
    args = parser.parse_args()
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    os.environ["NICAT_REQUIRE_2FA"] = "0"
    if args.db:
        audit_common.BENCH_DB = args.db
    url = audit_common.postgres_url_from(args.postgres)
    if (args.keep or args.reuse) and not url:
        # SQLite: a file kept under var/bench-keep/ (named by --db) instead of a throw-away one
        kept = audit_common.ROOT / "var" / "bench-keep" / f"{args.db or 'stats'}.sqlite3"
        kept.parent.mkdir(parents=True, exist_ok=True)
        if args.reuse and not kept.exists():
            parser.error(f"--reuse: {kept} does not exist (generate it with --keep first)")
        if args.keep and not args.reuse and kept.exists():
            kept.unlink()
        os.environ["NICAT_BENCH_SQLITE"] = str(kept)
    if args.grow_to and not url:
        parser.error("--grow-to needs --postgres")
    cleanup = _reuse_django(url) if args.reuse else audit_common.setup_django(url)
    if args.keep or args.reuse:
        def cleanup():
            from django.db import connections

            connections.close_all()
    try:
        from django.db import connection
        from django.test import Client

        from nicat.statistics.selectors import case_table
        from nicat.statistics.services import ctdc_release

        t0 = time.perf_counter()
        if args.reuse:
            from nicat.accounts.models import User
            from nicat.cases.models import Case

            analyst = User.objects.get(username="bench.analyst")
            if args.grow_to:
                grow(args.grow_to)
            args.cases = Case.objects.system().count()
        else:
            analyst = generate(args.cases)
        print(f"database: {connection.vendor}; cases: {args.cases:,}; generated in {time.perf_counter() - t0:.1f} s")
        try:
            from nicat.statistics import totals
        except ImportError:  # an earlier checkout: the analysts' figures are counted live
            totals = None
        if totals is not None and not (args.reuse and args.no_recount) and not args.only_release:
            t0 = time.perf_counter()
            summary = totals.refresh()
            print(f"stored totals recounted (the hourly job of nicat worker): {time.perf_counter() - t0:.1f} s, "
                  f"{summary['rows']:,} rows")
            from nicat.cases.models import Case
            from nicat.statistics.selectors import grouped_counts
            from nicat.statistics.whole import whole_table

            t0 = time.perf_counter()
            grouped_counts(whole_table(Case), [totals.DIMENSIONS["exploitation"], totals.DIMENSIONS["gender"]])
            print(f"(for comparison: the live count exploitation x gender, no suppression: "
                  f"{time.perf_counter() - t0:.3f} s)")
        if args.only_generate:
            return
        if not args.only_release:
            best, median = best_of(args.runs, lambda: case_table(user=analyst, by=["year", "gender"]))
            print(f"breakdown year x gender with suppression: best {best:.3f} s, median {median:.3f} s (goal <= 1 s)")
            best, median = best_of(args.runs, lambda: case_table(user=analyst, by=["exploitation", "gender"]))
            print(f"breakdown form of exploitation x gender:   best {best:.3f} s, median {median:.3f} s")
            client = Client()
            client.force_login(analyst)

            def page():
                response = client.get("/statistics/", {"by": "year", "then": "exploitation"})
                assert response.status_code == 200, response.status_code

            best, median = best_of(args.runs, page)
            print(f"statistics page (year x exploitation):      best {best:.3f} s, median {median:.3f} s (goal <= 1.5 s)")
        holder = {}

        def release():
            out = io.StringIO()
            holder["r"] = ctdc_release(actor=None, k=11, fh=out)

        best, median = best_of(args.runs if args.only_release else 1, release)
        r = holder["r"]
        print(f"CTDC release k=11: best {best:.1f} s, median {median:.1f} s for {r.cases:,} cases, {len(r.rows):,} rows released, "
              f"{r.left_out:,} left out (goal <= 30 s at 1,000,000)")
        print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; {datetime.date.today()}")
        cmd = f".venv/bin/python bench/stats_national.py --cases {args.cases}"
        print("reproduce:", cmd + (" --postgres postgresql://postgres@127.0.0.1:5432/postgres" if url else ""))
    finally:
        cleanup()


if __name__ == "__main__":
    main()
