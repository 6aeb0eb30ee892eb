"""The pages a case worker lives in, on a national-size registry: the case list, a case, the name
search, the dashboard and "My work" as an NGO's case worker who sees every case, and the statistics
page as the Main Department's analyst (issue 18: "the 1,000,000-person registry on PostgreSQL: case
list, search and the dashboard within the goals of the performance docs").

    .venv/bin/python bench/registry_scale.py --persons 1000000 --cache \\
        --postgres postgresql://postgres@127.0.0.1:5432/postgres

A throw-away database (as bench/matching_speed.py: a temporary SQLite file, or `nicat_bench_registry`
on the given PostgreSQL server, dropped afterwards) is migrated; N synthetic persons are inserted by
nicat.persons.generator (sealed values, blind indexes, keyed tokens, as the services write them) into
50 institutions (`--institutions`), and each person gets a case of the institution that registered them,
so the worker's own institution holds a fiftieth of the registry: 97 % closed, 2.5 % in follow-up,
0.5 % open and still presumed (each with an overdue referral deadline in "My work"). Every page is requested through
Django's test client (the whole request: middleware, policy, audit append, template), signed in,
`--repeat` times; the name searches use names of persons the worker's institution registered (as stored,
or typed in the other script) over the whole registry, and count whether that person's case is on the
answer page; the case reads open those persons' cases.

Goals (docs/performance.md): search p95 <= 200 ms and max <= 1 s (issue 19); a page p95 <= 1 s,
the statistics page <= 1.5 s (issue 13). Results: bench/results/registry_scale_<engine>_<N>.json.
"""
import argparse
import datetime
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import matching_speed  # noqa: E402
from matching_speed import setup  # noqa: E402
from search_vs_trgm import other_script, registry  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GOALS_MS = {"search": (200, 1000), "statistics": (1500, None)}
PAGE_GOAL_MS = (1000, None)


def _state(rnd):
    """A registry built over years: most cases closed, some in follow-up, a few open and still presumed
    (each of those has an overdue referral deadline, so "My work" lists them all)."""
    from nicat.cases.models import CaseStatus, TraffickingStatus

    x = rnd.random()
    if x < 0.005:
        return {"status": CaseStatus.ACTIVE, "trafficking_status": TraffickingStatus.POSSIBLE}
    if x < 0.03:
        return {"status": CaseStatus.FOLLOW_UP, "trafficking_status": TraffickingStatus.ACTUAL}
    return {"status": CaseStatus.CLOSED,
            "trafficking_status": TraffickingStatus.ACTUAL if x < 0.6 else TraffickingStatus.NOT_A_VICTIM}


