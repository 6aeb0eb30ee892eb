"""Tasks the worker tests enqueue (importable by the worker processes they start)."""
import datetime
import os
import time

from django_tasks import task

from nicat.ops.models import PeriodicRun

EPOCH = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)


@task()
def mark(n, pause=0.0):
    """Writes a row that exists once per n: a second run of the same job would fail on the unique pair."""
    time.sleep(float(os.environ.get("NICAT_PROBE_PAUSE", pause)))  # a worker process may be told to dawdle
    PeriodicRun.objects.create(name="probe", slot=EPOCH + datetime.timedelta(seconds=n))
    return n
