"""Every read of the statistics: frequency tables with small cells suppressed."""
import datetime
from collections import Counter

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from nicat.access import policy
from nicat.core.calendar import baku_day_start
from nicat.core.replica import replica_reads
from nicat.statistics import suppression
from nicat.statistics.models import Dataset
from nicat.statistics.whole import whole_table


def dataset_named(name):
    try:
        return Dataset.objects.get(name=name)
    except Dataset.DoesNotExist:
        known = ", ".join(Dataset.objects.values_list("name", flat=True)) or _("none yet")
        raise ValidationError(_("No dataset named %(name)s (imported: %(known)s).")
                              % {"name": name, "known": known}) from None


@replica_reads
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


# --- Nicat's own cases -----------------------------------------------------------------------------

class StatisticsNotAllowed(Exception):
    """The user's role sees no statistics."""


def statistics_audience(user):
    """"aggregates" for analysts (all cases, small cells withheld), "exact" for supervisors (the
    cases within their scope, exact counts), None for everybody else."""
    from nicat.accounts.models import Role

    if policy.has_role(user, Role.SUPERVISOR):
        return "exact"
    if policy.is_analyst(user):
        return "aggregates"
    return None


def _cases_for(user, audience):
    from nicat.cases.models import Case

    if audience == "exact":
        return Case.objects.visible_to(user)
    # Aggregates over every case, for the analyst: only counts leave this function, with small
    # cells withheld below; no row of a case is ever returned.
    return whole_table(Case)


@replica_reads
def case_table(*, user, by, date_from=None, date_to=None, k=None):
    """Counts of Nicat's cases (distinct cases) by one or two dimensions, first contact within the
    period. Analysts get every case with small cells (and what would recover them) withheld;
    supervisors get exact counts of the cases they may see. The read is audited."""
    from django.db import transaction

    from nicat.audit.services import record
    from nicat.statistics.dimensions import DIMENSIONS
    from nicat.statistics.totals import stored_figures

    audience = statistics_audience(user)
    if audience is None:
        raise StatisticsNotAllowed
    dims = []
    for code in by:
        if code not in DIMENSIONS:
            raise ValidationError(_("Unknown dimension %(code)s; choose from: %(known)s.")
                                  % {"code": code, "known": ", ".join(DIMENSIONS)})
        dims.append(DIMENSIONS[code])
    if not 1 <= len(dims) <= 2 or len({d.code for d in dims}) != len(dims):
        raise ValidationError(_("Choose one dimension, or two different ones."))
    if date_from and date_to and date_from > date_to:
        raise ValidationError(_("The period starts after it ends."))
    k = suppression.DEFAULT_K if k is None else k
    additive = not any(d.multi for d in dims)
    aggregates = audience == "aggregates"
    stored = stored_figures(dims, date_from, date_to) if aggregates else None
    if stored is not None:
        # The analysts' figures: the stored totals of the last recount (nicat.statistics.totals).
        counts, sums, total, total_sum, recount = stored
    else:
        recount = None
        qs = _cases_for(user, audience)
        # The period as instants (local midnights), not the date of every row: an indexed range.
        if date_from:
            qs = qs.filter(first_contact_at__gte=_day_start(date_from))
        if date_to:
            qs = qs.filter(first_contact_at__lt=_day_start(date_to + datetime.timedelta(days=1)))
        if not aggregates:
            for section in sorted({d.section for d in dims if d.section}):
                qs = _with_section(qs, user, section)
        if aggregates:  # the sums of the ids make the cells' keys (nicat.statistics.perturbation)
            counts, sums = grouped_counts_and_sums(qs, dims)
        else:
            counts, sums = grouped_counts(qs, dims), {}
        # Additive: every case is in exactly one cell, so the cells add up to the cases counted.
        if additive:
            total, total_sum = sum(counts.values()), sum(sums.values())
        elif aggregates:
            total, total_sum = _count_and_sum(qs, distinct=True)
        else:
            total, total_sum = qs.order_by().values("pk").distinct().count(), 0
    table = _shape(dims, counts, total, additive)
    table["as_of"] = recount.refreshed_at if recount else None
    table["perturbed"] = aggregates
    table["sections"] = [] if aggregates else sorted({d.section for d in dims if d.section})
    if aggregates:
        _withhold(table, counts, k, additive)
        _perturb(table, sums, total_sum, k)
    else:
        table["k"] = None
    with transaction.atomic():
        record(actor=user, action="statistics.view",
               details={"by": [d.code for d in dims], "from": str(date_from or ""), "to": str(date_to or ""),
                        "audience": audience, "k": table["k"]})
    return table


