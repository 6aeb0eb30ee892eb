"""Faults, on loopback, bounded in time (issue 18, item 6): PostgreSQL restarted while `nicat serve` and
`nicat worker` are under load. The database is a PRIVATE cluster the test starts itself (nicat.ops.tests.
pgcluster), a copy of the test database — the machine's own server is never restarted.

What a user must see: while the database is away, a clear 503 page ("Service temporarily unavailable",
in their language, Retry-After) or a JSON problem on /api/ — never a 500 or a dropped connection; once it
is back, requests succeed within seconds without restarting Nicat; nothing half-written; the worker
keeps running and beats again."""
import concurrent.futures
import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings

from nicat.ops.tests.test_two_servers import ROOT, _env, _free_port

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(os.environ.get("NICAT_TEST_DB") != "postgres", reason="PostgreSQL only (faults)")]

OUTAGE_SECONDS = 3  # the cluster is stopped (fast) and started again after this long
RECOVERY_SECONDS = 5  # the goal: requests succeed again this long after PostgreSQL accepts connections


def _test_database_url():
    db = settings.DATABASES["default"]
    return f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def wait_up(port, proc, log, seconds=180):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()[-2000:]
        if fetch(f"http://127.0.0.1:{port}/healthz")[0] == 200:
            return
        time.sleep(0.5)
    raise AssertionError(f"server on {port} did not start: {log.read_text()[-2000:]}")


def fetch(url, *, method="GET", token=None, cookie=None, body=None, language="ru"):
    """(status, headers, text) — status None when the connection itself failed."""
    headers = {"Accept-Language": language}
    if token:
        headers |= {"Authorization": f"Token {token}", "Accept": "application/json", "Content-Type": "application/json"}
    if cookie:
        headers["Cookie"] = cookie
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()
    except (OSError, http.client.HTTPException) as exc:
        return None, {}, exc.__class__.__name__


