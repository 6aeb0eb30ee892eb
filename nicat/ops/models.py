"""Operations bookkeeping: which periodic run was enqueued, which workers are alive, the key canary.

None of these rows holds identifying data."""
from django.db import models


class PeriodicRun(models.Model):
    """One row per periodic job and period: the unique pair is the ticket that lets exactly one of
    several workers (on several machines) enqueue that period's run."""

    name = models.CharField(max_length=100)
    slot = models.DateTimeField()  # start of the period
    enqueued_at = models.DateTimeField(auto_now_add=True)
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "slot"], name="ops_periodic_run_once")]
        indexes = [models.Index(fields=["name", "-slot"])]


class WorkerBeat(models.Model):
    """A running `nicat worker`: its heartbeat. A job claimed by a worker whose heartbeat is older
    than NICAT_WORKER_LEASE_SECONDS is given back to the queue (the worker died)."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255)
    pid = models.IntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)


class KeyCanary(models.Model):
    """A known value sealed with the field keys and its blind index under the index key: `/readyz`
    opens it, so a server started with the wrong keys says so before anyone reads a case."""

    name = models.CharField(max_length=40, unique=True)
    sealed = models.TextField()
    index = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