def _with_section(qs, user, section):
    """The cases of `qs` (read through `visible_to(user)`) of which `user` may see `section` (`policy.section_q`):
    a supervisor's exact figures by a value the case shows only in that section (the person's gender and
    citizenship: her identity) count only those — a referral sharing only the medical section must not have the
    gender told by a table."""
    return qs.filter(policy.section_q(user, section, qs))


def grouped_counts(qs, dims, extra=None):
    """{key: distinct cases of `qs`} by the values of `dims` (unknown as UNKNOWN_VALUE), the key led by the
    values of the `extra` expressions ({name: expression}) when given. One GROUP BY."""
    return _grouped(qs, dims, extra, sums=False)[0]


def grouped_counts_and_sums(qs, dims, extra=None):
    """({key: distinct cases}, {key: the sum of their ids}) as grouped_counts, in the same GROUP BY: the sums
    make the cells' keys of the analysts' perturbed figures (nicat.statistics.perturbation)."""
    return _grouped(qs, dims, extra, sums=True)


def _grouped(qs, dims, extra, *, sums):
    from django.db.models import Count, Sum

    extra = extra or {}
    names = [f"d{i}" for i in range(len(dims))]
    # A case counts once per cell: DISTINCT is needed only where a multi-valued dimension joins a
    # case's several values (the sort it costs is most of such a query).
    distinct = any(d.multi for d in dims)
    aggregates = {"n": Count("pk", distinct=distinct)}
    if sums:
        aggregates["s"] = Sum("pk", distinct=distinct)
    grouped = qs.order_by().values(**extra, **{n: d.expression(qs) for n, d in zip(names, dims, strict=True)}) \
        .annotate(**aggregates)
    counts, id_sums = {}, {}
    for row in grouped:
        key = tuple(row[e] for e in extra) + tuple(_value(row[n]) for n in names)
        counts[key] = counts.get(key, 0) + row["n"]
        if sums:  # PostgreSQL's SUM of a bigint is a numeric (Decimal): back to a Python int
            id_sums[key] = id_sums.get(key, 0) + int(row["s"] or 0)
    return counts, id_sums


def _count_and_sum(qs, *, distinct=False):
    """(records of `qs`, the sum of their ids); `distinct` where a join could repeat a record."""
    from django.db.models import Count, Sum

    row = qs.order_by().aggregate(n=Count("pk", distinct=distinct), s=Sum("pk", distinct=distinct))
    return row["n"], int(row["s"] or 0)


def _day_start(day):
    """The period's bounds are Baku days, as the stored totals' days are (nicat.core.calendar)."""
    return baku_day_start(day)


def _value(raw):
    return UNKNOWN_VALUE if raw in (None, "") else raw


UNKNOWN_VALUE = "unknown"


def _shape(dims, counts, total, additive):
    rows = sorted({key[0] for key in counts}, key=_sort_key)
    cols = sorted({key[1] for key in counts}, key=_sort_key) if len(dims) == 2 else []
    table = {
        "dimensions": [d.code for d in dims], "multi": [d.multi for d in dims], "additive": additive,
        "rows": rows, "columns": cols, "counts": dict(counts), "withheld": set(),
        "row_totals": {}, "column_totals": {}, "hidden_row_totals": set(), "hidden_column_totals": set(),
        "total": total, "total_withheld": False, "k": None,
    }
    if len(dims) == 2:
        # A row's total is shown only where the columns split every case once (single-valued).
        if not dims[1].multi:
            for (a, _b), n in counts.items():
                table["row_totals"][a] = table["row_totals"].get(a, 0) + n
        if not dims[0].multi:
            for (_a, b), n in counts.items():
                table["column_totals"][b] = table["column_totals"].get(b, 0) + n
    return table


def _withhold(table, counts, k, additive):
    table["k"] = k
    if additive:
        withheld, hidden_rows, hidden_cols = suppression.suppress(counts, k, margins=True)
    else:
        withheld, hidden_rows, hidden_cols = suppression.primary(counts, k), set(), set()
        # Totals of a partly additive table are still small cells of their own.
        hidden_rows = {a for a, t in table["row_totals"].items() if 0 < t < k}
        hidden_cols = {b for b, t in table["column_totals"].items() if 0 < t < k}
        if table["row_totals"] or table["column_totals"]:
            # One line of cells adds up to a shown total: never leave a single withheld cell in it.
            withheld, hidden_rows, hidden_cols = _protect_partial(table, counts, k, withheld, hidden_rows,
                                                                  hidden_cols)
    if 0 < table["total"] < k:  # the whole table counts fewer than k cases: nothing of it is shown
        withheld = {key for key, n in counts.items() if n > 0}
        hidden_rows, hidden_cols = set(table["row_totals"]), set(table["column_totals"])
    table["withheld"] = withheld
    table["hidden_row_totals"] = hidden_rows
    table["hidden_column_totals"] = hidden_cols
    table["total_withheld"] = 0 < table["total"] < k


