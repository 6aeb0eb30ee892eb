"""Criminal proceedings in the statistics (issue 17, item 7): the figures international reviews ask for —
investigations, prosecutions and convictions — by year, and by year and form of exploitation.

- **investigations**: criminal cases opened in the year (`opened_on`);
- **prosecutions**: criminal cases that went to court in the year (the first change of stage to
  "in court");
- **convictions**: criminal cases with a verdict of conviction (in full or of some accused) in the year.

A criminal case is counted once however many victims' cases record it (its number's blind index, else
the record). The form of exploitation is the victim's case's (a criminal case counts under each of its
forms: those tables do not add up, and are published without totals).

Who sees what, as for the cases' statistics: analysts the whole country with small cells withheld
(nicat.statistics.suppression, k = 11 by default; a one-dimensional table with its total gets the
secondary suppression too); supervisors exact counts — only of the cases whose investigation file they may
see (law enforcement), never more. Every read is audited.
"""
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nicat.core.replica import replica_reads
from nicat.statistics import suppression
from nicat.statistics.selectors import UNKNOWN_VALUE, StatisticsNotAllowed, statistics_audience
from nicat.statistics.whole import whole_table

MEASURES = {
    "investigations": gettext_lazy("Investigations (criminal cases opened)"),
    "prosecutions": gettext_lazy("Prosecutions (criminal cases sent to court)"),
    "convictions": gettext_lazy("Convictions (criminal cases with a conviction)"),
}
BY = ("year", "exploitation")


def _criminal_cases(user, audience):
    from nicat.access.sections import INVESTIGATION
    from nicat.proceedings.models import CriminalCase
    from nicat.proceedings.selectors import case_ids_with_section

    qs = whole_table(CriminalCase)
    if audience == "exact":
        qs = qs.filter(case_id__in=case_ids_with_section(user, INVESTIGATION))
    return qs


def _facts(qs):
    """[(measure, year, criminal case key, case id)] of the criminal cases in `qs`."""
    from nicat.proceedings.models import CONVICTIONS, Stage, StageChange

    rows = list(qs.values_list("pk", "case_id", "number_index", "opened_on", "verdict_on", "verdict_outcome"))
    to_court = {}
    for cc_id, day in (whole_table(StageChange).filter(criminal_case_id__in=[r[0] for r in rows],
                                                           to_stage=Stage.IN_COURT)
                       .order_by("changed_on").values_list("criminal_case_id", "changed_on")):
        to_court.setdefault(cc_id, day)
    facts = []
    for pk, case_id, index, opened_on, verdict_on, outcome in rows:
        key = index or f"pk:{pk}"
        facts.append(("investigations", opened_on.year, key, case_id))
        if pk in to_court:
            facts.append(("prosecutions", to_court[pk].year, key, case_id))
        if verdict_on and outcome in CONVICTIONS:
            facts.append(("convictions", verdict_on.year, key, case_id))
    return facts


@replica_reads
def proceedings_table(*, user, by=("year",), year_from=None, year_to=None, k=None):
    """{"by", "k", "measures": [{"code", "label", "cells": [{"year", ["exploitation"], "count"}],
    "total"}]}: counts of distinct criminal cases; `count`/`total` None where withheld."""
    from nicat.audit.services import record

    audience = statistics_audience(user)
    if audience is None:
        raise StatisticsNotAllowed
    by = tuple(by)
    if by not in (("year",), ("year", "exploitation")):
        raise ValidationError(_("Count by year, or by year and form of exploitation."))
    if year_from and year_to and year_from > year_to:
        raise ValidationError(_("The period starts after it ends."))
    k = suppression.DEFAULT_K if k is None else k

    def in_period(year):
        return (not year_from or year >= year_from) and (not year_to or year <= year_to)

    facts = _facts(_criminal_cases(user, audience))
    if audience != "aggregates":
        facts = [f for f in facts if in_period(f[1])]
    # The analysts' cells are withheld as in the whole table, whatever the period asked: a period only chooses the
    # years shown. Decided on the period's own table, a year withheld there could be recovered from two periods'
    # totals (2024–2025 minus 2025 alone).
    forms = defaultdict(set)
    if "exploitation" in by:
        from nicat.cases.models import Case

        for case_id, code in (whole_table(Case).filter(pk__in={f[3] for f in facts})
                              .values_list("pk", "exploitation_forms__code")):
            forms[case_id].add(code or UNKNOWN_VALUE)
    measures = []
    for code, label in MEASURES.items():
        keys = defaultdict(set)
        all_keys, period_keys = set(), set()
        for measure, year, key, case_id in facts:
            if measure != code:
                continue
            all_keys.add(key)
            if in_period(year):
                period_keys.add(key)
            if by == ("year",):
                keys[(year,)].add(key)
            else:
                for form in forms.get(case_id) or {UNKNOWN_VALUE}:
                    keys[(year, form)].add(key)
        counts = {cell: len(v) for cell, v in keys.items()}
        total = len(all_keys)
        withheld, total_withheld = set(), False
        if audience == "aggregates":
            if by == ("year",):
                withheld, _rows, _cols = suppression.suppress(counts, k, margins=True) if counts else (set(), 0, 0)
            else:
                withheld = suppression.primary(counts, k)
            total_withheld = 0 < total < k
            if total_withheld:
                withheld = {cell for cell, n in counts.items() if n > 0}
        shown = [cell for cell in counts if in_period(cell[0])]
        cells = []
        for cell in sorted(shown, key=lambda c: (c[0], *(str(v) for v in c[1:]))):
            item = {"year": cell[0], "count": None if cell in withheld else counts[cell]}
            if len(cell) == 2:
                item["exploitation"] = cell[1]
            cells.append(item)
        if len(period_keys) != total:  # a part of the table: its total only when none of its years is withheld
            total_withheld = total_withheld or any(cell in withheld for cell in shown)
        measures.append({"code": code, "label": str(label), "cells": cells,
                         "total": None if total_withheld else len(period_keys)})
    with transaction.atomic():
        record(actor=user, action="statistics.proceedings.view",
               details={"by": list(by), "from": year_from or "", "to": year_to or "", "audience": audience,
                        "k": k if audience == "aggregates" else None})
    return {"by": list(by), "k": k if audience == "aggregates" else None, "measures": measures}


def view_model(table):
    """The table for the page: per measure, rows of (year, [form label], figure)."""
    from nicat.statistics.selectors import value_labels

    forms = {c.get("exploitation") for m in table["measures"] for c in m["cells"] if "exploitation" in c}
    labels = value_labels("exploitation", sorted(f for f in forms if f)) if forms else {}
    for measure in table["measures"]:
        for cell in measure["cells"]:
            cell["label"] = labels.get(cell.get("exploitation"), "")
            cell["figure"] = {"withheld": True} if cell["count"] is None else {"count": cell["count"]}
        measure["total_figure"] = {"withheld": True} if measure["total"] is None else {"count": measure["total"]}
    return table
