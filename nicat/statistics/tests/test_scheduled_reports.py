"""Scheduled reports (issue 18): a supervisor or analyst orders the annual report every month or year;
`nicat worker`'s job `statistics.reports` makes it once per period, keeps it encrypted for its owner, tells
them, and stops when the owner may no longer have that edition. Nobody else finds, stops or downloads it."""
import datetime
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.urls import reverse

from nicat.audit.models import AuditEvent
from nicat.core.jobs import periodic_jobs
from nicat.referrals.models import Notification
from nicat.statistics.models import ReportSchedule, ScheduledReport
from nicat.statistics.services import due_period, run_scheduled_reports
from nicat.statistics.tests.test_annual_report import _xlsx_text, build_world

BAKU = ZoneInfo("Asia/Baku")


@pytest.fixture
def world(cast):
    return build_world(cast)


def at(*args):
    return datetime.datetime(*args, tzinfo=BAKU)


def order(client, user, **data):
    client.force_login(user)
    return client.post(reverse("statistics:report_schedules"),
                       {"frequency": "monthly", "language": "en", "edition": "internal", "format": "xlsx", **data})


def test_the_period_and_the_year_a_report_covers():
    assert due_period("monthly", datetime.date(2026, 1, 5)) == ("2026-01", 2025)  # January: the whole past year
    assert due_period("monthly", datetime.date(2026, 2, 1)) == ("2026-02", 2026)  # then the year so far
    assert due_period("yearly", datetime.date(2026, 7, 9)) == ("2026", 2025)


@pytest.mark.django_db
def test_a_monthly_order_is_made_once_a_month_kept_encrypted_and_downloaded_by_its_owner(world, client):
    assert periodic_jobs()["statistics.reports"].every == 3600
    response = order(client, world.md_supervisor)
    assert response.status_code == 302
    schedule = ReportSchedule.objects.get(user=world.md_supervisor)
    assert AuditEvent.objects.filter(action="statistics.report_scheduled", actor_id=world.md_supervisor.pk).exists()

    assert run_scheduled_reports(now=at(2026, 1, 5, 9)) == 1
    assert run_scheduled_reports(now=at(2026, 1, 20, 9)) == 0  # the same month: nothing twice
    made = ScheduledReport.objects.get(schedule=schedule)
    assert (made.period, made.year) == ("2026-01", 2025)
    with connection.cursor() as cursor:  # at rest: not the file, not its base64 ("UEsDB" is the XLSX's "PK\3\4")
        cursor.execute(f"SELECT content FROM {ScheduledReport._meta.db_table} WHERE id = %s", [made.pk])
        stored = cursor.fetchone()[0]
    assert "UEsDB" not in stored and len(stored) > 100
    note = Notification.objects.get(user=world.md_supervisor, kind="report_ready")
    assert note.case_reference == "" and note.link == reverse("statistics:report_schedules")
    made_events = [e.details for e in AuditEvent.objects.filter(action="statistics.report_made")]
    assert [(d["schedule"], d["period"], d["edition"]) for d in made_events] == [
        (str(schedule.uuid), "2026-01", "internal")]

    page = client.get(reverse("statistics:report_schedules"))
    url = reverse("statistics:scheduled_report", args=[made.uuid])
    assert page.status_code == 200 and url in page.content.decode()
    download = client.get(url)
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    lines = _xlsx_text(download.content).splitlines()
    assert "12" in lines and "2" in lines and "14" in lines  # the internal edition's exact figures of 2025
    read = AuditEvent.objects.get(action="statistics.annual_report", actor_id=world.md_supervisor.pk)
    assert read.details["scheduled"] == str(schedule.uuid) and read.details["period"] == "2026-01"

    assert run_scheduled_reports(now=at(2026, 2, 1, 0, 30)) == 1  # the next month: the year so far
    assert list(ScheduledReport.objects.filter(schedule=schedule).values_list("period", "year")) == [
        ("2026-02", 2026), ("2026-01", 2025)]


