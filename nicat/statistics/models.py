"""Statistics sources: published datasets (CTDC) imported to stand beside Nicat's own figures.

A dataset holds published, already anonymised rows (CTDC releases are k-anonymous); it holds no
identifying data, and it is shown only as aggregates.
"""
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from nicat.privacy.fields import EncryptedTextField


class DatasetKind(models.TextChoices):
    CTDC = "ctdc", _("CTDC published dataset")


class Dataset(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=DatasetKind.choices, default=DatasetKind.CTDC)
    source = models.CharField(_("source"), max_length=255, blank=True)
    columns = models.JSONField(_("columns"), default=list)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    imported_at = models.DateTimeField(_("imported"), auto_now=True)
    imported_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("imported by"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("statistics dataset")
        verbose_name_plural = _("statistics datasets")

    def __str__(self):
        return self.name


class DatasetRow(models.Model):
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="rows")
    values = models.JSONField(default=list)  # one value per column, in the dataset's column order

    class Meta:
        verbose_name = _("dataset row")
        verbose_name_plural = _("dataset rows")

    def __str__(self):
        return f"{self.dataset_id}:{self.pk}"


class CaseCount(models.Model):
    """Stored totals of Nicat's cases for the analysts' figures: how many distinct cases first contacted on
    `day` (Baku calendar) have the value `a` of the first dimension of `dims` and `b` of the second.
    `dims` is "" (every case), one dimension code, or two joined by "|" (in the order of
    nicat.statistics.dimensions.DIMENSIONS); "" as a value is unknown. Only counts, recounted from the cases
    by the periodic job `statistics.case_counts` (nicat.statistics.totals). `id_sum` is the sum of those
    cases' ids: the key of the cell's perturbation (nicat.statistics.perturbation), not a case."""

    dims = models.CharField(max_length=80)
    day = models.DateField(null=True)
    a = models.CharField(max_length=80, blank=True)
    b = models.CharField(max_length=80, blank=True)
    n = models.PositiveIntegerField()
    id_sum = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["dims", "day"], name="statistics_casecount_dims_day")]
        verbose_name = _("stored case count")
        verbose_name_plural = _("stored case counts")

    def __str__(self):
        return f"{self.dims} {self.day} {self.a} {self.b}: {self.n}"


class CaseCountsRefresh(models.Model):
    """When the stored totals were last recounted (one row)."""

    refreshed_at = models.DateTimeField()
    cases = models.PositiveIntegerField()
    seconds = models.FloatField()

    class Meta:
        verbose_name = _("recount of stored case counts")
        verbose_name_plural = _("recounts of stored case counts")

    def __str__(self):
        return f"{self.refreshed_at:%Y-%m-%d %H:%M}"


class ReportFrequency(models.TextChoices):
    MONTHLY = "monthly", _("Every month: the year so far, at the start of each month")
    YEARLY = "yearly", _("Every year: the past year, in January")


class ReportSchedule(models.Model):
    """A supervisor's or analyst's standing order for the national annual report (issue 18: scheduled
    reports): the `statistics.reports` job of `nicat worker` builds it in the chosen edition, language and
    format when a period is due and keeps it for its owner only (`ScheduledReport`)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("for"))
    frequency = models.CharField(_("frequency"), max_length=10, choices=ReportFrequency.choices)
    edition = models.CharField(_("edition"), max_length=10)
    language = models.CharField(_("language"), max_length=2)
    format = models.CharField(_("format"), max_length=4)
    created_at = models.DateTimeField(_("ordered"), auto_now_add=True)
    ended_at = models.DateTimeField(_("stopped"), null=True, blank=True)
    last_period = models.CharField(_("last period made"), max_length=7, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("scheduled report")
        verbose_name_plural = _("scheduled reports")

    def __str__(self):
        return f"{self.frequency} {self.edition} {self.language}.{self.format}"


class ScheduledReport(models.Model):
    """One report made by a schedule: the file (encrypted at rest like every stored text: the internal
    edition's exact small counts are not for everyone), the period it was made for and the year it covers."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    schedule = models.ForeignKey(ReportSchedule, on_delete=models.CASCADE, related_name="reports")
    period = models.CharField(_("period"), max_length=7)  # "2026-12" (monthly) or "2026" (yearly)
    year = models.PositiveSmallIntegerField(_("year"))
    made_at = models.DateTimeField(_("made"), auto_now_add=True)
    size = models.PositiveIntegerField(_("bytes"), default=0)
    content = EncryptedTextField(_("file"))  # base64 of the PDF or XLSX

    class Meta:
        ordering = ["-made_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["schedule", "period"], name="scheduled_report_once")]
        verbose_name = _("made report")
        verbose_name_plural = _("made reports")

    def __str__(self):
        return f"{self.schedule_id}:{self.period}"
