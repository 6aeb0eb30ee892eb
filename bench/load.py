"""Load: 50 staff working at once for 10 minutes against two `nicat serve` on one PostgreSQL (issue 18).

    .venv/bin/python bench/load.py                                  # 50 users, 10 minutes
    .venv/bin/python bench/load.py --users 20 --minutes 1           # a short try
    .venv/bin/python bench/load.py --postgres postgresql://postgres@127.0.0.1:5432/postgres

The script builds its own world and removes it afterwards:

1. a throw-away PostgreSQL database `nicat_bench_load` on --postgres (created, dropped at the end; the
   test databases are never touched);
2. `nicat migrate`, `nicat demo --cases N` (the demo world: institutions, staff, cases with their
   persons, referrals, decisions), `nicat persons generate P` (more persons for the search), and the
   load's own staff accounts in several institutions — case workers of both NGOs, the assistance centre
   and the Main Department, shelter staff, analysts, supervisors — each with a password and a confirmed
   authenticator (the page users sign in with both steps) and an API token (the API users);
3. two `nicat serve` (gunicorn in its shape for PostgreSQL, 2 processes x 2 threads, unless --server-workers
   or --server-threads is given) on loopback ports, each with
   its own var directory but the same keys, and one `nicat worker` (jobs in the database queue);
4. Locust, headless (bench/load_locustfile.py): --users users started at --spawn-rate per second, given
   the two servers in turn, for --minutes; think time --wait seconds between actions;
5. meanwhile the load average every 5 s; afterwards `nicat audit verify`, the counts, and the server
   logs' tracebacks;
6. prints a markdown table (requests, failures, p50/p95/max per route, requests/s) and writes
   bench/results/load_<date>.json. Exit status 1 when any response was not 2xx/3xx (each is listed by
   route and status) or the audit chain does not verify.
"""
import argparse
import base64
import datetime
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from nicat.web.started import STARTED_SHAPE  # the line `nicat serve` prints first (no Django in this process)

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BENCH_DB = "nicat_bench_load"
PASSWORD = "load-bench-password-7"

# persona: [(institution code, role)] — accounts are taken in turn, so users spread over institutions
PERSONAS = {
    "api_case_worker": [("ngo-gunesli-korpu", "case_worker"), ("ngo-umid-yolu", "case_worker"),
                        ("assistance-centre", "case_worker"), ("main-department", "identification_officer")],
    "page_case_worker": [("ngo-gunesli-korpu", "case_worker"), ("ngo-umid-yolu", "case_worker"),
                         ("assistance-centre", "case_worker"), ("main-department", "identification_officer")],
    "shelter_api": [("state-shelter", "shelter_staff")],
    "analyst_page": [("main-department", "analyst")],
    "supervisor_page": [("main-department", "supervisor")],
}

SETUP = r"""
import json, sys
from django.contrib.auth.hashers import make_password
from django_otp.plugins.otp_totp.models import TOTPDevice
from nicat.accounts.models import Membership, User
from nicat.accounts.services import TOTP_NAME
from nicat.accounts.tokens import issue_token
from nicat.directory.models import Institution

spec = json.loads(sys.stdin.read())
hashed = make_password(spec["password"])  # one (slow) hash for every load account
out = {"shelter": str(Institution.objects.get(code="state-shelter").uuid)}
for persona, slots in spec["personas"].items():
    out[persona] = []
    for i in range(spec["per_persona"]):
        code, role = slots[i % len(slots)]
        user = User.objects.create(username=f"load.{persona}.{i:02d}", password=hashed, first_name="Load",
                                   last_name=f"{persona} {i}", preferred_language="en")
        Membership.objects.create(user=user, institution=Institution.objects.get(code=code), role=role, active=True)
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=True)
        out[persona].append({"username": user.username, "password": spec["password"], "institution": code,
                             "role": role, "totp_key": device.key, "token": issue_token(user=user, name="load")})
open(spec["path"], "w").write(json.dumps(out))
"""