def add_cases(start_id, count, progress):
    """One case per generated person (ids start_id … start_id + count - 1), of the institution that
    registered the person."""
    from django.db import transaction
    from django.utils import timezone

    from nicat.cases.models import Case
    from nicat.vocab.models import Term

    rnd = random.Random(11)
    forms = list(Term.objects.filter(vocabulary="exploitation"))
    through = Case.exploitation_forms.through
    base = timezone.now() - datetime.timedelta(days=3650)
    batch = 5000
    from nicat.persons.models import Person

    for first in range(0, count, batch):
        size = min(batch, count - first)
        owners = dict(Person.objects.system().filter(pk__gte=start_id + first, pk__lt=start_id + first + size)
                      .values_list("pk", "registered_by_institution_id"))
        with transaction.atomic():
            cases = Case.objects.system().bulk_create([
                Case(person_id=start_id + first + i, owner_institution_id=owners[start_id + first + i],
                     reference=f"BEN-{first + i:09d}", **_state(rnd),
                     first_contact_at=base + datetime.timedelta(minutes=rnd.randrange(3650 * 24 * 60)))
                for i in range(size)])
            through.objects.bulk_create([through(case_id=c.pk, term_id=rnd.choice(forms).pk) for c in cases])
        if (first // batch) % 20 == 0:
            progress(f"cases: {first + size:,} of {count:,}")


def timed(client, path, params=None, repeat=1, check=None, method="get"):
    times, ok = [], 0
    for n in range(repeat):
        p = params(n) if callable(params) else (params or {})
        t = time.perf_counter()
        response = getattr(client, method)(path, p)
        times.append((time.perf_counter() - t) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path} {p} answered {response.status_code}")
        if check:
            ok += bool(check(n, response.content.decode()))
    return times, ok


def summary(times):
    times = sorted(times)
    return {"requests": len(times), "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[max(0, int(round(0.95 * len(times))) - 1)], 1), "max_ms": round(times[-1], 1)}


def run(args):
    from django.db import connection

    from nicat.accounts.models import Role
    from nicat.persons.generator import generate
    from nicat.persons.models import Person
    from tests.support.world import make_institution, make_user

    engine = connection.vendor
    if args.reuse:
        return measure(args, *reused(), generated=None)
    ngo = make_institution("bench-ngo", "ngo", is_nonprofit=True)
    others = [make_institution(f"bench-{n}", "ngo") for n in range(args.institutions - 1)]
    md = make_institution("bench-md", "law_enforcement", is_competent_authority=True, name_az="Baş İdarə")
    worker = make_user("bench-worker", ngo, Role.CASE_WORKER)
    analyst = make_user("bench-analyst", md, Role.ANALYST)
    start_id = (Person.objects.system().order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    t0 = time.monotonic()
    cache = ROOT / "var" / "bench-cache" / f"persons_search_{args.persons}.pickle" if args.cache else None
    generate(args.persons, institutions=[ngo, *others], progress=lambda m: print(m, file=sys.stderr),
             cache=str(cache) if cache else None, defer_indexes=True)
    add_cases(start_id, args.persons, progress=lambda m: print(m, file=sys.stderr))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if engine == "postgresql" else "ANALYZE")
    generated = round(time.monotonic() - t0, 1)
    print(f"{args.persons:,} persons and cases in {generated} s", file=sys.stderr)
    return measure(args, ngo, worker, analyst, start_id, generated=generated)


def reused():
    """The institution, worker, analyst and first person id of a database an earlier run kept (--keep)."""
    from nicat.accounts.models import User
    from nicat.directory.models import Institution
    from nicat.persons.models import Person

    ngo = Institution.objects.get(code="bench-ngo")
    first = Person.objects.system().order_by("pk").values_list("pk", flat=True).first()
    return ngo, User.objects.get(username="bench-worker"), User.objects.get(username="bench-analyst"), first


def measure(args, ngo, worker, analyst, start_id, *, generated):
    from django.db import connection
    from django.test import Client

    from nicat.cases.models import Case
    from nicat.persons.models import Person

    engine = connection.vendor

    rnd = random.Random(5)
    own = set(Person.objects.system().filter(registered_by_institution=ngo).values_list("pk", flat=True))
    rows = [r for r in registry(args.persons) if start_id + r[0] in own]
    picks = rnd.sample(rows, args.repeat)
    queries = []
    for n, r in enumerate(picks):
        q = f"{r[1]} {r[2]}" if n % 2 == 0 else other_script(r[3], r[4], r[1], rnd)
        queries.append((q, start_id + r[0]))
    refs = dict(Case.objects.system().filter(person_id__in=[pid for _q, pid in queries])
                .values_list("person_id", "uuid"))
    refs_by_pid = dict(Case.objects.system().filter(person_id__in=[pid for _q, pid in queries])
                       .values_list("person_id", "reference"))
    case_uuids = [str(refs[pid]) for _q, pid in queries]
    own_cases = Case.objects.system().filter(owner_institution=ngo).count()
    del rows, own

    client = Client()
    client.force_login(worker)
    for path in ("/", "/cases/", "/work/", "/persons/"):  # warm-up: templates, catalogs, connections
        client.get(path)
    result = {"engine": engine, "persons": args.persons, "cases": args.persons, "institutions": args.institutions,
              "cases_of_the_worker_s_institution": own_cases, "generate_seconds": generated,
              "command": "bench/registry_scale.py " + " ".join(sys.argv[1:]), "cpus": os.cpu_count(),
              "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="minutes"), "pages": {}}
    pages = result["pages"]
    load_before = os.getloadavg()[0]
    times, _ = timed(client, "/cases/", repeat=args.repeat)
    pages["case list, first page"] = summary(times)
    times, _ = timed(client, "/cases/", params=lambda n: {"page": 1 + rnd.randrange(max(1, own_cases // 25))},
                     repeat=args.repeat)
    pages["case list, a random page"] = summary(times)
    # "Next" from anywhere in the list (keyset paging, nicat.core.keyset): what a user paging forward pays
    from nicat.core import keyset
    positions = list(Case.objects.system().filter(owner_institution=ngo).values_list("first_contact_at", "pk"))
    times, _ = timed(client, "/cases/", params=lambda n: {"cursor": keyset.encode("a", *rnd.choice(positions),
                                                                                   name="cases.list")},
                     repeat=args.repeat)
    pages["case list, next page from a random position"] = summary(times)
    times, _ = timed(client, "/cases/", params=lambda n: {"reference": refs_by_pid[queries[n][1]]},
                     repeat=args.repeat)
    pages["case list, by reference"] = summary(times)
    times, _ = timed(client, "/", repeat=args.repeat)
    pages["dashboard"] = summary(times)
    times, _ = timed(client, "/work/", repeat=args.repeat)
    pages["my work"] = summary(times)
    times = []
    for u in case_uuids:
        t = time.perf_counter()
        response = client.get(f"/cases/{u}/")
        times.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, response.status_code
    pages["a case"] = summary(times)
    # the search page is POSTed (the name never in the address; a GET with ?q= answers 400)
    times, found = timed(client, "/persons/", params=lambda n: {"q": queries[n][0]}, repeat=len(queries),
                         check=lambda n, html: str(refs[queries[n][1]]) in html, method="post")
    pages["name search"] = {**summary(times), "person_found": f"{found}/{len(queries)}"}
    analyst_client = Client()
    analyst_client.force_login(analyst)
    analyst_client.get("/statistics/")
    times, _ = timed(analyst_client, "/statistics/", params={"by": "year", "then": "exploitation"},
                     repeat=max(3, args.repeat // 5))
    pages["statistics page (analyst)"] = summary(times)
    result["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    return result


def reuse(postgres_url):
    """Point Django at the database an earlier `--keep` run left, without touching it (same keys as setup):
    the PostgreSQL database `matching_speed.BENCH_DB`, or with no URL the SQLite file NICAT_BENCH_SQLITE."""
    import base64
    import tempfile
    from urllib.parse import urlsplit, urlunsplit

    sys.path.insert(0, str(ROOT))
    os.environ.update({
        "NICAT_DEV": "1", "NICAT_VAR_DIR": tempfile.mkdtemp(prefix="nicat-bench-registry-"),
        "SECRET_KEY": "bench-secret-key", "DJANGO_SETTINGS_MODULE": "nicat.settings",
        "NICAT_FIELD_KEYS": base64.urlsafe_b64encode(b"m" * 32).decode(),
        "NICAT_INDEX_KEY": base64.urlsafe_b64encode(b"n" * 32).decode(),
        "DATABASE_URL": (urlunsplit(urlsplit(postgres_url)._replace(path=f"/{matching_speed.BENCH_DB}"))
                         if postgres_url else f"sqlite:///{os.environ['NICAT_BENCH_SQLITE']}")})
    import django

    django.setup()
    if not postgres_url:
        return None

    def drop():
        import psycopg
        from django.db import connections

        connections.close_all()
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {matching_speed.BENCH_DB} WITH (FORCE)")

    return drop


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30, help="requests per page (default 30)")
    parser.add_argument("--institutions", type=int, default=50,
                        help="institutions the persons and cases are spread over (default 50); the worker's is one")
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server URL (default: SQLite)")
    parser.add_argument("--cache", action="store_true", help="reuse generated rows under var/bench-cache/")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database for another run")
    parser.add_argument("--reuse", action="store_true",
                        help="measure again on the database a --keep run left (no generation)")
    parser.add_argument("--db-name", default="nicat_bench_registry",
                        help="name of the PostgreSQL bench database (default nicat_bench_registry), so that "
                             "two runs on one server stay apart")
    args = parser.parse_args()
    os.environ["NICAT_REQUIRE_2FA"] = "0"
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    matching_speed.BENCH_DB = args.db_name  # beside, not instead of, a matching bench's database
    if args.reuse:
        if not args.postgres:
            raise SystemExit("--reuse needs --postgres (the kept database is --db-name)")
        drop = reuse(args.postgres)
    else:
        _tmp, drop = setup(args.postgres)
    try:
        result = run(args)
    finally:
        if drop and not args.keep:
            drop()
    out = ROOT / "bench" / "results" / f"registry_scale_{result['engine']}_{args.persons}.json"
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    print(f"| page ({result['engine']}, {args.persons:,} persons and cases) | p50 ms | p95 ms | max ms | found |")
    print("|---|---|---|---|---|")
    for name, s in result["pages"].items():
        print(f"| {name} | {s['p50_ms']} | {s['p95_ms']} | {s['max_ms']} | {s.get('person_found', '')} |")
    print(f"load average {result['load_average']} on {result['cpus']} cores; {result['date']}; written to {out}")


if __name__ == "__main__":
    main()
