"""Every change to the statistics sources: importing a published dataset (audited)."""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

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
    result = release.anonymise(release.registry_rows(), k=k)
    release.write_csv(result, fh)
    with transaction.atomic():
        record(actor=actor, action="statistics.release", details={
            "format": "ctdc", "k": k, "cases": result.cases, "rows": len(result.rows), "left_out": result.left_out,
            "blanked": result.blanked})
    return result


@replica_reads
def annual_report(*, actor, year, language, edition, fmt):
    """The national annual report of `year` as PDF or XLSX bytes; audited (who, which edition)."""
    from nicat.statistics import report

    if fmt not in ("pdf", "xlsx"):
        raise ValidationError({"format": _("Choose PDF or XLSX.")})
    if language not in ("az", "ru", "en"):
        raise ValidationError({"language": _("Choose Azerbaijani, Russian or English.")})
    if not 2000 <= int(year) <= 2100:
        raise ValidationError({"year": _("Choose a year between 2000 and 2100.")})
    data = report.build_report(year=int(year), language=language, edition=edition)
    content = report.render_pdf(data) if fmt == "pdf" else report.render_xlsx(data)
    with transaction.atomic():
        record(actor=actor, action="statistics.annual_report",
               details={"year": int(year), "language": language, "edition": edition, "format": fmt,
                        "bytes": len(content)})
    return content
