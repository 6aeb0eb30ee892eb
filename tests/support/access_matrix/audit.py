"""Access matrix entries of the audit pages (format: tests/support/matrix.py)."""
from tests.support.matrix import page

SUPERVISOR = {"supervisor"}

MATRIX = {
    # Filtered to the openings of security measures: their reasons (free text that may describe the person, which
    # MatrixWorld.enrich writes) are on the first page.
    "audit:trail": page(SUPERVISOR, query={"action": "security.list"}),
    # Others are refused before the case is looked up (403); a supervisor gets 404 for a case they cannot see.
    # A case of the supervisor's institution whose few events include a reason (MatrixWorld.enrich): on the
    # first page of its trail, which the busy cases of the walk push off it.
    "audit:case": page(SUPERVISOR, kwargs={"case_uuid": "case_with_reason"}),
    "audit:person_report": page(SUPERVISOR, kwargs={"person_uuid": "person"}),
}


def case_with_reason(world, role, own):
    """For a supervisor: a new, enriched case of the Main Department (someone opened its security measures with a
    reason that describes the person); for another role its own case; the foreign case for another
    institution's."""
    if not own:
        return world.foreign_case.uuid
    if role != "supervisor":
        case = world.case_of(role)
        return None if case is None else case.uuid
    return world.enrich(world.new_case("main")).uuid


OBJECTS = {"case_with_reason": case_with_reason}
