"""A notice about a case is not sent to staff an access-restriction order keeps from it (found by a review): the
prosecutor's order left the NGO's case to its supervisors, yet its case workers were told, in the app and by
e-mail, that someone had opened the case by break-glass and when its tasks fell due — that the case was being
worked on, which the order keeps from them."""
import datetime

import pytest
from django.core import mail
from django.utils import timezone

from nicat.access import services as access
from nicat.accounts.models import Role
from nicat.referrals.models import Notification, NotificationKind
from nicat.work import services

pytestmark = pytest.mark.django_db


def _notices(user, kind):
    return Notification.objects.filter(user=user, kind=kind).count()


def test_a_break_glass_notice_and_a_reminder_skip_staff_the_order_keeps_from_the_case(
        world, settings, django_capture_on_commit_callbacks):
    settings.NICAT_NOTIFICATION_EMAIL = True
    case = world.adult()
    access.record_restriction_order(
        actor=world.cast.officer, case_reference=case.reference, issued_by="prosecutor",
        issuing_body="Prosecutor General's Office", decision_reference="PGO-13/2026",
        decided_on=timezone.localdate(), allowed_roles=[Role.SUPERVISOR])
    for user in (world.supervisor, world.colleague):
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])

    with django_capture_on_commit_callbacks(execute=True):
        access.open_break_glass(actor=world.foreign_supervisor, case_reference=case.reference,
                                reason="A court hearing tomorrow: checking the safety plan of the victim.")
    assert _notices(world.supervisor, NotificationKind.BREAK_GLASS_OPENED) == 1
    assert _notices(world.colleague, NotificationKind.BREAK_GLASS_OPENED) == 0

    services.create_task(actor=world.supervisor, case=case, data={
        "title": "Prepare the hearing", "due_on": timezone.localdate() + datetime.timedelta(days=1)})
    with django_capture_on_commit_callbacks(execute=True):
        services.send_deadline_reminders()
    assert _notices(world.supervisor, NotificationKind.DEADLINE_APPROACHING) == 1
    assert _notices(world.colleague, NotificationKind.DEADLINE_APPROACHING) == 0
    assert [m for m in mail.outbox if "ngo.supervisor@example.org" in m.to]
    assert not [m for m in mail.outbox if "ngo.colleague@example.org" in m.to]