def _perturb(table, sums, total_sum, k):
    """The analysts' figures, after suppression: every figure left visible — cells, row and column totals,
    the total — is replaced by its perturbed value (nicat.statistics.perturbation), from its records' ids
    (`sums`: {cell key: sum of ids}; a total's are its cells' or `total_sum`). A withheld figure stays
    withheld (its true count is kept here and never shown)."""
    from nicat.statistics.perturbation import multiplier, published

    a = multiplier()
    counts = table["counts"]
    row_sums, col_sums = {}, {}
    for key, s in sums.items():
        if len(key) == 2:
            row_sums[key[0]] = row_sums.get(key[0], 0) + s
            col_sums[key[1]] = col_sums.get(key[1], 0) + s
    for key, n in list(counts.items()):
        if key not in table["withheld"]:
            counts[key] = published(n, sums.get(key, 0), k, a, total_sum)
    for totals, hidden, id_sums in ((table["row_totals"], table["hidden_row_totals"], row_sums),
                                    (table["column_totals"], table["hidden_column_totals"], col_sums)):
        for value, n in list(totals.items()):
            if value not in hidden:
                totals[value] = published(n, id_sums.get(value, 0), k, a, total_sum)
    if not table["total_withheld"]:
        table["total"] = published(table["total"], total_sum, k, a, total_sum)


def _protect_partial(table, counts, k, withheld, hidden_rows, hidden_cols):
    withheld = set(withheld)
    changed = True
    while changed:
        changed = False
        for a in table["row_totals"]:
            if a in hidden_rows:
                continue
            line = [((a, b), n) for (x, b), n in counts.items() if x == a]
            outcome = suppression._protect_line(withheld, line)
            if outcome == "hide-total":
                hidden_rows.add(a)
            changed |= bool(outcome)
        for b in table["column_totals"]:
            if b in hidden_cols:
                continue
            line = [((a, b), n) for (a, y), n in counts.items() if y == b]
            outcome = suppression._protect_line(withheld, line)
            if outcome == "hide-total":
                hidden_cols.add(b)
            changed |= bool(outcome)
    return withheld, hidden_rows, hidden_cols


def _sort_key(value):
    return (value == UNKNOWN_VALUE, isinstance(value, str), value if not isinstance(value, str) else value.lower())


def value_labels(dimension_code, values, dimensions=None):
    """{value: label in the active language} for the values of one dimension (of `dimensions`, by default
    the cases')."""
    from django.apps import apps
    from django.utils.translation import gettext

    from nicat.statistics.dimensions import DIMENSIONS

    dim = (dimensions or DIMENSIONS)[dimension_code]
    labels = {UNKNOWN_VALUE: gettext("unknown")}
    wanted = [v for v in values if v != UNKNOWN_VALUE]
    if dim.vocabulary:
        from nicat.vocab.models import Term

        for term in Term.objects.filter(vocabulary=dim.vocabulary, code__in=wanted):
            labels[term.code] = term.label
    elif dim.institution:
        for inst in apps.get_model("directory", "Institution").objects.filter(pk__in=wanted):
            labels[inst.pk] = inst.name
    elif dim.choices is not None:
        labels.update({c.value: str(c.label) for c in dim.choices})
    return {v: labels.get(v, str(v)) for v in values}


# --- The hotline's contacts (issue 16) ------------------------------------------------------------

def call_audience(user):
    """"exact" for the hotline's supervisors (their own hotline's contacts), "aggregates" for analysts and
    other supervisors (every contact, small cells withheld), None for everybody else."""
    from nicat.access.predicates import hotline_institution_ids

    audience = statistics_audience(user)
    if audience == "exact" and not hotline_institution_ids(user):
        return "aggregates"
    return audience


