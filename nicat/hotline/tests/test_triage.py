"""Triage with a clock: an urgent contact alerts the duty service (in the app; by e-mail when on, with no
identifying data), is acknowledged, or escalated to the supervisors when nobody does in time. Time is a
parameter here, never a sleep."""
import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from nicat.audit.models import AuditEvent
from nicat.core.errors import NotAllowed
from nicat.hotline import services
from nicat.hotline.models import Alert
from tests.support.world import verified_login

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mailing(settings, hotline):
    settings.NICAT_NOTIFICATION_EMAIL = True
    settings.NICAT_HOTLINE_ESCALATE_MINUTES = 10
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    hotline.cast.main_department.email = "duty@example.org"
    hotline.cast.main_department.save()
    return hotline


@pytest.mark.parametrize("data, reason", [
    ({"reason": "danger_now"}, "danger_now"),
    ({"subject_age": 15}, "child"),
    ({"subject_age": 19}, "child"),  # an estimate near 18: presumed a child (nicat.persons.age)
    ({"subject_is_child": True}, "child"),
    ({"location": "Bakı, Nizami küçəsi"}, "location"),
])
def test_urgent_contacts_raise_one_alert(hotline, data, reason):
    contact = hotline.contact(**data)
    assert contact.urgent and reason in contact.urgency
    assert contact.alert.duty_institution == hotline.cast.main_department


@pytest.mark.parametrize("data", [{"reason": "information"}, {"subject_age": 25}, {"subject_age": None}])
def test_other_contacts_raise_none(hotline, data):
    contact = hotline.contact(**data)
    assert not contact.urgent and not Alert.objects.filter(contact=contact).exists()


def test_the_duty_service_is_alerted_by_mail_without_identifying_data(mailing):
    contact = mailing.contact(reason="danger_now", location="Sumqayıt, 5-ci mikrorayon", identity_consent=True,
                              caller_name="Gülnar Əliyeva", phone="+994507654321", notes="Qapını bağlayıblar")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["duty@example.org"] and contact.reference in message.subject + message.body
    for secret in ("Sumqayıt", "Gülnar", "507654321", "Qapını"):
        assert secret not in message.subject + message.body
    assert AuditEvent.objects.filter(action="hotline.alert_raised").count() == 1


def test_acknowledged_alerts_are_not_escalated(mailing, client):
    contact = mailing.contact(reason="danger_now")
    alert = contact.alert
    with pytest.raises(NotAllowed):
        services.acknowledge_alert(actor=mailing.operator, alert=alert)  # the hotline does not acknowledge itself
    verified_login(client, mailing.cast.officer)
    page = client.get(reverse("hotline:alerts")).content.decode()
    assert contact.reference in page and "Acknowledge" in page
    assert client.post(reverse("hotline:alert_acknowledge", args=[alert.uuid])).status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == mailing.cast.officer
    later = alert.raised_at + datetime.timedelta(minutes=30)
    assert services.escalate_overdue(now=later) == []
    assert AuditEvent.objects.filter(action="hotline.alert_acknowledged").count() == 1


def test_an_alert_nobody_acknowledges_is_escalated_to_the_supervisors_once(mailing):
    contact = mailing.contact(reason="danger_now")
    alert = contact.alert
    mail.outbox.clear()
    assert services.escalate_overdue(now=alert.raised_at + datetime.timedelta(minutes=9)) == []
    escalated = services.escalate_overdue(now=alert.raised_at + datetime.timedelta(minutes=11))
    assert [a.pk for a in escalated] == [alert.pk]
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {"hl.sup@example.org", "md.sup@example.org"}
    assert contact.reference in mail.outbox[0].subject
    assert services.escalate_overdue(now=alert.raised_at + datetime.timedelta(minutes=20)) == []
    assert AuditEvent.objects.filter(action="hotline.alert_escalated").count() == 1
    # Once escalated, the hotline's supervisor may acknowledge it too.
    services.acknowledge_alert(actor=mailing.supervisor, alert=alert)
    assert Alert.objects.get(pk=alert.pk).acknowledged_by == mailing.supervisor


