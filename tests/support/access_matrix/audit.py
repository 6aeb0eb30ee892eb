"""Access matrix entries of the audit pages (format: tests/support/matrix.py)."""
from tests.support.matrix import page

SUPERVISOR = {"supervisor"}

MATRIX = {
    "audit:trail": page(SUPERVISOR),
    # Others are refused before the case is looked up (403); a supervisor gets 404 for a case they cannot see.
    "audit:case": page(SUPERVISOR, kwargs={"case_uuid": "case"}),
    "audit:person_report": page(SUPERVISOR, kwargs={"person_uuid": "person"}),
}
