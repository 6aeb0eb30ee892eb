"""`nicat worker`: periodic jobs once per period whatever the number of workers, a job claimed once,
a killed worker's job run again by another — with real worker processes."""
import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import timezone

from nicat.core.jobs import periodic_jobs, register_periodic, unregister_periodic
from nicat.ops.models import PeriodicRun, WorkerBeat
from nicat.ops.worker import reclaim_abandoned, schedule_due
from tests.support.processes import database_url

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
ROOT = Path(__file__).resolve().parents[3]

calls = []


def counted():
    calls.append(1)
    return len(calls)


@pytest.fixture
def probe_job():
    calls.clear()
    register_periodic("test.counted", counted, every=60)
    yield
    unregister_periodic("test.counted")


@pytest.mark.django_db
def test_builtin_jobs_are_registered():
    assert {"audit.checkpoint", "referrals.deadlines", "sessions.clear"} <= set(periodic_jobs())


@pytest.mark.django_db
def test_in_process_a_periodic_job_runs_once_per_period(probe_job):
    """Development (immediate backend): the job runs when its period starts, once, however often asked."""
    now = timezone.now()
    assert "test.counted" in schedule_due(now)
    assert "test.counted" not in schedule_due(now)  # a second scheduler (another worker) in the same period
    assert calls == [1]
    schedule_due(now + datetime.timedelta(seconds=60))
    assert calls == [1, 1]
    assert PeriodicRun.objects.filter(name="test.counted").count() == 2


@pytest.mark.django_db
@override_settings(TASKS=DATABASE_TASKS)
def test_with_workers_a_period_is_queued_once(probe_job):
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    first, second = schedule_due(now), schedule_due(now)
    assert "test.counted" in first and second == []
    assert DBTaskResult.objects.filter(task_path="nicat.ops.jobs.run_periodic",
                                       args_kwargs__args__0="test.counted").count() == 1
    assert calls == []  # queued, not run: a worker runs it


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_a_worker_started_while_the_database_is_away_keeps_running(probe_job, monkeypatch, caplog):
    """systemd starts the worker while PostgreSQL restarts: its first heartbeat fails; the worker does not
    exit (it used to die there), it schedules and runs its jobs, and its heartbeat is written afterwards."""
    from django.db.utils import OperationalError

    from nicat.ops import worker as worker_module

    real_beat, failures = worker_module.Heartbeat.beat, []

    def beat(self):
        if not failures:
            failures.append(1)
            raise OperationalError("connection failed: FATAL:  the database system is shutting down")
        return real_beat(self)

    monkeypatch.setattr(worker_module.Heartbeat, "beat", beat)
    worker = worker_module.make_worker(worker_id="late-db", interval=0.1, batch=True)
    with caplog.at_level("WARNING", logger="nicat.worker"):
        worker.run()  # batch: runs what is due, then returns
    assert failures == [1]
    assert "started without a heartbeat" in caplog.text
    assert calls == [1]  # the periodic job was scheduled and run by this worker


@pytest.mark.django_db
@override_settings(TASKS=DATABASE_TASKS, NICAT_WORKER_LEASE_SECONDS=30, NICAT_JOB_MAX_ATTEMPTS=2)
def test_a_silent_workers_job_is_queued_again_then_failed():
    from django_tasks_db.models import DBTaskResult

    from nicat.ops.tests.probe import mark

    now = timezone.now()
    result = DBTaskResult.objects.get(id=mark.enqueue(1).id)
    WorkerBeat.objects.create(worker_id="alive", host="h", pid=1, started_at=now, beat_at=now)
    result.claim("alive")
    DBTaskResult.objects.filter(id=result.id).update(started_at=now - datetime.timedelta(minutes=5))
    assert reclaim_abandoned(now) == (0, 0)  # its worker still beats
    WorkerBeat.objects.filter(worker_id="alive").update(beat_at=now - datetime.timedelta(minutes=5))
    assert reclaim_abandoned(now) == (1, 0)
    result.refresh_from_db()
    assert result.status == "READY"
    result.claim("second")  # dies too: the second attempt is the last
    DBTaskResult.objects.filter(id=result.id).update(started_at=now - datetime.timedelta(minutes=5))
    assert reclaim_abandoned(now) == (0, 1)
    result.refresh_from_db()
    assert result.status == "FAILED" and result.exception_class_path.endswith("WorkerLost")


def _worker_env(lease):
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "nicat.settings", "DATABASE_URL": database_url(),
            "NICAT_TASKS_BACKEND": "database", "NICAT_WORKER_LEASE_SECONDS": str(lease),
            "NICAT_LOG_FORMAT": "plain", "PYTHONPATH": str(ROOT)}


def _start_worker(name, lease, *extra, pause=None):
    env = _worker_env(lease)
    if pause is not None:
        env["NICAT_PROBE_PAUSE"] = str(pause)
    return subprocess.Popen([sys.executable, "-m", "nicat", "worker", "--interval", "0.2", "--worker-id", name,
                             *extra], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def _wait(predicate, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.postgres_only  # runs on SQLite too (claims in an exclusive transaction there)
@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_run_each_job_exactly_once():
    from django_tasks_db.models import DBTaskResult

    from nicat.ops.tests.probe import mark

    with override_settings(TASKS=DATABASE_TASKS):
        ids = [mark.enqueue(n, 0.05).id for n in range(30)]
    workers = [_start_worker(f"w{i}", 30, "--batch") for i in range(2)]
    try:
        for w in workers:
            out, _ = w.communicate(timeout=120)
            assert w.returncode == 0, out
    finally:
        for w in workers:
            w.kill() if w.poll() is None else None
    results = DBTaskResult.objects.filter(id__in=ids)
    assert sorted(results.values_list("status", flat=True)) == ["SUCCESSFUL"] * 30
    assert all(len(r.worker_ids) == 1 for r in results)  # claimed once each
    assert PeriodicRun.objects.filter(name="probe").count() == 30
    assert {r.worker_ids[0] for r in results} == {"w0", "w1"}  # both worked


@pytest.mark.django_db(transaction=True)
def test_a_killed_workers_job_is_run_by_another_worker():
    from django_tasks_db.models import DBTaskResult

    from nicat.ops.tests.probe import mark

    with override_settings(TASKS=DATABASE_TASKS):
        job = mark.enqueue(7).id
    first = _start_worker("doomed", 2, pause=60)  # killed in the middle of the job
    try:
        assert _wait(lambda: DBTaskResult.objects.filter(id=job, status="RUNNING").exists(), 60), \
            "the first worker never claimed the job"
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        first.kill() if first.poll() is None else None
    assert not PeriodicRun.objects.filter(name="probe").exists()  # killed before its work was done
    # Not --batch: a rescuer that starts before the lease runs out would find the queue empty and stop.
    second = _start_worker("rescuer", 2, pause=0)
    try:
        # The lease (2 s) runs out, the rescuer gives the job back to the queue and runs it.
        assert _wait(lambda: DBTaskResult.objects.get(id=job).status == "SUCCESSFUL", 60), \
            "the killed worker's job was not run again"
    finally:
        second.kill() if second.poll() is None else None
        second.wait(10)
    result = DBTaskResult.objects.get(id=job)
    assert result.worker_ids == ["doomed", "rescuer"]
    assert PeriodicRun.objects.filter(name="probe").count() == 1  # done once