def test_the_command_escalates_with_a_given_time(mailing, capsys):
    contact = mailing.contact(reason="danger_now")
    at = (contact.alert.raised_at + datetime.timedelta(minutes=15)).isoformat()
    call_command("hotline", "escalate", "--now", at)
    assert "1 alert(s) escalated" in capsys.readouterr().out
    assert Alert.objects.get(pk=contact.alert.pk).escalated_at is not None
    call_command("hotline", "escalate")  # now: nothing more to do
    assert "0 alert(s) escalated" in capsys.readouterr().out


def test_alerts_page_is_for_the_duty_service_and_the_hotline(hotline, client):
    hotline.contact(reason="danger_now")
    for user, status in [(hotline.cast.officer, 200), (hotline.duty_supervisor, 200), (hotline.operator, 200),
                         (hotline.cast.worker, 403), (hotline.cast.analyst, 403)]:
        verified_login(client, user)
        assert client.get(reverse("hotline:alerts")).status_code == status, user
    assert timezone.now()


def test_the_worker_escalates_without_anyone_running_a_command(mailing, settings):
    """`nicat worker` runs the registered periodic job "hotline.escalate" every minute (issue 18's jobs)."""
    from unittest import mock

    from nicat.core.jobs import periodic_jobs
    from nicat.ops.jobs import run_periodic

    job = periodic_jobs()["hotline.escalate"]
    assert job.every == 60 and "work.reminders" in periodic_jobs()
    contact = mailing.contact(reason="danger_now")
    later = contact.alert.raised_at + datetime.timedelta(minutes=11)
    with mock.patch("django.utils.timezone.now", return_value=later):
        run_periodic.call("hotline.escalate", later.isoformat())
    assert Alert.objects.get(pk=contact.alert.pk).escalated_at is not None
    assert AuditEvent.objects.filter(action="hotline.alert_escalated").count() == 1


def test_supervisors_of_a_hotline_deactivated_since_the_contact_are_not_alerted(mailing):
    """An alert escalates to supervisors in effect only (accounts.models.in_effect_q): once the hotline is
    deactivated, its supervisors hold no access and are not told of an urgent contact's reference."""
    contact = mailing.contact(reason="danger_now")
    mailing.institution.active = False
    mailing.institution.save()
    mail.outbox.clear()
    services.escalate_overdue(now=contact.alert.raised_at + datetime.timedelta(minutes=11))
    assert [m.to for m in mail.outbox] == [["md.sup@example.org"]]
    assert mailing.supervisor not in services.escalation_recipients(contact.alert)


def test_an_operator_who_supervises_elsewhere_does_not_acknowledge_the_hotlines_escalated_alert(mailing, client):
    """Once escalated, the hotline's supervisors may acknowledge an alert — the supervisors of that hotline, not
    an operator of it who happens to be a supervisor at an NGO (before: the role anywhere and the operator's
    hotline were enough, and the operator closed the escalation meant for the supervisors)."""
    from nicat.accounts.models import Membership, Role

    Membership.objects.create(user=mailing.operator, institution=mailing.cast.ngo, role=Role.SUPERVISOR)
    contact = mailing.contact(reason="danger_now")
    alert = contact.alert
    services.escalate_overdue(now=alert.raised_at + datetime.timedelta(minutes=11))
    operator = type(mailing.operator).objects.get(pk=mailing.operator.pk)  # memberships read afresh
    with pytest.raises(NotAllowed):
        services.acknowledge_alert(actor=operator, alert=alert)
    verified_login(client, operator)
    page = client.get(reverse("hotline:alerts")).content.decode()
    assert contact.reference in page and reverse("hotline:alert_acknowledge", args=[alert.uuid]) not in page
    assert client.post(reverse("hotline:alert_acknowledge", args=[alert.uuid])).status_code in (302, 403, 404)
    assert Alert.objects.get(pk=alert.pk).acknowledged_at is None
    # The hotline's supervisor still does.
    services.acknowledge_alert(actor=mailing.supervisor, alert=alert)
    assert Alert.objects.get(pk=alert.pk).acknowledged_by == mailing.supervisor