@pytest.mark.django_db
def test_nobody_else_finds_stops_or_downloads_an_order_or_its_reports(world, client):
    order(client, world.md_supervisor)
    schedule = ReportSchedule.objects.get()
    run_scheduled_reports(now=at(2026, 1, 5, 9))
    made = ScheduledReport.objects.get()
    client.force_login(world.analyst)  # may have the public edition, but this is not theirs
    assert client.get(reverse("statistics:scheduled_report", args=[made.uuid])).status_code == 404
    assert client.post(reverse("statistics:end_report_schedule", args=[schedule.uuid])).status_code == 404
    assert str(made.uuid) not in client.get(reverse("statistics:report_schedules")).content.decode()
    for bad in ("not-a-uuid", uuid.uuid4()):
        assert client.get(reverse("statistics:scheduled_report", args=[bad])).status_code == 404
    ReportSchedule.objects.get(pk=schedule.pk, ended_at__isnull=True)
    assert not AuditEvent.objects.filter(action="statistics.annual_report").exists()
    client.force_login(world.worker)  # a case worker gets no report at all
    assert client.get(reverse("statistics:report_schedules")).status_code == 403
    assert order(client, world.worker).status_code == 403
    assert ReportSchedule.objects.count() == 1


@pytest.mark.django_db
def test_the_analyst_may_order_the_public_edition_only(world, client):
    refused = order(client, world.analyst, edition="internal")
    assert refused.status_code == 400 and "Select a valid choice" in refused.content.decode()
    assert order(client, world.analyst, edition="public", frequency="yearly").status_code == 302
    schedule = ReportSchedule.objects.get(user=world.analyst)
    assert (schedule.edition, schedule.frequency) == ("public", "yearly")
    assert run_scheduled_reports(now=at(2026, 3, 1, 12)) == 1
    assert run_scheduled_reports(now=at(2026, 12, 31, 12)) == 0  # once a year
    made = ScheduledReport.objects.get()
    assert (made.period, made.year) == ("2026", 2025)
    lines = _xlsx_text(client.get(reverse("statistics:scheduled_report", args=[made.uuid])).content).splitlines()
    assert "2" not in lines and "14" in lines  # the two organ-removal cases withheld, as on the page


@pytest.mark.django_db
def test_the_owner_stops_the_order(world, client):
    order(client, world.md_supervisor)
    schedule = ReportSchedule.objects.get()
    response = client.post(reverse("statistics:end_report_schedule", args=[schedule.uuid]))
    assert response.status_code == 302
    assert client.get(reverse("statistics:end_report_schedule", args=[schedule.uuid])).status_code == 405
    assert run_scheduled_reports(now=at(2026, 1, 5, 9)) == 0 and not ScheduledReport.objects.exists()
    ended = AuditEvent.objects.get(action="statistics.report_schedule_ended")
    assert ended.actor_id == world.md_supervisor.pk and ended.details["reason"] == "stopped by its owner"


@pytest.mark.django_db
def test_an_owner_who_lost_the_role_gets_nothing_more(world, client):
    order(client, world.md_supervisor)
    run_scheduled_reports(now=at(2026, 1, 5, 9))
    made = ScheduledReport.objects.get()
    world.md_supervisor.memberships.update(active=False)  # the supervisor's role ended
    assert run_scheduled_reports(now=at(2026, 2, 1, 9)) == 0
    schedule = ReportSchedule.objects.get()
    assert schedule.ended_at is not None and ScheduledReport.objects.count() == 1
    assert AuditEvent.objects.filter(action="statistics.report_schedule_ended", actor_id=None).exists()
    client.force_login(world.md_supervisor)
    refused = client.get(reverse("statistics:scheduled_report", args=[made.uuid]))
    assert refused.status_code == 403
    assert not AuditEvent.objects.filter(action="statistics.annual_report").exists()