def test_postgresql_restarted_during_load(cast, private_primary, tmp_path):
    from django.test import Client

    from nicat.accounts.tokens import issue_token

    token = issue_token(user=cast.worker)
    browser = Client()
    browser.force_login(cast.worker)
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    private_primary.copy_database_from(_test_database_url(), "nicat")  # the migrated test database, with the cast
    db_url = private_primary.url("nicat")

    env = {**_env(tmp_path), "DATABASE_URL": db_url, "NICAT_REQUIRE_2FA": "false"}
    port = _free_port()
    server_log, worker_log = tmp_path / "serve.log", tmp_path / "worker.log"  # files: a full pipe would block
    server = subprocess.Popen([sys.executable, "-m", "nicat", "serve", "--port", str(port), "--workers", "2"],
                              cwd=ROOT, env=env, stdout=server_log.open("w"), stderr=subprocess.STDOUT,
                              start_new_session=True)
    worker = subprocess.Popen([sys.executable, "-m", "nicat", "worker", "--interval", "0.5", "--worker-id", "faulty"],
                              cwd=ROOT, env=env, stdout=worker_log.open("w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    new_case = {"person": {"given_name": "Nərgiz", "family_name": "Həsənova", "birth_date": "1995-02-03"},
                "came_to_notice": "hotline", "scope": "internal", "summary": "During a restart."}
    outcomes = []  # (monotonic time, kind, status, headers, text)
    stop = threading.Event()

    def load(kind):
        while not stop.is_set():
            if kind == "api":
                status, headers, text = fetch(f"{base}/api/v1/cases/", method="POST", token=token, body=new_case)
            else:
                status, headers, text = fetch(f"{base}/", cookie=cookie)
            outcomes.append((time.monotonic(), kind, status, headers, text))
            time.sleep(0.05)

    try:
        wait_up(port, server, server_log)
        assert fetch(f"{base}/", cookie=cookie)[0] == 200  # signed in: the dashboard
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            runners = [pool.submit(load, kind) for kind in ("api", "api", "page", "page")]
            time.sleep(2)
            down_at = time.monotonic()
            private_primary.stop("fast")  # every connection is cut; new ones are refused
            stopped_at = time.monotonic()  # under load the stop itself can take more than half a second
            time.sleep(OUTAGE_SECONDS)
            private_primary.start()  # returns once PostgreSQL accepts connections
            up_at = time.monotonic()
            time.sleep(RECOVERY_SECONDS + 3)
            stop.set()
            for runner in runners:
                runner.result()

        statuses = {status for _t, _k, status, _h, _x in outcomes}
        assert statuses <= {200, 201, 503}, sorted({(k, s, x[:200]) for _t, k, s, _h, x in outcomes
                                                    if s not in (200, 201, 503)})
        # Answered from half a second after PostgreSQL had stopped until it was back: every one a 503 (a request
        # whose work was done before the stop may still be answered just after it).
        during = [o for o in outcomes if stopped_at + 0.5 < o[0] < up_at]
        assert during and all(status == 503 for _t, _k, status, _h, _x in during)
        page = next(o for o in during if o[1] == "page")
        assert page[3]["Retry-After"] == "5" and "text/html" in page[3]["Content-Type"]
        assert "Сервис временно недоступен" in page[4] and "Traceback" not in page[4]  # the reader's language
        problem = next(o for o in during if o[1] == "api")
        assert problem[3]["Content-Type"].startswith("application/problem+json")
        assert json.loads(problem[4])["code"] == "service_unavailable" and problem[3]["Retry-After"] == "5"

        # Back without restarting Nicat: every request after the first success succeeds, within seconds.
        after = [o for o in outcomes if o[0] > up_at]
        first_ok = next(o for o in after if o[2] in (200, 201))
        assert first_ok[0] - up_at < RECOVERY_SECONDS, f"recovered after {first_ok[0] - up_at:.1f} s"
        last_503 = max(o[0] for o in outcomes if o[2] == 503)
        print(f"requests: {len(outcomes)}, 503: {sum(o[2] == 503 for o in outcomes)}, first 503 "
              f"{min(o[0] for o in outcomes if o[2] == 503) - down_at:.2f} s after the stop, last 503 "
              f"{last_503 - up_at:.2f} s and first success {first_ok[0] - up_at:.2f} s after PostgreSQL was back")
        for kind in ("api", "page"):
            later = [o for o in after if o[1] == kind and o[0] > first_ok[0] + 1]
            assert later and all(o[2] in (200, 201) for o in later), [(o[2], o[4][:100]) for o in later]
        assert server.poll() is None

        # Nothing half-written: every 201 is a case; every case has its person and its audit event.
        created = {json.loads(text)["reference"] for _t, kind, status, _h, text in outcomes if status == 201}
        references = set(private_primary.sql("SELECT reference FROM cases_case", "nicat").split())
        assert created <= references and len(created) >= 10
        assert private_primary.sql("SELECT count(*) FROM cases_case c LEFT JOIN persons_person p "
                                   "ON p.id = c.person_id WHERE p.id IS NULL", "nicat") == "0"
        audited = set(private_primary.sql("SELECT case_reference FROM audit_auditevent "
                                          "WHERE action = 'case.create'", "nicat").split())
        assert references == audited
        verify = subprocess.run([sys.executable, "-m", "nicat", "audit", "verify"], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=120)
        assert verify.returncode == 0, verify.stdout + verify.stderr

        # The worker survived the restart: still running, and its heartbeat is written again.
        assert worker.poll() is None, worker_log.read_text()[-2000:]
        deadline = time.monotonic() + 15
        while not private_primary.sql("SELECT count(*) FROM ops_workerbeat WHERE worker_id = 'faulty' AND "
                                      "beat_at > now() - interval '3 seconds'", "nicat") == "1":
            assert time.monotonic() < deadline, "the worker never beat again after the restart"
            time.sleep(0.5)
    finally:
        stop.set()
        for proc in (server, worker):
            proc.terminate()
        for proc in (server, worker):
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
