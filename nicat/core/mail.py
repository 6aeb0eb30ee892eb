"""E-mail as a queued job: a message leaves after the transaction that caused it commits, from a worker
(`nicat worker`, NICAT_TASKS_BACKEND=database) or in process (development: the job runs when it is
enqueued), and a mail relay that is down delays it instead of losing it (issue 18, item 1).

Only messages that hold no identifying data go through here (notify.py's notifications, the hotline's
alerts: a kind, a reference, a link): the job's arguments are kept in the job table until the result is
pruned (NICAT_JOB_RESULT_DAYS).
"""
import datetime
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django_tasks import default_task_backend, task

logger = logging.getLogger("nicat.mail")

# Minutes before each new attempt when the relay refused or could not be reached; after the last, the job
# fails (counted by /metrics as a failed job, logged with the error class).
RETRY_MINUTES = (1, 5, 15, 60)


@task()
def deliver(subject, body, recipients, attempt=1):
    """Send one message; when the relay fails, queue the next attempt (where the backend can defer a job:
    the database one) and end, or, after the last attempt, fail."""
    try:
        send_mail(subject, body, None, list(recipients), fail_silently=False)
    except Exception as exc:
        if attempt <= len(RETRY_MINUTES) and default_task_backend.supports_defer:
            wait = RETRY_MINUTES[attempt - 1]
            later = deliver.using(run_after=timezone.now() + datetime.timedelta(minutes=wait))
            later.enqueue(subject, body, list(recipients), attempt + 1)
            logger.warning("E-mail not sent (%s); attempt %d in %d minutes.", exc.__class__.__name__, attempt + 1,
                           wait)
            return {"sent": 0, "next_attempt": attempt + 1}
        logger.error("E-mail not sent (%s) after %d attempts.", exc.__class__.__name__, attempt)
        raise
    return {"sent": len(recipients)}


def enabled():
    """E-mail goes out when an SMTP server is configured (`EMAIL_HOST`), or when `NICAT_NOTIFICATION_EMAIL`
    switches it on explicitly (another e-mail backend, tests)."""
    return bool(getattr(settings, "NICAT_NOTIFICATION_EMAIL", False))


def send_after_commit(messages):
    """Queue `messages` — (subject, body, [address]) each — once the caller's transaction commits (at once
    outside one). Nothing is sent for a transaction that rolls back."""
    messages = [(subject, body, [a for a in to if a]) for subject, body, to in messages]
    messages = [m for m in messages if m[2]]
    if not messages:
        return

    def enqueue():
        for subject, body, to in messages:
            deliver.enqueue(subject, body, to)

    transaction.on_commit(enqueue)
