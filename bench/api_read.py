"""Throughput of an audited, decrypted case read against a one-query endpoint, on one server.

    .venv/bin/python bench/api_read.py                           # SQLite, then PostgreSQL
    .venv/bin/python bench/api_read.py --engine sqlite --duration 20 --connections 16

For each engine the script builds its own world and tears it down afterwards:

1. a fresh database: a temporary SQLite file, or a PostgreSQL database (--database, default
   `nicat_bench_api_read`) on --postgres (default postgresql://postgres@127.0.0.1:5432/postgres),
   created and dropped;
2. `nicat migrate`, `nicat demo --cases N` (the demo world), `nicat token ngo.worker`;
3. `nicat serve` of this checkout, or of the one given with --code (PYTHONPATH is set to it, so that
   a worktree is measured rather than the package the virtualenv was installed from) on a loopback
   port: gunicorn, the production server, in its default shape for the database (3 processes of
   1 thread on SQLite, 2 of 2 on PostgreSQL) unless --workers or --server-threads is given;
4. wrk (Debian's `wrk`, a Lua script adds `Authorization: Token …`) with C connections for D
   seconds against, in the same run:
   * the baseline, `/healthz`: one query (`SELECT 1`) through the whole middleware stack, no
     authentication, a 2-byte text body — the endpoint of the figures in issue 11;
   * the case read, `GET /api/v1/cases/<uuid>/` of a case of the worker's NGO: token
     authentication, the access policy, the case with its person and terms, decryption of
     the identifying fields, and the `case.view` event appended to the audit chain;
   With --floor, four more in the same run, between those two (bench/api_floor_urls.py, served with
   bench/api_floor_settings.py: Nicat's settings and URLconf plus these paths, for the benchmark only):
   * `floor`: a token-authenticated API request through Django REST Framework, answering {"ok": true};
   * `floor4`: the same with four `SELECT 1`, as many statements as the case read makes after the token's;
   * `floor_sel`: the same with one hand-written statement reading the case's reference and its person's
     names and birth date, the three decrypted (no access rule, no terms, no model, no audit);
   * `floor_read`: `floor_sel` with the real `case.view` event appended to the audit chain — the least
     any audited, decrypted read must do;
   With --rounds N the endpoints are measured N times in turn (a noisy machine drifts within a run: each
   round's ratios are to its own `/healthz`; the ratio and the case read's p95 reported are the medians of
   the rounds');
5. prints requests/s, p50/p95/p99 latency, non-2xx responses and socket errors of each, the
   ratio case/baseline, the server's CPU per request, the load average and the data size, and
   writes them to bench/results/api_read_<engine>.json. Exit status 1 when a response was not
   2xx; the targets (ratio >= 0.5 PostgreSQL, >= 0.3 SQLite, p95 <= 50 ms) are reported, not
   enforced, as they depend on the machine.
"""
import argparse
import base64
import datetime
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from nicat.web.started import STARTED_SHAPE  # the line `nicat serve` prints first (no Django in this process)

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BENCH_DB = "nicat_bench_api_read"
TARGET_RATIO = {"sqlite": 0.3, "postgresql": 0.5}
TARGET_P95_MS = 50

