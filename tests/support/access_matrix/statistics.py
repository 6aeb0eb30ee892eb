"""Access matrix entries of the statistics page (format: tests/support/matrix.py): analysts
(aggregates, small cells withheld) and supervisors (exact counts within their scope)."""
from tests.support.matrix import api, page

MATRIX = {
    "statistics:cases": page({"analyst", "supervisor"}, query={"by": "year", "then": "gender"}),
    "statistics:annual_report": page({"analyst", "supervisor"}),
    "statistics:calls": page({"analyst", "supervisor"}, query={"by": "reason", "then": "channel"}),
    "statistics-cases-list": api({"analyst", "supervisor"}, query={"by": "year,gender"}),
    "statistics-proceedings-list": api({"analyst", "supervisor"}, query={"by": "year,exploitation"}),
}
