"""A deadline reminder reaches someone who can act on it. A task assigned to a case worker whose role at the NGO
then ended (she left) kept reminding her — in the app and by e-mail, with the case's reference — and nobody at the
NGO was told the task was due (found by a review; failed before)."""
import datetime

import pytest

from nicat.accounts.models import Membership
from nicat.accounts.services import end_membership
from nicat.core.calendar import baku_today
from nicat.referrals.models import Notification
from nicat.work import services

pytestmark = pytest.mark.django_db


def test_the_reminder_of_a_task_whose_assignee_left_goes_to_the_institution(world):
    case = world.adult()
    task = services.create_task(actor=world.cast.worker, case=case, data={
        "title": "Call the lawyer about the hearing", "kind": "task",
        "due_on": baku_today() + datetime.timedelta(days=1), "assigned_to": world.colleague})
    end_membership(actor=world.cast.admin, membership=Membership.objects.get(user=world.colleague))

    assert services.send_deadline_reminders() == 1
    reminders = Notification.objects.filter(kind="deadline_approaching", case_reference=case.reference)
    assert not reminders.filter(user=world.colleague).exists()
    told = set(reminders.values_list("user__username", flat=True))
    assert world.cast.worker.username in told and world.supervisor.username in told
    assert reminders.filter(link__endswith=f"{task.uuid}/").count() == len(told)