LUA = r"""
local token = os.getenv("NICAT_BENCH_TOKEN")
if token then wrk.headers["Authorization"] = "Token " .. token end
wrk.headers["Accept"] = "application/json"

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'NICAT_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p95_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "mean_us": %.1f, "non_2xx": %d, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean, e.status, e.connect, e.read, e.write, e.timeout))
end
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nicat(env, *args, capture=True):
    result = subprocess.run([str(BIN / "nicat"), *args], env=env, cwd=ROOT, text=True,
                            stdout=subprocess.PIPE if capture else None, stderr=subprocess.PIPE)
    if result.returncode != 0:
        raise SystemExit(f"nicat {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def pg_admin(url, *statements):
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for sql in statements:
            conn.execute(sql)


def get(url, token=None, attempts=1):
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"} if token else {})
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            # Set-up only: on a loaded machine the first requests can meet the workers' start-up writes
            # ("database is locked" on SQLite). The measured requests are never retried.
            if error.code < 500 or attempt + 1 == attempts:
                raise
            time.sleep(2)


def wait_for(url, deadline=180):
    end = time.time() + deadline
    while time.time() < end:
        try:
            if get(url)[0] == 200:
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer {url} within {deadline} s")


def worker_cpu_seconds(master_pid):
    """utime+stime of the gunicorn workers (the master's children)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in children(master_pid):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def postgres_cpu_seconds():
    """utime+stime of every PostgreSQL process on the machine (the server the benchmark reads from is local,
    and nothing else uses it while it runs), with the time of the ended ones: a backend that exits during a run
    (a connection closed) takes its time out of the sum, and the postmaster that reaps it counts it as its
    children's (cutime+cstime) — without these the figure fell below zero when a connection closed."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm, rest = (entry / "stat").read_text().split(" (", 1)[1].rsplit(")", 1)
        except OSError:
            continue
        if comm.startswith("postgres"):
            fields = rest.split()
            total += sum(int(f) for f in fields[11:15]) / tick
    return total


def children(pid):
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def run_wrk(url, args, token, lua_path):
    env = {**os.environ}
    env.pop("NICAT_BENCH_TOKEN", None)
    if token:
        env["NICAT_BENCH_TOKEN"] = token
    cmd = [args.wrk, f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--timeout", "10s",
           "-s", str(lua_path), url]
    out = subprocess.run(cmd, env=env, text=True, capture_output=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("NICAT_RESULT "))
    result = json.loads(line.split(" ", 1)[1])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["socket_errors"] = sum(result[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts"))
    return result


def data_size(env):
    code = ("import json\n"
            "from nicat.cases.models import Case\nfrom nicat.persons.models import Person\n"
            "from nicat.audit.models import AuditEvent\nfrom nicat.accounts.models import User\n"
            "print(json.dumps({'cases': Case.objects.system().count(), 'persons': Person.objects.system().count(),"
            " 'users': User.objects.count(), 'audit_events': AuditEvent.objects.count()}))")
    return json.loads(nicat(env, "shell", "-c", code).strip().splitlines()[-1])


def bench_engine(engine, args):
    tmp = Path(tempfile.mkdtemp(prefix=f"nicat-bench-api-{engine}-"))
    env = {**os.environ, "NICAT_DEV": "1", "NICAT_VAR_DIR": str(tmp), "DJANGO_SETTINGS_MODULE": "nicat.settings",
           "SECRET_KEY": "bench-secret-key", "LOG_LEVEL": "WARNING", "DEBUG": "0",
           "NICAT_FIELD_KEYS": base64.urlsafe_b64encode(b"b" * 32).decode(),
           "NICAT_INDEX_KEY": base64.urlsafe_b64encode(b"x" * 32).decode(),
           "NICAT_DEMO_PASSWORD": "bench-demo-password",
           "PYTHONPATH": os.pathsep.join(p for p in (str(args.code), os.environ.get("PYTHONPATH", "")) if p)}
    # The server's shape: `nicat serve`'s own default for the database unless given (docs/decisions/0013).
    for name, value in (("WEB_CONCURRENCY", args.workers), ("WEB_THREADS", args.server_threads)):
        env.pop(name, None)
        if value:
            env[name] = str(value)
    admin_url = None
    if engine == "postgresql":
        admin_url = args.postgres
        pg_admin(admin_url, f"DROP DATABASE IF EXISTS {args.database}", f"CREATE DATABASE {args.database}")
        env["DATABASE_URL"] = urlunsplit(urlsplit(admin_url)._replace(path="/" + args.database))
    else:
        env["DATABASE_URL"] = "sqlite:///" + str(tmp / "bench.sqlite3")
    server = None
    try:
        t0 = time.monotonic()
        nicat(env, "migrate", "--no-input")
        nicat(env, "demo", "--cases", str(args.cases))
        token = nicat(env, "token", "ngo.worker", "--name", "bench").strip().splitlines()[-1]
        setup_s = time.monotonic() - t0
        port = free_port()
        log = open(tmp / "server.log", "w")
        served = env
        if args.floor:  # Nicat's settings and URLconf, with the two floors added (bench/api_floor_urls.py)
            served = {**env, "DJANGO_SETTINGS_MODULE": "api_floor_settings",
                      "PYTHONPATH": os.pathsep.join((env["PYTHONPATH"], str(ROOT / "bench")))}
        server = subprocess.Popen([str(BIN / "nicat"), "serve", "--port", str(port)], env=served, cwd=ROOT,
                                  stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/healthz")
        shape = STARTED_SHAPE.search((tmp / "server.log").read_text())
        status, body = get(base + "/api/v1/cases/?page_size=50", token, attempts=5)
        cases = json.loads(body)["results"]
        # A case of the worker's own NGO with a summary: the read decrypts identity, contacts, narrative.
        case = next((c for c in cases if c.get("summary")), cases[0])
        case_url = f"{base}/api/v1/cases/{case['uuid']}/"
        status, body = get(case_url, token, attempts=5)
        read = json.loads(body)
        assert status == 200 and read["person"].get("family_name"), "the case read must return decrypted data"
        for _ in range(args.warmup):  # every worker thread has imported and connected
            get(base + "/healthz")
            get(case_url, token)
        # The shape the server printed; an older checkout (--code) does not print it: its processes are counted.
        processes = len(Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split())
        size = data_size(env)
        lua_path = tmp / "auth.lua"
        lua_path.write_text(LUA)
        load_before = os.getloadavg()
        endpoints = [("healthz", base + "/healthz", None), ("case_read", case_url, token)]
        if args.floor:
            floor = f"{base}/api/v1/_floor"
            endpoints[1:1] = [("floor", floor + "/", token), ("floor4", floor + "4/", token),
                              ("floor_sel", f"{floor}_sel/{case['uuid']}/", token),
                              ("floor_read", f"{floor}_read/{case['uuid']}/", token)]
        rounds = []
        for _ in range(args.rounds):
            results = {}
            for name, url, tok in endpoints:
                cpu0, db0 = worker_cpu_seconds(server.pid), postgres_cpu_seconds()
                results[name] = run_wrk(url, args, tok, lua_path)
                done = max(1, results[name]["requests"])
                results[name]["server_cpu_ms_per_request"] = (worker_cpu_seconds(server.pid) - cpu0) * 1000 / done
                if engine == "postgresql":
                    results[name]["database_cpu_ms_per_request"] = (postgres_cpu_seconds() - db0) * 1000 / done
            rounds.append(results)
        load_after = os.getloadavg()
        after = data_size(env)
        verify = nicat(env, "audit", "verify").strip().splitlines()[-1]
    except BaseException:
        if (tmp / "server.log").exists():
            print("server log (last lines):\n" + (tmp / "server.log").read_text()[-4000:], file=sys.stderr)
        raise
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        if admin_url:
            time.sleep(0.5)
            pg_admin(admin_url, f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)")
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "engine": engine, "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "code": code_revision(args.code),
        "connections": args.connections, "duration_s": args.duration, "wrk_threads": args.threads,
        "gunicorn_workers": int(shape[1]) if shape else processes,
        "gunicorn_threads": int(shape[2]) if shape else None, "cpu_count": os.cpu_count(),
        "load_before": [round(x, 2) for x in load_before], "load_after": [round(x, 2) for x in load_after],
        "setup_s": round(setup_s, 1), "data": size, "audit_events_after": after["audit_events"],
        "audit_verify": verify, "results": rounds[0], **({"rounds": rounds} if len(rounds) > 1 else {}),
        "ratio": statistics.median(x["case_read"]["rps"] / x["healthz"]["rps"] for x in rounds),
        "ratios_to_healthz": {name: round(x["rps"] / rounds[0]["healthz"]["rps"], 3) for name, x in rounds[0].items()},
        **({"ratios_to_healthz_by_round": [{name: round(x["rps"] / r["healthz"]["rps"], 3) for name, x in r.items()}
                                           for r in rounds]} if len(rounds) > 1 else {}),
        "floor": bool(args.floor),
    }


def code_revision(path):
    """The commit of the measured checkout (and "+changes" when its files differ from it), or its path."""
    try:
        commit = subprocess.run(["git", "-C", str(path), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(path), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return str(path)
    return commit + ("+changes" if dirty else "")


def rounds_of(r):
    """The results of each round of a run (one round when --rounds was not given)."""
    return r.get("rounds") or [r["results"]]


def report(r):
    print(f"\n== {r['engine']} — {r['date']} — code {r['code']} — {r['connections']} connections, {r['duration_s']} s each, "
          f"gunicorn {r['gunicorn_workers']}x{r['gunicorn_threads'] or '?'}, {r['cpu_count']} cores")
    print(f"   data: {r['data']} (demo world); audit trail after the run: {r['audit_events_after']} events "
          f"— `nicat audit verify`: {r['audit_verify']}")
    print(f"   load average before {r['load_before']}, after {r['load_after']}")
    print(f"   {'endpoint':10s} {'req/s':>8s} {'p50 ms':>8s} {'p95 ms':>8s} {'p99 ms':>8s} {'non-2xx':>8s} "
          f"{'sock err':>8s} {'CPU ms/req':>10s} {'DB CPU ms/req':>13s}")
    for number, results in enumerate(rounds_of(r), 1):
        if "rounds" in r:
            print(f"   round {number}")
        for name, x in results.items():
            print(f"   {name:10s} {x['rps']:8.1f} {x['p50_us'] / 1000:8.1f} {x['p95_us'] / 1000:8.1f} "
                  f"{x['p99_us'] / 1000:8.1f} {x['non_2xx']:8d} {x['socket_errors']:8d} "
                  f"{x['server_cpu_ms_per_request']:10.2f} "
                  + (f"{x['database_cpu_ms_per_request']:13.2f}" if "database_cpu_ms_per_request" in x
                     else f"{'-':>13s}"))
    for ratios in r.get("ratios_to_healthz_by_round") or [r["ratios_to_healthz"]]:
        print("   ratios to healthz: " + ", ".join(f"{name} {v:.2f}" for name, v in ratios.items()))
    p95_ms = statistics.median(x["case_read"]["p95_us"] for x in rounds_of(r)) / 1000
    target = TARGET_RATIO[r["engine"]]
    print(f"   ratio case_read/healthz {r['ratio']:.2f}{' (median of the rounds)' if 'rounds' in r else ''} (target >= {target}: "
          f"{'met' if r['ratio'] >= target else 'NOT met'}); case read p95 {p95_ms:.1f} ms "
          f"(target <= {TARGET_P95_MS}: {'met' if p95_ms <= TARGET_P95_MS else 'NOT met'})")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--postgres", default=os.environ.get("NICAT_BENCH_POSTGRES_URL")
                        or "postgresql://postgres@127.0.0.1:5432/postgres", help="server URL (a database is created)")
    parser.add_argument("--database", default=os.environ.get("NICAT_BENCH_DATABASE") or BENCH_DB,
                        help="name of the PostgreSQL database created (and dropped) for the run")
    parser.add_argument("--code", type=Path, default=ROOT,
                        help="checkout whose `nicat` is served (default: the one holding this script); "
                             "another commit's checkout measures the code before a change, A/B")
    parser.add_argument("--duration", type=int, default=20, help="seconds per endpoint")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, help="gunicorn worker processes (default: nicat serve's)")
    parser.add_argument("--server-threads", type=int, help="threads per gunicorn worker (default: nicat serve's)")
    parser.add_argument("--cases", type=int, default=120, help="demo cases")
    parser.add_argument("--warmup", type=int, default=40)
    parser.add_argument("--wrk", default=shutil.which("wrk") or "/usr/bin/wrk")
    parser.add_argument("--floor", action="store_true",
                        help="also measure four floors between /healthz and the case read: a token-authenticated API "
                             "request answering {\"ok\": true}, the same with four SELECT 1, with the case's row read "
                             "and decrypted by hand, and with that and the audit append (bench/api_floor_urls.py; "
                             "results in api_read_<engine>_floor.json)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure the endpoints this many times in turn; the ratio is the rounds' median")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds takes 1 or more")
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(exist_ok=True)
    failed = False
    for engine in engines:
        r = bench_engine(engine, args)
        report(r)
        (out_dir / f"api_read_{engine}{'_floor' if args.floor else ''}.json").write_text(json.dumps(r, indent=2) + "\n")
        failed |= any(x["non_2xx"] or x["socket_errors"] for results in rounds_of(r) for x in results.values())
    print("\nreproduce: .venv/bin/python bench/api_read.py " + " ".join(sys.argv[1:]))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
