"""Statistics sources: published datasets (CTDC) imported to stand beside Nicat's own figures.

A dataset holds published, already anonymised rows (CTDC releases are k-anonymous); it holds no
identifying data, and it is shown only as aggregates.
"""
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


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
    by the periodic job `statistics.case_counts` (nicat.statistics.totals)."""

    dims = models.CharField(max_length=80)
    day = models.DateField(null=True)
    a = models.CharField(max_length=80, blank=True)
    b = models.CharField(max_length=80, blank=True)
    n = models.PositiveIntegerField()

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
