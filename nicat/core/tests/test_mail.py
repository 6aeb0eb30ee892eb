"""Notification e-mail is a queued job (issue 18): it leaves after the commit, from a worker, and a mail
relay that is down delays it instead of losing it."""
import datetime
import smtplib
from unittest import mock

import pytest
from django.core import mail as outbox
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from nicat.accounts.models import User
from nicat.core import mail
from nicat.referrals import notify
from nicat.referrals.models import NotificationKind

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
pytestmark = pytest.mark.django_db


def _jobs():
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path="nicat.core.mail.deliver").order_by("enqueued_at", "id")


@pytest.fixture
def staff():
    return User.objects.create_user("mail.worker", email="worker@example.org", password="x-Long-enough-1")


def _notify(user):
    notify.notify_users(users=[user], kind=NotificationKind.REFERRAL_RECEIVED, case_reference="NCT-2026-000123",
                        link="/referrals/")


@override_settings(TASKS=DATABASE_TASKS, NICAT_NOTIFICATION_EMAIL=True)
def test_the_email_is_queued_after_the_commit_and_sent_by_the_job_once_the_relay_is_back(
        staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _notify(staff)
    assert outbox.outbox == []  # queued, not sent inside the request
    (job,) = _jobs()
    subject, body, to = job.args_kwargs["args"]
    assert to == ["worker@example.org"] and "NCT-2026-000123" in subject

    with mock.patch("nicat.core.mail.send_mail", side_effect=smtplib.SMTPServerDisconnected("relay down")):
        assert mail.deliver.call(subject, body, to) == {"sent": 0, "next_attempt": 2}
    assert outbox.outbox == []
    retry = _jobs().last()
    assert retry.pk != job.pk and retry.args_kwargs["args"] == [subject, body, to, 2]
    wait = retry.run_after - timezone.now()
    assert datetime.timedelta(seconds=30) < wait <= datetime.timedelta(minutes=mail.RETRY_MINUTES[0])

    assert mail.deliver.call(*retry.args_kwargs["args"]) == {"sent": 1}
    (message,) = outbox.outbox
    assert message.to == ["worker@example.org"] and message.subject == subject and message.body == body


@override_settings(TASKS=DATABASE_TASKS, NICAT_NOTIFICATION_EMAIL=True)
def test_after_the_last_attempt_the_job_fails_and_nothing_more_is_queued():
    last = len(mail.RETRY_MINUTES) + 1
    with mock.patch("nicat.core.mail.send_mail", side_effect=smtplib.SMTPServerDisconnected("relay down")):
        with pytest.raises(smtplib.SMTPServerDisconnected):
            mail.deliver.call("Nicat: x", "body", ["worker@example.org"], last)
    assert not _jobs().exists()


@override_settings(TASKS=DATABASE_TASKS, NICAT_NOTIFICATION_EMAIL=True)
def test_nothing_is_queued_when_the_transaction_rolls_back(staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            _notify(staff)
            raise RuntimeError("the action failed")
    assert not _jobs().exists() and outbox.outbox == []


@override_settings(NICAT_NOTIFICATION_EMAIL=True)
def test_in_development_the_job_runs_at_once(staff, django_capture_on_commit_callbacks):
    """The immediate backend (make run): no worker needed, the e-mail leaves when the transaction commits."""
    with django_capture_on_commit_callbacks(execute=True):
        _notify(staff)
    (message,) = outbox.outbox
    assert message.to == ["worker@example.org"] and "NCT-2026-000123" in message.subject
