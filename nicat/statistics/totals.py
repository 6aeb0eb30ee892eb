"""Stored totals: the analysts' counts of Nicat's cases, recounted from the cases by a periodic job of
`nicat worker` (`statistics.case_counts`, every TOTALS_EVERY seconds) instead of counting a national
registry on every page view.

For every dimension, and every pair of dimensions, the distinct cases by day of first contact (Baku
calendar) and value(s) — the same GROUP BY the live count runs (selectors.grouped_counts), with the day
added. A case has one day, so summing days gives the distinct cases of a period; the year of first contact
is the year of the day. The figures are therefore exactly what counting the cases gave at the recount
(tests/test_stored_totals.py compares them with a live count after changes); the page says when that was.
Each row also keeps the sum of its cases' ids (`id_sum`): summed over days like the counts (a case has one
day), it gives the key of a cell of the analysts' perturbed figures (nicat.statistics.perturbation), the
same as the live count's.
Supervisors (exact figures of the cases they may see) are always counted live.
"""
import time
from itertools import combinations

from django.db import transaction
from django.db.models.functions import TruncDate
from django.utils import timezone

from nicat.statistics.dimensions import BAKU, DIMENSIONS
from nicat.statistics.models import CaseCount, CaseCountsRefresh
from nicat.statistics.whole import whole_table

TOTALS_EVERY = 3600  # seconds between recounts
YEAR = "year"  # read from the day, not stored
BATCH = 5000


def stored_dimension_sets():
    """"" (every case), each dimension but the year, each pair of them (DIMENSIONS order)."""
    codes = [c for c in DIMENSIONS if c != YEAR]
    return [()] + [(c,) for c in codes] + list(combinations(codes, 2))


def refresh():
    """Recount every stored total from the cases, in one transaction (readers see the old totals until it
    commits). Returns a summary for the job's record: counts only."""
    from nicat.cases.models import Case
    from nicat.statistics.selectors import grouped_counts_and_sums

    started = time.perf_counter()
    with transaction.atomic():
        CaseCount.objects.all().delete()
        qs = whole_table(Case)
        day = TruncDate("first_contact_at", tzinfo=BAKU)
        cases = 0
        rows = 0
        for codes in stored_dimension_sets():
            name = "|".join(codes)
            counts, sums = grouped_counts_and_sums(qs, [DIMENSIONS[c] for c in codes], extra={"day": day})
            pending = []
            for key, n in counts.items():
                d, *values = key
                values = [_store(v) for v in values] + ["", ""]
                pending.append(CaseCount(dims=name, day=d, a=values[0], b=values[1], n=n, id_sum=sums[key]))
                if not codes:
                    cases += n
            for start in range(0, len(pending), BATCH):
                CaseCount.objects.bulk_create(pending[start:start + BATCH])
            rows += len(pending)
        CaseCountsRefresh.objects.all().delete()
        seconds = time.perf_counter() - started
        CaseCountsRefresh.objects.create(refreshed_at=timezone.now(), cases=cases, seconds=seconds)
    return {"cases": cases, "rows": rows, "seconds": round(seconds, 1)}


def _store(value):
    from nicat.statistics.selectors import UNKNOWN_VALUE

    return "" if value in (None, UNKNOWN_VALUE) else str(value)


def last_refresh():
    return CaseCountsRefresh.objects.order_by("-refreshed_at").first()


def stored_figures(dims, date_from=None, date_to=None):
    """({key: distinct cases}, {key: the sum of their ids}, cases in the period, the sum of their ids,
    recount) from the stored totals for `dims` (one or two Dimension), first contact within the period; None
    when the totals were never counted."""
    from nicat.statistics.selectors import UNKNOWN_VALUE

    recount = last_refresh()
    if recount is None:
        return None
    codes = [d.code for d in dims]
    rest = [c for c in codes if c != YEAR]
    order = [c for c in DIMENSIONS if c in rest]
    swapped = order != rest
    qs = CaseCount.objects.filter(dims="|".join(order))
    if date_from:
        qs = qs.filter(day__gte=date_from)
    if date_to:
        qs = qs.filter(day__lte=date_to)

    def value(code, raw):
        if raw == "":
            return UNKNOWN_VALUE
        dim = DIMENSIONS[code]
        return int(raw) if dim.institution or dim.year_of else raw

    counts, sums = {}, {}
    for day, a, b, n, id_sum in qs.values_list("day", "a", "b", "n", "id_sum").iterator(chunk_size=BATCH):
        stored = [value(c, raw) for c, raw in zip(order, (a, b), strict=False)]
        if swapped:
            stored.reverse()
        by_code = dict(zip(rest, stored, strict=True))
        if YEAR in codes:
            by_code[YEAR] = day.year if day else UNKNOWN_VALUE
        key = tuple(by_code[c] for c in codes)
        counts[key] = counts.get(key, 0) + n
        sums[key] = sums.get(key, 0) + id_sum
    every = CaseCount.objects.filter(dims="")
    if date_from:
        every = every.filter(day__gte=date_from)
    if date_to:
        every = every.filter(day__lte=date_to)
    total = total_sum = 0
    for n, id_sum in every.values_list("n", "id_sum"):
        total += n
        total_sum += id_sum
    return counts, sums, total, total_sum, recount
