"""Access matrix entries of the audit pages (format: tests/support/matrix.py)."""
from tests.support.matrix import page

SUPERVISOR = {"supervisor"}

MATRIX = {
    # Filtered to the openings of security measures: their reasons (free text that may describe the person, which
    # MatrixWorld.enrich writes) are on the first page.
    "audit:trail": page(SUPERVISOR, query={"action": "security.list"}),
    # Others are refused before the case is looked up (403); a supervisor gets 404 for a case they cannot see.
    "audit:case": page(SUPERVISOR, kwargs={"case_uuid": "case"}),
    "audit:person_report": page(SUPERVISOR, kwargs={"person_uuid": "person"}),
}
