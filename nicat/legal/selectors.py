"""Reading the legal parameters for the page: what is in force on a day, and each figure's history."""
from nicat.core.calendar import baku_date, baku_today
from nicat.legal.models import LegalParameter
from nicat.legal.parameters import SPECS
from nicat.legal.services import in_force


def parameters_overview(on=None):
    """[{spec, current (row or None), rows (history, newest first), upcoming (rows after `on`)}] for each
    parameter, in the order of the registry. `on`: default today on the Baku calendar."""
    day = baku_date(on) if on is not None else baku_today()
    rows = {}
    for row in LegalParameter.objects.order_by("code", "-valid_from"):
        rows.setdefault(row.code, []).append(row)
    return [{"spec": s, "current": in_force(s.code, day), "rows": rows.get(s.code, []),
             "upcoming": [r for r in rows.get(s.code, []) if r.valid_from > day]} for s in SPECS]
