"""Prometheus metrics (prometheus-client): request rates and latencies by route name; read at scrape
time: job queue depth and failures, workers alive, audit chain length and age of the last checkpoint,
overdue deadlines by kind (counters registered with nicat.core.jobs.register_overdue).

Several gunicorn processes: `nicat serve` sets PROMETHEUS_MULTIPROC_DIR, and the scrape merges the
processes' files (prometheus-client's multiprocess mode)."""
import datetime
import logging
import os

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

_registry = CollectorRegistry(auto_describe=True)
REQUESTS = Counter("nicat_http_requests", "HTTP requests by route name, method and status",
                   ["route", "method", "status"], registry=_registry)
LATENCY = Histogram("nicat_http_request_duration_seconds", "HTTP request duration by route name", ["route"],
                    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10), registry=_registry)


def observe_request(route, method, status, seconds):
    REQUESTS.labels(route=route, method=method, status=str(status)).inc()
    LATENCY.labels(route=route).observe(seconds)


class StateCollector:
    """Figures read from the database when Prometheus scrapes (each guarded: one failing query does not
    hide the others)."""

    def collect(self):
        from django.conf import settings
        from django.utils import timezone

        yield from self._safe(self._jobs, timezone.now(), settings)
        yield from self._safe(self._audit, timezone.now())
        yield from self._safe(self._overdue)

    def _safe(self, fn, *args):
        try:
            yield from fn(*args)
        except Exception as exc:  # a scrape must answer even when one figure cannot be read
            logger.warning("Metric %s not read: %s", fn.__name__, exc.__class__.__name__)

    def _jobs(self, now, settings):
        from django.db.models import Count
        from django_tasks_db.models import DBTaskResult

        from nicat.ops.models import WorkerBeat

        by_status = dict(DBTaskResult.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
        jobs = GaugeMetricFamily("nicat_jobs", "Jobs in the queue table by status (READY = queue depth)",
                                 labels=["status"])
        for status in ("READY", "RUNNING", "SUCCESSFUL", "FAILED"):
            jobs.add_metric([status], by_status.get(status, 0))
        yield jobs
        lease = datetime.timedelta(seconds=settings.NICAT_WORKER_LEASE_SECONDS)
        yield GaugeMetricFamily("nicat_workers_alive", "Workers whose heartbeat is within the lease",
                                value=WorkerBeat.objects.filter(beat_at__gte=now - lease).count())

    def _audit(self, now):
        from nicat.audit.models import AuditCheckpoint
        from nicat.audit.services import chain_head

        sequence, _ = chain_head()
        yield GaugeMetricFamily("nicat_audit_chain_length", "Events in the audit chain", value=sequence)
        last = AuditCheckpoint.objects.order_by("-sequence").values_list("sequence", "signed_at").first()
        yield GaugeMetricFamily("nicat_audit_unsigned_events", "Events after the last signed checkpoint",
                                value=sequence - (last[0] if last else 0))
        if last:
            yield GaugeMetricFamily("nicat_audit_seconds_since_checkpoint", "Seconds since the last signed checkpoint",
                                    value=(now - last[1]).total_seconds())

    def _overdue(self):
        from nicat.core.jobs import overdue_counters

        family = GaugeMetricFamily("nicat_overdue_deadlines", "Overdue deadlines by kind", labels=["kind"])
        for kind, counter in sorted(overdue_counters().items()):
            try:
                family.add_metric([kind], counter())
            except Exception as exc:
                logger.warning("Overdue counter %s failed: %s", kind, exc.__class__.__name__)
        yield family


def render():
    """The exposition text of every metric."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_MergedRegistry())
    registry.register(StateCollector())
    return generate_latest(registry)


class _MergedRegistry:
    def collect(self):
        yield from _registry.collect()
