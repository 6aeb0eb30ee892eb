"""Several application servers: two `nicat serve` (gunicorn, 2 processes each) and two `nicat worker`
on loopback against one PostgreSQL, under concurrent writes — case references stay unique, optimistic
locking lets exactly one of simultaneous edits through, the audit chain verifies, periodic jobs run once;
then one server is killed (SIGKILL, all its processes) in the middle of writes: nothing half-written."""
import concurrent.futures
import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from nicat.core.calendar import baku_today

ROOT = Path(__file__).resolve().parents[3]
pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(os.environ.get("NICAT_TEST_DB") != "postgres", reason="PostgreSQL only (several servers)")]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(var_dir):
    from nicat.audit.checkpoints import _dev_key_path, signing_key

    signing_key()  # the one signing key every process shares (development: generated into the test var dir)
    db = settings.DATABASES["default"]
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "nicat.settings", "NICAT_VAR_DIR": str(var_dir),
            "DATABASE_URL": f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "NICAT_TASKS_BACKEND": "database", "NICAT_INPROCESS_JOBS": "false", "NICAT_LOG_FORMAT": "plain",
            "NICAT_AUDIT_SIGNING_KEY_FILE": str(_dev_key_path()), "NICAT_WORKER_LEASE_SECONDS": "5",
            "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING"}


def _request(method, url, token, body=None):
    import json

    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={
        "Authorization": f"Token {token}", "Content-Type": "application/json", "Accept": "application/json",
        "Accept-Language": "en"})
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()[:300]
    except (OSError, http.client.HTTPException) as exc:  # the server died under the request
        return None, exc.__class__.__name__


def _wait_up(port, proc, seconds=180):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[0][-2000:]
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"server on {port} did not start")


