"""`nicat worker`: the periodic scheduler, the job runner and the lease that gives a dead worker's job back.

Jobs are django-tasks tasks stored by the django-tasks-db backend (docs/decisions/0009-ops-task-queue.md).
Several workers on several machines share one database:

* a job is claimed with SELECT … FOR UPDATE SKIP LOCKED (PostgreSQL; on SQLite the claim runs in an
  exclusive transaction), so no two workers run it;
* each periodic job is enqueued once per period: the (job, period) row of `PeriodicRun` is unique;
* every worker writes a heartbeat; a job still RUNNING whose worker has not beaten for
  NICAT_WORKER_LEASE_SECONDS is put back in the queue (at most NICAT_JOB_MAX_ATTEMPTS tries, then FAILED).
"""
import datetime
import logging
import os
import socket
import threading
import time

from django.conf import settings
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.db.utils import OperationalError
from django.utils import timezone
from django.utils.crypto import get_random_string

from nicat.core.jobs import periodic_jobs
from nicat.ops.models import PeriodicRun, WorkerBeat

logger = logging.getLogger("nicat.worker")


def _slot(now, every):
    epoch = int(now.timestamp())
    return datetime.datetime.fromtimestamp(epoch - epoch % every, tz=datetime.UTC)


def schedule_due(now=None):
    """Enqueue every periodic job whose current period has no run yet. Safe to call from any number of
    workers at once: the unique (job, period) row lets one of them through. Returns the names enqueued."""
    from nicat.ops.jobs import run_periodic

    now = now or timezone.now()
    enqueued = []
    for job in periodic_jobs().values():
        slot = _slot(now, job.every)
        if PeriodicRun.objects.filter(name=job.name, slot=slot).exists():
            continue
        try:
            with transaction.atomic():
                run = PeriodicRun.objects.create(name=job.name, slot=slot)
                result = run_periodic.enqueue(job.name, slot.isoformat())
                run.task_id = str(result.id)[:64]
                run.save(update_fields=["task_id"])
        except IntegrityError:
            continue  # another worker took this period
        enqueued.append(job.name)
    return enqueued


def reclaim_abandoned(now=None):
    """Give back to the queue the jobs claimed by workers that stopped beating. Returns (requeued, failed)."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    lease = datetime.timedelta(seconds=settings.NICAT_WORKER_LEASE_SECONDS)
    alive = set(WorkerBeat.objects.filter(beat_at__gte=now - lease).values_list("worker_id", flat=True))
    requeued = failed = 0
    with transaction.atomic():
        running = DBTaskResult.objects.running().filter(started_at__lt=now - lease)
        if connection.features.has_select_for_update_skip_locked:
            running = running.select_for_update(skip_locked=True)
        for result in running:
            owner = result.worker_ids[-1] if result.worker_ids else None
            if owner in alive:
                continue
            if len(result.worker_ids) >= settings.NICAT_JOB_MAX_ATTEMPTS:
                result.status = TaskResultStatus.FAILED
                result.finished_at = now
                result.exception_class_path = "nicat.ops.worker.WorkerLost"
                result.traceback = f"The worker running it stopped {len(result.worker_ids)} times."
                result.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
                failed += 1
            else:
                result.status = TaskResultStatus.READY
                result.started_at = None
                result.save(update_fields=["status", "started_at"])
                requeued += 1
            logger.warning("Job %s of worker %s, which stopped beating, %s.", result.id, owner,
                           "failed" if result.status == TaskResultStatus.FAILED else "is queued again")
    WorkerBeat.objects.filter(beat_at__lt=now - datetime.timedelta(days=1)).delete()
    return requeued, failed


def new_worker_id():
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{get_random_string(6)}"


class Heartbeat(threading.Thread):
    """Writes the worker's heartbeat every third of the lease, on its own database connection."""

    def __init__(self, worker_id):
        super().__init__(name="nicat-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.stopped = threading.Event()
        self.started_at = timezone.now()

    def beat(self):
        WorkerBeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={"host": socket.gethostname()[:255], "pid": os.getpid(), "started_at": self.started_at,
                      "beat_at": timezone.now()})

    def run(self):
        every = max(0.5, settings.NICAT_WORKER_LEASE_SECONDS / 3)
        try:
            while not self.stopped.wait(every):
                try:
                    self.beat()
                except OperationalError:  # database briefly away or locked: try again next time
                    logger.warning("Heartbeat of worker %s not written; retrying.", self.worker_id)
                    close_old_connections()
        finally:
            connection.close()

    def stop(self):
        self.stopped.set()
        try:
            WorkerBeat.objects.filter(worker_id=self.worker_id).delete()
        except OperationalError:
            pass


def make_worker(*, worker_id, interval, batch=False, max_tasks=None, queue_names=("*",)):
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult
    from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

    class NicatWorker(Worker):
        def claim(self):
            tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
            if not self.process_all_queues:
                tasks = tasks.filter(queue_name__in=self.queue_names)
            with exclusive_transaction(tasks.db):
                try:
                    result = tasks.get_locked()
                    if result is not None:
                        result.claim(self.worker_id)
                    return result
                except OperationalError as exc:
                    if is_locked_database_exception(exc):
                        return None
                    raise

        def housekeeping(self):
            try:
                schedule_due()
                reclaim_abandoned()
            except OperationalError as exc:  # the database restarts: keep the worker, try again
                logger.warning("Scheduling skipped this round: %s", exc.__class__.__name__)

        def run(self):
            logger.info("Worker %s started (%d periodic jobs)", self.worker_id, len(periodic_jobs()))
            heartbeat = Heartbeat(self.worker_id)
            try:
                heartbeat.beat()
            except OperationalError as exc:  # started while the database is away: its thread beats once it is back
                logger.warning("Worker %s started without a heartbeat (%s); retrying.", self.worker_id,
                               exc.__class__.__name__)
                close_old_connections()
            heartbeat.start()
            next_housekeeping = 0.0
            try:
                while self.running:
                    close_old_connections()
                    if time.monotonic() >= next_housekeeping:
                        self.housekeeping()
                        next_housekeeping = time.monotonic() + max(1.0, self.interval)
                    try:
                        result = self.claim()
                    except OperationalError as exc:
                        logger.warning("Claiming a job failed (%s); retrying.", exc.__class__.__name__)
                        result = None
                    if result is not None:
                        try:
                            self.run_task(result)
                        except OperationalError as exc:
                            # The database went away while the job ran or while its result was written: keep
                            # the worker; the job's lease runs out and reclaim_abandoned() gives it to a worker.
                            logger.warning("Job %s stopped: the database went away (%s); it will be retried.",
                                           result.id, exc.__class__.__name__)
                    elif self.batch:
                        return
                    if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                        return
                    if self.running and result is None:
                        time.sleep(self.interval)
            finally:
                heartbeat.stop()

    return NicatWorker(queue_names=list(queue_names), interval=interval, batch=batch, backend_name="default",
                       startup_delay=False, max_tasks=max_tasks, worker_id=worker_id, excluded_queue_names=[])


# --- development: jobs in the server process ------------------------------------------------------------

def start_inprocess_scheduler(interval=30):
    """With the immediate backend (development), run the periodic jobs in a thread of the serving process."""

    def loop():
        while True:
            try:
                schedule_due()
            except Exception:  # never take the server down; the next round tries again
                logger.exception("In-process periodic jobs failed this round.")
            finally:
                close_old_connections()
            time.sleep(interval)

    thread = threading.Thread(target=loop, name="nicat-jobs", daemon=True)
    thread.start()
    return thread
