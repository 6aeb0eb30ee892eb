"""Every change to the statistics sources: importing a published dataset, the annual report and its
standing orders (all audited)."""
import base64
import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from nicat.access.policy import Refused
from nicat.audit.services import record
from nicat.core.replica import replica_reads
from nicat.statistics import ctdc
from nicat.statistics.models import Dataset, DatasetKind, DatasetRow

BATCH = 2000


class InvalidFile(ValidationError):
    """The file has problems; `problems` lists each with its line and column. Nothing was written."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__([str(p) for p in problems], code="invalid_file")


def import_ctdc(*, actor, data, dataset, source=""):
    """Imports a published CTDC file (CSV text or bytes) as the statistics dataset `dataset`,
    replacing a dataset of that name in the same transaction. Every row is checked first; with any
    problem nothing is written and InvalidFile lists them."""
    name = (dataset or "").strip()
    if not name or len(name) > 80 or any(ord(ch) < 32 for ch in name):
        raise ValidationError({"dataset": _("Name the dataset: 1 to 80 printable characters.")})
    parsed = ctdc.parse(data)
    if parsed.problems:
        raise InvalidFile(parsed.problems)
    with transaction.atomic():
        old = Dataset.objects.filter(name=name).first()
        replaced = None
        if old is not None:
            replaced = {"rows": old.row_count, "columns": old.columns}
            old.delete()
        ds = Dataset.objects.create(name=name, kind=DatasetKind.CTDC, source=source[:255], columns=parsed.columns,
                                    row_count=len(parsed.rows),
                                    imported_by=actor if getattr(actor, "is_authenticated", False) else None)
        for start in range(0, len(parsed.rows), BATCH):
            DatasetRow.objects.bulk_create(
                [DatasetRow(dataset=ds, values=values) for values in parsed.rows[start:start + BATCH]])
        record(actor=actor, action="statistics.dataset_import", obj=ds,
               details={"dataset": name, "kind": ds.kind, "rows": ds.row_count, "columns": len(ds.columns),
                        "replaced": replaced})
    return ds


def ctdc_release(*, actor, k, fh):
    """Writes the k-anonymous CTDC release of every case to `fh` (CSV) and audits it. Only
    aggregate-safe rows leave: no name, date, place or reference; see nicat/statistics/release.py."""
    from nicat.statistics import release

    if k < 2:
        raise ValidationError({"k": _("k must be at least 2 for a release.")})
    from nicat.consent.models import Consent, Purpose
    from nicat.consent.services import refusing_case_ids
    from nicat.statistics.whole import whole_table

    # A person who refused (or withdrew) the use of their case for research is left out, anonymised or not.
    refused = refusing_case_ids(whole_table(Consent), Purpose.RESEARCH)
    result = release.anonymise(release.registry_rows(refused=refused), k=k)
    result.refused = len(refused)
    release.write_csv(result, fh)
    with transaction.atomic():
        record(actor=actor, action="statistics.release", details={
            "format": "ctdc", "k": k, "cases": result.cases, "rows": len(result.rows), "left_out": result.left_out,
            "blanked": result.blanked, "refused": result.refused})
    return result


@replica_reads
def annual_report(*, actor, year, language, edition, fmt):
    """The national annual report of `year` as PDF or XLSX bytes; audited (who, which edition)."""
    from nicat.statistics import report

    _report_choices(language=language, fmt=fmt)
    if not 2000 <= int(year) <= 2100:
        raise ValidationError({"year": _("Choose a year between 2000 and 2100.")})
    data = report.build_report(year=int(year), language=language, edition=edition)
    content = report.render_pdf(data) if fmt == "pdf" else report.render_xlsx(data)
    with transaction.atomic():
        record(actor=actor, action="statistics.annual_report",
               details={"year": int(year), "language": language, "edition": edition, "format": fmt,
                        "bytes": len(content)})
    return content


# --- Scheduled reports (issue 18: the jobs `nicat worker` runs without a person) -------------------------------

def _report_choices(*, language, fmt):
    if fmt not in ("pdf", "xlsx"):
        raise ValidationError({"format": _("Choose PDF or XLSX.")})
    if language not in ("az", "ru", "en"):
        raise ValidationError({"language": _("Choose Azerbaijani, Russian or English.")})


def schedule_report(*, actor, frequency, edition, language, fmt):
    """`actor` orders the annual report made for them every month or year (`run_scheduled_reports`), in an
    edition they may have; audited."""
    from nicat.statistics.models import ReportFrequency, ReportSchedule
    from nicat.statistics.selectors import report_editions

    _report_choices(language=language, fmt=fmt)
    if frequency not in ReportFrequency.values:
        raise ValidationError({"frequency": _("Choose every month or every year.")})
    editions = report_editions(actor)
    if not editions:
        raise Refused(_("Only supervisors and analysts receive the annual report."))
    if edition not in editions:
        raise ValidationError({"edition": _("Your role receives the public edition only.")})
    with transaction.atomic():
        schedule = ReportSchedule.objects.create(user=actor, frequency=frequency, edition=edition,
                                                 language=language, format=fmt)
        record(actor=actor, action="statistics.report_scheduled", obj=schedule,
               details={"frequency": frequency, "edition": edition, "language": language, "format": fmt})
    return schedule


def end_report_schedule(*, actor, schedule_uuid):
    """`actor` stops their own standing order (another person's is not found: NotAllowed); audited."""
    from nicat.statistics.selectors import own_report_schedule

    with transaction.atomic():
        schedule = own_report_schedule(actor, schedule_uuid, for_update=True)
        if schedule.ended_at is None:
            schedule.ended_at = timezone.now()
            schedule.save(update_fields=["ended_at"])
            record(actor=actor, action="statistics.report_schedule_ended", obj=schedule,
                   details={"reason": "stopped by its owner"})
    return schedule


def due_period(frequency, today):
    """(period, year) a schedule of `frequency` makes on `today` (a Baku date): every month the year up to
    the month before ("2027-02" covers 2027; in January the whole past year), every year the past year."""
    from nicat.statistics.models import ReportFrequency

    if frequency == ReportFrequency.MONTHLY:
        return f"{today:%Y-%m}", (today.replace(day=1) - datetime.timedelta(days=1)).year
    return f"{today.year}", today.year - 1


def run_scheduled_reports(*, now=None):
    """The periodic job `statistics.reports`: each running schedule whose period is due gets its report
    made, kept encrypted for its owner, announced to them (kind and link only; e-mailed when e-mail is on)
    and audited (`statistics.report_made`). An owner who may no longer have the edition (the role ended,
    the account was deactivated) gets nothing: the schedule is stopped and that is audited. Returns how
    many reports were made."""
    from django.urls import reverse

    from nicat.accounts.models import User
    from nicat.referrals.notify import notify_users
    from nicat.statistics import report
    from nicat.statistics.models import ReportSchedule, ScheduledReport
    from nicat.statistics.selectors import report_editions

    now = now or timezone.now()
    today = timezone.localtime(now, report.BAKU).date()
    made = 0
    for schedule in ReportSchedule.objects.filter(ended_at__isnull=True).order_by("id"):
        period, year = due_period(schedule.frequency, today)
        if schedule.last_period == period:
            continue
        owner = User.objects.get(pk=schedule.user_id)  # its roles as they are now
        if not owner.is_active or schedule.edition not in report_editions(owner):
            with transaction.atomic():
                ReportSchedule.objects.filter(pk=schedule.pk, ended_at__isnull=True).update(ended_at=now)
                record(actor=None, action="statistics.report_schedule_ended", obj=schedule,
                       institution=None, details={"reason": "the owner may no longer receive this edition"})
            continue
        with replica_reads():  # counted where the annual report on request is counted
            data = report.build_report(year=year, language=schedule.language, edition=schedule.edition)
        content = report.render_pdf(data) if schedule.format == "pdf" else report.render_xlsx(data)
        with transaction.atomic():
            # the period is claimed in the same transaction: a second worker's run makes nothing twice
            claimed = (ReportSchedule.objects.filter(pk=schedule.pk, ended_at__isnull=True)
                       .exclude(last_period=period).update(last_period=period))
            if not claimed:
                continue
            made_report = ScheduledReport.objects.create(
                schedule=schedule, period=period, year=year, size=len(content),
                content=base64.b64encode(content).decode("ascii"))
            record(actor=None, action="statistics.report_made", obj=made_report, details={
                "schedule": str(schedule.uuid), "period": period, "year": year, "edition": schedule.edition,
                "language": schedule.language, "format": schedule.format, "bytes": len(content)})
            notify_users(users=[owner], kind="report_ready", case_reference="",
                         link=reverse("statistics:report_schedules"))
        made += 1
    return made


def scheduled_report_file(*, actor, report_uuid):
    """(bytes, file name, content type) of a made report, for its owner while they may still have its
    edition; audited as a download of the annual report. Anyone else: NotAllowed (the file is not found)."""
    from nicat.statistics.selectors import own_scheduled_report, report_editions

    made = own_scheduled_report(actor, report_uuid)
    schedule = made.schedule
    if schedule.edition not in report_editions(actor):
        raise Refused(_("Your role no longer receives this edition of the report."))
    content = base64.b64decode(made.content)
    with transaction.atomic():
        record(actor=actor, action="statistics.annual_report", obj=made, details={
            "year": made.year, "language": schedule.language, "edition": schedule.edition,
            "format": schedule.format, "bytes": len(content), "scheduled": str(schedule.uuid),
            "period": made.period})
    suffix = "-public" if schedule.edition == "public" else ""
    kind = "application/pdf" if schedule.format == "pdf" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    name = f"annual-report-{made.year}-{schedule.language}{suffix}-{made.period}.{schedule.format}"
    return content, name, kind
