"""Every change to the statistics sources: importing a published dataset (audited)."""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from nicat.audit.services import record
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