COUNTS = r"""
import json
from nicat.accounts.models import User
from nicat.audit.models import AuditEvent
from nicat.cases.models import Case
from nicat.consent.models import Consent
from nicat.persons.models import Person
from nicat.referrals.models import Referral
print(json.dumps({"cases": Case.objects.system().count(), "persons": Person.objects.system().count(),
                  "referrals": Referral.objects.system().count(), "consents": Consent.objects.system().count(),
                  "users": User.objects.count(), "audit_events": AuditEvent.objects.count()}))
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nicat(env, *args, stdin=None):
    result = subprocess.run([sys.executable, "-m", "nicat", *args], env=env, cwd=ROOT, text=True, input=stdin,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if result.returncode != 0:
        raise SystemExit(f"nicat {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def pg_admin(url, *statements):
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for sql in statements:
            conn.execute(sql)


def pg_version(url):
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def wait_for(url, proc, deadline=180):
    end = time.time() + deadline
    while time.time() < end:
        if proc.poll() is not None:
            raise SystemExit(f"the server for {url} stopped while starting")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the server did not answer {url} within {deadline} s")


def machine(admin_url):
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    mem = next((int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), None)
    import locust

    return {"cpu": model, "cores": os.cpu_count(), "memory_mib": mem, "kernel": platform.release(),
            "python": platform.python_version(), "postgresql": pg_version(admin_url), "locust": locust.__version__}


class LoadSampler(threading.Thread):
    """The 1-minute load average every `every` seconds while the test runs."""

    def __init__(self, every=5):
        super().__init__(daemon=True)
        self.every, self.samples, self.stopped = every, [], threading.Event()

    def run(self):
        while not self.stopped.wait(self.every):
            self.samples.append(round(os.getloadavg()[0], 2))


def write_signing_key(path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    raw = Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                                     serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(base64.b64encode(raw).decode() + "\n")


def start(cmd, env, log_path):
    log = open(log_path, "w")
    return subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop(proc):
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def tracebacks(log_path):
    text = Path(log_path).read_text(errors="replace") if Path(log_path).exists() else ""
    return text.count("Traceback (most recent call last)"), text[-4000:] if "Traceback" in text else ""


ACCESS = re.compile(r'^\S+ "(\w+) (\S+)" (\d{3}) ')
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def access_log(log_path):
    """What the server itself answered (its access log): requests by status, and every answer that is not
    2xx/3xx by route — independent of what the load generator counted."""
    statuses, bad = {}, {}
    text = Path(log_path).read_text(errors="replace") if Path(log_path).exists() else ""
    for line in text.splitlines():
        m = ACCESS.match(line)
        if not m:
            continue
        method, path, status = m.group(1), UUID.sub("<uuid>", m.group(2)), m.group(3)
        statuses[status] = statuses.get(status, 0) + 1
        if not status.startswith(("2", "3")):
            key = f"{status} {method} {path}"
            bad[key] = bad.get(key, 0) + 1
    return {"requests": sum(statuses.values()), "by_status": dict(sorted(statuses.items())), "not_2xx_3xx": bad}


def run(args):
    tmp = Path(tempfile.mkdtemp(prefix="nicat-bench-load-"))
    admin_url = args.postgres
    db_url = urlunsplit(urlsplit(admin_url)._replace(path="/" + BENCH_DB))
    keys = {"SECRET_KEY": "load-bench-secret-key-" + "k" * 30,
            "NICAT_FIELD_KEYS": base64.urlsafe_b64encode(b"L" * 32).decode(),
            "NICAT_INDEX_KEY": base64.urlsafe_b64encode(b"I" * 32).decode()}
    base_env = {**os.environ, **keys, "NICAT_DEV": "1", "DEBUG": "0", "DJANGO_SETTINGS_MODULE": "nicat.settings",
                "DATABASE_URL": db_url, "NICAT_DEMO_PASSWORD": "load-demo-password", "LOG_LEVEL": "WARNING",
                "NICAT_TASKS_BACKEND": "database", "NICAT_INPROCESS_JOBS": "false", "NICAT_LOG_FORMAT": "plain",
                "NICAT_AUDIT_SIGNING_KEY_FILE": str(tmp / "audit-signing.key"), "PYTHONPATH": str(ROOT)}

    def node_env(name):
        var = tmp / name
        var.mkdir(exist_ok=True)
        return {**base_env, "NICAT_VAR_DIR": str(var)}

    setup_env = node_env("setup")
    write_signing_key(tmp / "audit-signing.key")  # one audit signing key shared by every process
    procs, logs = {}, {}
    pg_admin(admin_url, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)", f"CREATE DATABASE {BENCH_DB}")
    try:
        t0 = time.monotonic()
        print(f"setting up {BENCH_DB}: migrate, demo --cases {args.cases}, persons generate {args.persons} …",
              flush=True)
        nicat(setup_env, "migrate", "--no-input")
        nicat(setup_env, "demo", "--cases", str(args.cases))
        if args.persons:
            nicat(setup_env, "persons", "generate", str(args.persons), "--yes-this-is-a-benchmark-database")
        accounts_path = tmp / "accounts.json"
        per_persona = max(2, args.users)
        nicat(setup_env, "shell", "-c", SETUP, stdin=json.dumps(
            {"password": PASSWORD, "personas": PERSONAS, "per_persona": per_persona, "path": str(accounts_path)}))
        before = json.loads(nicat(setup_env, "shell", "-c", COUNTS).strip().splitlines()[-1])
        setup_s = time.monotonic() - t0
        print(f"  {before} in {setup_s:.0f} s", flush=True)

        ports = [free_port(), free_port()]
        for i, port in enumerate(ports):
            logs[f"server{i}"] = tmp / f"server{i}.log"
            serve = [sys.executable, "-m", "nicat", "serve", "--port", str(port)]
            for option, value in (("--workers", args.server_workers), ("--threads", args.server_threads)):
                if value:  # else nicat serve's own shape for the database (docs/decisions/0013)
                    serve += [option, str(value)]
            procs[f"server{i}"] = start(serve, node_env(f"node{i}"), logs[f"server{i}"])
        if args.worker:
            logs["worker"] = tmp / "worker.log"
            procs["worker"] = start([sys.executable, "-m", "nicat", "worker", "--worker-id", "load-worker"],
                                    node_env("node0"), logs["worker"])
        hosts = [f"http://127.0.0.1:{p}" for p in ports]
        for i, host in enumerate(hosts):
            wait_for(host + "/healthz", procs[f"server{i}"])
        shape = STARTED_SHAPE.search(logs["server0"].read_text()) or [None] * 3
        for host in hosts:  # every gunicorn process has imported the app once
            for _ in range(8):
                urllib.request.urlopen(host + "/healthz", timeout=30).read()

        result_path = tmp / "locust.json"
        weights = {"ApiCaseWorker": 20, "PageCaseWorker": 18, "ShelterApi": 5, "AnalystPage": 3,
                   "SupervisorPage": 4}
        shelter_users = max(1, round(args.users * weights["ShelterApi"] / sum(weights.values())))
        locust_env = {**os.environ, "NICAT_LOAD_HOSTS": ",".join(hosts), "NICAT_LOAD_ACCOUNTS": str(accounts_path),
                      "NICAT_LOAD_RESULT": str(result_path), "NICAT_LOAD_SHELTER_USERS": str(shelter_users),
                      "NICAT_LOAD_WAIT_MIN": str(args.wait[0]), "NICAT_LOAD_WAIT_MAX": str(args.wait[1])}
        cmd = [str(BIN / "locust"), "-f", str(ROOT / "bench" / "load_locustfile.py"), "--headless",
               "--users", str(args.users), "--spawn-rate", str(args.spawn_rate), "--run-time", f"{round(args.minutes * 60)}s",
               "--stop-timeout", "30", "--only-summary", "--loglevel", "WARNING"]
        print(f"load: {args.users} users over {hosts} for {args.minutes} min …", flush=True)
        sampler = LoadSampler()
        load_before = [round(x, 2) for x in os.getloadavg()]
        started = datetime.datetime.now(datetime.timezone.utc)
        sampler.start()
        locust = subprocess.run(cmd, env=locust_env, cwd=ROOT, text=True, capture_output=True)
        sampler.stopped.set()
        load_after = [round(x, 2) for x in os.getloadavg()]
        if not result_path.exists():
            raise SystemExit(f"Locust wrote no result (exit {locust.returncode}):\n{locust.stderr[-3000:]}")
        stats = json.loads(result_path.read_text())
        alive = {name: proc.poll() is None for name, proc in procs.items()}
        after = json.loads(nicat(setup_env, "shell", "-c", COUNTS).strip().splitlines()[-1])
        verify = nicat(setup_env, "audit", "verify").strip().splitlines()[-1]
    finally:
        for proc in procs.values():
            stop(proc)
        server_errors = {name: tracebacks(path) for name, path in logs.items()}
        served = {name: access_log(path) for name, path in logs.items() if name.startswith("server")}
        time.sleep(0.5)
        pg_admin(admin_url, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"kept {tmp}")
    samples = sampler.samples
    return {
        "date": started.isoformat(timespec="seconds"),
        "command": "bench/load.py " + " ".join(sys.argv[1:]),
        "users": args.users, "minutes": args.minutes, "spawn_rate": args.spawn_rate,
        "think_time_s": list(args.wait), "servers": 2, "gunicorn_workers_per_server": int(shape[1]) if shape[1] else None,
        "gunicorn_threads": int(shape[2]) if shape[2] else None, "task_worker": bool(args.worker), "machine": machine(admin_url),
        "load_average": {"before": load_before, "after": load_after,
                         "during_1min": {"min": min(samples, default=None), "max": max(samples, default=None),
                                         "mean": round(sum(samples) / len(samples), 2) if samples else None,
                                         "samples_every_5s": samples}},
        "setup_s": round(setup_s, 1), "data_before": before, "data_after": after, "audit_verify": verify,
        "processes_alive_at_end": alive,
        "served_by_server": served,
        "server_tracebacks": {name: n for name, (n, _) in server_errors.items()},
        "server_log_tails": {name: tail for name, (_, tail) in server_errors.items() if tail},
        "locust_exit": locust.returncode, **stats,
    }


def markdown(r):
    lines = [f"Load — {r['date']} — {r['users']} users, {r['minutes']} min, 2 servers "
             f"({r['gunicorn_workers_per_server']} processes x {r['gunicorn_threads']} threads each), "
             f"think time {r['think_time_s'][0]}–{r['think_time_s'][1]} s; machine: {r['machine']['cores']} cores "
             f"({r['machine']['cpu']}), PostgreSQL {r['machine']['postgresql']}",
             f"load average (1 min) before {r['load_average']['before'][0]}, during min/mean/max "
             f"{r['load_average']['during_1min']['min']}/{r['load_average']['during_1min']['mean']}/"
             f"{r['load_average']['during_1min']['max']}, after {r['load_average']['after'][0]}",
             f"data before {r['data_before']}", f"data after  {r['data_after']}",
             f"`nicat audit verify`: {r['audit_verify']}", "",
             "| route | requests | failures | p50 ms | p95 ms | max ms | req/s |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for x in r["routes"]:
        lines.append(f"| {x['route']} | {x['requests']} | {x['failures']} | {x['p50_ms']:.0f} | {x['p95_ms']:.0f} "
                     f"| {x['max_ms']:.0f} | {x['rps']:.2f} |")
    t = r["total"]
    lines.append(f"| **all** | {t['requests']} | {t['failures']} | {t['p50_ms']:.0f} | {t['p95_ms']:.0f} "
                 f"| {t['max_ms']:.0f} | {t['rps']:.2f} |")
    if r["errors"]:
        lines += ["", "Failures by route:", "", "| route | error | count |", "|---|---|---:|"]
        for e in r["errors"]:
            lines.append(f"| {e['method']} {e['route']} | {e['error'][:200]} | {e['occurrences']} |")
    lines.append("")
    for name, x in r["served_by_server"].items():
        lines.append(f"{name} answered {x['requests']} requests, by status {x['by_status']}"
                     + (f"; not 2xx/3xx: {x['not_2xx_3xx']}" if x["not_2xx_3xx"] else ""))
    lines.append(f"server tracebacks: {r['server_tracebacks']}; processes alive at the end: "
                 f"{r['processes_alive_at_end']}")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--postgres", default=os.environ.get("NICAT_BENCH_POSTGRES_URL")
                        or "postgresql://postgres@127.0.0.1:5432/postgres",
                        help="server URL (the database nicat_bench_load is created there and dropped)")
    parser.add_argument("--spawn-rate", type=float, default=2, help="users started per second")
    parser.add_argument("--wait", type=float, nargs=2, default=(1.0, 3.0), metavar=("MIN", "MAX"),
                        help="think time between a user's actions, seconds (default 1 3)")
    parser.add_argument("--server-workers", type=int, help="gunicorn processes per server (default: nicat serve's)")
    parser.add_argument("--server-threads", type=int, help="threads per gunicorn process (default: nicat serve's)")
    parser.add_argument("--cases", type=int, default=400, help="demo cases")
    parser.add_argument("--persons", type=int, default=4000, help="generated persons (search)")
    parser.add_argument("--no-worker", dest="worker", action="store_false", help="no `nicat worker`")
    parser.add_argument("--out", help="result file (default bench/results/load_<date>.json)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs)")
    args = parser.parse_args()
    if shutil.which("locust", path=str(BIN)) is None:
        raise SystemExit("Locust is not installed: pip install -r requirements-dev.txt")
    r = run(args)
    print()
    print(markdown(r))
    out = Path(args.out) if args.out else ROOT / "bench" / "results" / f"load_{r['date'][:10]}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(r, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    failed = r["total"]["failures"] or any(x["not_2xx_3xx"] for x in r["served_by_server"].values()) or not r["audit_verify"].startswith("OK") or any(r["server_tracebacks"].values())
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
