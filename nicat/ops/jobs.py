"""The periodic jobs Nicat itself brings, and running one registered job (a django-tasks task).

Other apps register theirs with `nicat.core.jobs.register_periodic` in `AppConfig.ready()`."""
import logging

from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django_tasks import task

from nicat.core.jobs import periodic_jobs, register_overdue, register_periodic

logger = logging.getLogger("nicat.jobs")


@task()
def run_periodic(name, slot):
    """Run the registered periodic job `name` for the period starting at `slot` (ISO time)."""
    job = periodic_jobs().get(name)
    if job is None:
        logger.warning("Periodic job %s is no longer registered; run of %s skipped.", name, slot)
        return None
    # A savepoint of its own: a job that spoils its transaction never spoils the caller's (in development the
    # job runs inside the scheduler's transaction).
    with transaction.atomic():
        result = job.resolve()()
    logger.info("Periodic job %s (%s) done: %s", name, slot, result)
    return result if isinstance(result, (int, float, str, dict, list, type(None))) else str(result)


def audit_checkpoint():
    """Sign the chain head when events are waiting for a signature (quiet hours included)."""
    from nicat.audit.checkpoints import sign_head
    from nicat.audit.models import AuditCheckpoint
    from nicat.audit.services import chain_head

    sequence, _ = chain_head()
    last = AuditCheckpoint.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0
    if sequence <= last:
        return None  # nothing new to sign (or an empty trail)
    cp = sign_head()
    return cp.sequence if cp else None


def referral_deadlines():
    from nicat.referrals.services import flag_overdue

    return flag_overdue()


def clear_sessions():
    call_command("clearsessions", verbosity=0)
    return "ok"


def prune_job_results():
    """Keep finished job results for NICAT_JOB_RESULT_DAYS days (failures included, for the metrics)."""
    import datetime

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - datetime.timedelta(days=settings.NICAT_JOB_RESULT_DAYS)
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return deleted


def _counted(model):
    # whole table: the operations metrics count what is overdue across every institution (numbers only)
    return model.objects.system()


def overdue_referrals():
    from django.utils import timezone

    from nicat.referrals.models import Referral, Status

    return _counted(Referral).filter(status=Status.PENDING, deadline_at__lte=timezone.now()).count()


def overdue_identification_referrals():
    """Open cases of possible victims not yet referred to the competent authority after the referral hours in
    force on the day of first contact (nicat.legal.rules.referral_due; the case page shows the same deadline)."""
    from django.utils import timezone

    from nicat.cases.models import Case
    from nicat.identification.services import awaiting_referral
    from nicat.legal.rules import referral_due

    now = timezone.now()
    open_possible = awaiting_referral(_counted(Case)).filter(first_contact_at__lt=now)
    return sum(1 for first in open_possible.values_list("first_contact_at", flat=True).iterator()
               if referral_due(first) < now)


def register_builtin():
    register_periodic("audit.checkpoint", audit_checkpoint, every=settings.NICAT_AUDIT_CHECKPOINT_SECONDS or 300,
                      description="Sign the audit chain head (docs/audit.md)")
    register_periodic("referrals.deadlines", referral_deadlines, every=300,
                      description="Notify both sides of referrals unanswered past their deadline")
    register_periodic("sessions.clear", clear_sessions, every=3600, description="Delete expired sessions")
    register_periodic("submissions.expire", "nicat.core.submissions.expire", every=3600,
                      description="Forget one-time form tokens and API idempotency keys older than a day")
    if settings.TASKS["default"]["BACKEND"].startswith("django_tasks_db"):
        register_periodic("jobs.prune", prune_job_results, every=86400, description="Forget old job results")
    register_overdue("referral", overdue_referrals)
    register_overdue("identification_referral", overdue_identification_referrals)
