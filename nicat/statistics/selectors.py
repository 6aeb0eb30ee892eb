"""Every read of the statistics: frequency tables with small cells suppressed."""
from collections import Counter

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from nicat.statistics import suppression
from nicat.statistics.models import Dataset


def dataset_named(name):
    try:
        return Dataset.objects.get(name=name)
    except Dataset.DoesNotExist:
        known = ", ".join(Dataset.objects.values_list("name", flat=True)) or _("none yet")
        raise ValidationError(_("No dataset named %(name)s (imported: %(known)s).")
                              % {"name": name, "known": known}) from None


def dataset_table(*, dataset, by, k=None):
    """The frequency table of `dataset` by the columns `by` (the dataset's own names and values).

    Returns {"cells": [{col: value, …, "count": n or None}], "suppressed_cells": S,
    "suppressed_records": R}: with `k`, a cell of fewer than k records has "count": None and is
    counted in S, its records in R (primary suppression: the table is published without totals).
    """
    by = list(by)
    if not by:
        raise ValidationError(_("Name at least one column to count by."))
    unknown = [c for c in by if c not in dataset.columns]
    if unknown:
        raise ValidationError(_("%(dataset)s has no column %(columns)s; its columns are: %(known)s.")
                              % {"dataset": dataset.name, "columns": ", ".join(unknown),
                                 "known": ", ".join(dataset.columns)})
    if len(set(by)) != len(by):
        raise ValidationError(_("Name each column once."))
    if k is not None and k < 1:
        raise ValidationError(_("k must be a whole number of at least 1."))
    positions = [dataset.columns.index(c) for c in by]
    counts = Counter()
    for values in dataset.rows.values_list("values", flat=True).iterator(chunk_size=5000):
        counts[tuple(values[i] for i in positions)] += 1
    withheld = suppression.primary(counts, k) if k else set()
    cells = []
    for key in sorted(counts, key=lambda t: tuple((v == "unknown", v) for v in t)):
        cell = dict(zip(by, key, strict=True))
        cell["count"] = None if key in withheld else counts[key]
        cells.append(cell)
    return {"cells": cells, "suppressed_cells": len(withheld),
            "suppressed_records": sum(counts[key] for key in withheld)}