@replica_reads
def call_table(*, user, by, date_from=None, date_to=None, k=None):
    """Counts of the hotline's contacts by one or two dimensions (statistics.dimensions.CALL_DIMENSIONS),
    with the prevention indicator: consultations on a job offer abroad. The same suppression as the
    cases' table: for aggregates, a figure under k — and any figure that would give it away — is
    withheld. The read is audited. Only counts leave this function."""
    from django.db import transaction

    from nicat.audit.services import record
    from nicat.hotline.models import Contact, Reason
    from nicat.statistics.dimensions import CALL_DIMENSIONS
    from nicat.statistics.perturbation import published

    audience = call_audience(user)
    if audience is None:
        raise StatisticsNotAllowed
    dims = []
    for code in by:
        if code not in CALL_DIMENSIONS:
            raise ValidationError(_("Unknown dimension %(code)s; choose from: %(known)s.")
                                  % {"code": code, "known": ", ".join(CALL_DIMENSIONS)})
        dims.append(CALL_DIMENSIONS[code])
    if not 1 <= len(dims) <= 2 or len({d.code for d in dims}) != len(dims):
        raise ValidationError(_("Choose one dimension, or two different ones."))
    if date_from and date_to and date_from > date_to:
        raise ValidationError(_("The period starts after it ends."))
    k = suppression.DEFAULT_K if k is None else k
    qs = Contact.objects.visible_to(user) if audience == "exact" else whole_table(Contact)
    if date_from:
        qs = qs.filter(started_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(started_at__date__lte=date_to)
    # A contact is in one cell of each dimension: no DISTINCT. The sums of the ids make the cells' keys of
    # the analysts' perturbed figures (nicat.statistics.perturbation).
    aggregates = audience == "aggregates"
    counts, sums = _grouped(qs, dims, None, sums=aggregates)
    total, total_sum = _count_and_sum(qs) if aggregates else (qs.count(), 0)
    table = _shape(dims, counts, total, True)
    table["perturbed"] = aggregates
    offers = qs.filter(reason=Reason.JOB_OFFER_ABROAD)
    job_offers, offers_sum = _count_and_sum(offers) if aggregates else (offers.count(), 0)
    if aggregates:
        _withhold(table, counts, k, True)
        # Withheld when small, or when the table withholds a figure of the same reason (it would give it away).
        gives_away = "reason" in table["dimensions"] and any(
            key[table["dimensions"].index("reason")] == Reason.JOB_OFFER_ABROAD for key in table["withheld"])
        withheld = 0 < job_offers < k or table["total_withheld"] or gives_away
        _perturb(table, sums, total_sum, k)
        table["job_offers"] = None if withheld else published(job_offers, offers_sum, k, table_sum=total_sum)
    else:
        table["k"] = None
        table["job_offers"] = job_offers
    with transaction.atomic():
        record(actor=user, action="statistics.calls_view",
               details={"by": [d.code for d in dims], "from": str(date_from or ""), "to": str(date_to or ""),
                        "audience": audience, "k": table["k"]})
    return table


def report_editions(user):
    """The editions of the annual report `user` may have: the internal one (exact figures) for the
    supervisors of the competent authority (the Main Department); the public one for them, other
    supervisors and analysts; none for everybody else."""
    from nicat.access.predicates import is_competent_supervisor

    if is_competent_supervisor(user):
        return ["internal", "public"]
    if statistics_audience(user):
        return ["public"]
    return []


def own_report_schedule(user, schedule_uuid, *, for_update=False):
    """`user`'s own standing order for the annual report; anyone else's, or none: NotAllowed (not found)."""
    from nicat.core.errors import NotAllowed
    from nicat.core.reads import as_uuid
    from nicat.statistics.models import ReportSchedule

    key = as_uuid(schedule_uuid)
    rows = ReportSchedule.objects.filter(uuid=key, user_id=user.pk) if key and user.pk else ReportSchedule.objects.none()
    schedule = (rows.select_for_update() if for_update else rows).first()
    if schedule is None:
        raise NotAllowed
    return schedule


def own_scheduled_report(user, report_uuid):
    """A report made for `user` by one of their schedules (running or stopped); anyone else's: NotAllowed."""
    from nicat.core.errors import NotAllowed
    from nicat.core.reads import as_uuid
    from nicat.statistics.models import ScheduledReport

    key = as_uuid(report_uuid)
    made = (ScheduledReport.objects.filter(uuid=key, schedule__user_id=user.pk).select_related("schedule").first()
            if key and user.pk else None)
    if made is None:
        raise NotAllowed
    return made


def report_schedules(user):
    """`user`'s standing orders, newest first, each with its made reports (newest first, without the files)."""
    from django.db.models import Prefetch

    from nicat.statistics.models import ReportSchedule, ScheduledReport

    if not user.pk:
        return []
    made = ScheduledReport.objects.defer("content").order_by("-made_at", "-id")
    return list(ReportSchedule.objects.filter(user_id=user.pk).prefetch_related(Prefetch("reports", queryset=made)))