@contextlib.contextmanager
def _nodes(tmp_path, workers=False):
    """Two `nicat serve` (2 processes each) on loopback against the test's PostgreSQL database, with a
    `nicat worker` beside each when asked: yields their base URLs and the processes (server, worker, …)."""
    ports = [_free_port(), _free_port()]
    procs = []
    try:
        for i, port in enumerate(ports):
            var = tmp_path / f"node{i}"
            var.mkdir()
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "nicat", "serve", "--port", str(port), "--workers", "2"], cwd=ROOT,
                env=_env(var), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True))
            if workers:
                procs.append(subprocess.Popen(
                    [sys.executable, "-m", "nicat", "worker", "--interval", "0.5", "--worker-id", f"worker{i}"],
                    cwd=ROOT, env=_env(var), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
        servers = procs[::2] if workers else procs
        for port, proc in zip(ports, servers):
            _wait_up(port, proc)
        yield [f"http://127.0.0.1:{p}" for p in ports], procs
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_two_servers_and_two_workers_on_one_postgresql(cast, tmp_path):
    from django_tasks_db.models import DBTaskResult

    from nicat.accounts.tokens import issue_token
    from nicat.audit.verify import verify_chain
    from nicat.cases.models import Case
    from nicat.ops.models import PeriodicRun, WorkerBeat

    token = issue_token(user=cast.worker)
    with _nodes(tmp_path, workers=True) as (urls, procs):
        new_case = {"person": {"given_name": "Nərgiz", "family_name": "Həsənova", "birth_date": "1995-02-03"},
                    "came_to_notice": "hotline", "scope": "internal", "summary": "Two servers."}
        with concurrent.futures.ThreadPoolExecutor(12) as pool:
            created = list(pool.map(lambda i: _request("POST", f"{urls[i % 2]}/api/v1/cases/", token, new_case),
                                    range(24)))
        assert [status for status, _ in created] == [201] * 24, created
        references = [body["reference"] for _, body in created]
        assert len(set(references)) == 24  # unique across servers and processes
        assert Case.objects.system().count() == 24

        target = created[0][1]["uuid"]
        edit = {"scope": "transnational", "version": 1}
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            edits = list(pool.map(lambda i: _request("PATCH", f"{urls[i % 2]}/api/v1/cases/{target}/", token, edit),
                                  range(8)))
        statuses = sorted(status for status, _ in edits)
        assert statuses == [200] + [409] * 7, edits  # one edit wins, none is lost silently

        result = verify_chain()
        assert result.ok, result.summary()

        deadline = time.monotonic() + 90  # both workers started with their servers: wait for their heartbeats
        while WorkerBeat.objects.filter(worker_id__in=["worker0", "worker1"]).count() < 2:
            assert time.monotonic() < deadline, "a worker never wrote its heartbeat"
            assert procs[1].poll() is None and procs[3].poll() is None, "a worker stopped"
            time.sleep(0.5)
        # Both workers scheduled; each period's run was enqueued once and claimed by one worker.
        runs = PeriodicRun.objects.filter(name="audit.checkpoint")
        while not runs.exists():  # a loaded machine: the first period's run may come after the heartbeats
            assert time.monotonic() < deadline, "no worker enqueued the audit checkpoint"
            time.sleep(0.5)
        assert runs.count() == runs.values("slot").distinct().count() >= 1
        assert all(len(r.worker_ids) <= 1 for r in DBTaskResult.objects.all())

        # A server killed during writes: every process of node 0 gets SIGKILL while 30 intakes are in flight.
        from nicat.audit.models import AuditEvent
        from nicat.persons.models import Person

        with concurrent.futures.ThreadPoolExecutor(10) as pool:
            futures = [pool.submit(_request, "POST", f"{urls[i % 2]}/api/v1/cases/", token, new_case)
                       for i in range(30)]
            time.sleep(0.3)
            os.killpg(procs[0].pid, signal.SIGKILL)
            outcomes = [f.result() for f in futures]
        survived = [body["reference"] for status, body in outcomes if status == 201]
        assert any(status is None for status, _ in outcomes) or len(survived) == 30
        assert len(survived) >= 15  # node 1 kept serving
        cases = Case.objects.system()
        assert set(survived) <= set(cases.values_list("reference", flat=True))
        # Each case is whole: its person exists, and the audit trail has its creation (same transaction).
        assert Person.objects.system().filter(pk__in=cases.values("person_id")).count() == cases.count()
        created_events = set(AuditEvent.objects.filter(action="case.create").values_list("case_reference", flat=True))
        assert set(cases.values_list("reference", flat=True)) == created_events
        result = verify_chain()
        assert result.ok, result.summary()


def test_shelter_capacity_and_the_allowance_hold_across_two_servers(cast, tmp_path):
    """The rules that rest on row locks rather than on unique indexes: five admissions to a shelter with two
    free beds, sent at once to two servers, admit two; the one-time allowance asked three times at once, on
    both servers, is paid once — the other requests are told why, none is a 500."""

    from nicat.accounts.tokens import issue_token
    from nicat.assistance import services
    from nicat.assistance.models import AllowancePayment, Group, Stay
    from nicat.audit.verify import verify_chain
    from tests.support.world import ShelterWorld as World

    world = World(cast)
    services.set_capacity(actor=world.manager, facility=world.shelter, group=Group.WOMEN,
                          beds=2, expected_version=1)
    waiting = [world.adult() for _ in range(5)]
    for case in waiting:
        world.refer_to_shelter(case)
    recognised = world.recognise(world.adult())
    shelter_token, worker_token = issue_token(user=world.manager), issue_token(user=cast.worker)
    with _nodes(tmp_path) as (urls, _procs):
        with concurrent.futures.ThreadPoolExecutor(5) as pool:
            admissions = list(pool.map(lambda i: _request("POST", f"{urls[i % 2]}/api/v1/stays/", shelter_token, {
                "case": str(waiting[i].uuid), "facility": str(world.shelter.uuid), "group": "women"}), range(5)))
        statuses = sorted(status for status, _ in admissions)
        assert statuses == [201, 201, 400, 400, 400], admissions
        assert all("no free place" in body for status, body in admissions if status == 400), admissions
        assert Stay.objects.of(world.shelter).filter(group="women", ended_at__isnull=True).count() == 2

        payment = {"case": str(recognised.uuid), "kind": "one_time", "source": "state_budget",
                   "paid_on": baku_today().isoformat()}
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            payments = list(pool.map(lambda i: _request("POST", f"{urls[i % 2]}/api/v1/allowance-payments/",
                                                        worker_token, payment), range(3)))
        assert sorted(status for status, _ in payments) == [201, 400, 400], payments
        assert all("already paid" in body for status, body in payments if status == 400), payments
        assert AllowancePayment.objects.of(recognised.person).count() == 1
    result = verify_chain()
    assert result.ok, result.summary()
