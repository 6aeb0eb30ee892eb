"""Access matrix entries of the break-glass and restriction-order pages (format: tests/support/matrix.py)."""
from django.utils import timezone

from tests.support.matrix import EVERYONE, page

SUPERVISOR = {"supervisor"}
COMPETENT = {"supervisor", "identification_officer"}  # both at the Main Department in the matrix world

MATRIX = {
    "access:break_glass": page(SUPERVISOR),
    "access:break_glass_review": page(SUPERVISOR),
    "access:break_glass_reviewed": page(SUPERVISOR, methods=("post",), kwargs={"opening_uuid": "break_glass_to_review"},
                                        query={"note": "Checked with the owner institution."}),
    # Everyone may end their own opening; only supervisors have one. Others find nothing: 404.
    "access:break_glass_end": page(SUPERVISOR, methods=("post",), kwargs={"opening_uuid": "own_break_glass"},
                                   denied=404),
    "access:restrictions": page(COMPETENT),
    "access:restriction_lift": page(COMPETENT, methods=("post",), kwargs={"order_uuid": "restriction_order"}),
}
assert EVERYONE >= COMPETENT


REASON = "Matrix: emergency, the person is at the border post and needs the NGO's contact."


def break_glass_to_review(world, role, own):
    """Own: an opening by someone else of a case the role's institution owns; foreign: one they cannot review."""
    from nicat.access.services import open_break_glass

    if own:
        if role != "supervisor":
            return None
        case = world.new_case("main")
        opening = open_break_glass(actor=world.foreign_supervisor, case_reference=case.reference, reason=REASON)
    else:
        case = world.new_case("ngo")
        opening = open_break_glass(actor=world.foreign_supervisor, case_reference=case.reference, reason=REASON)
    return opening.uuid


def own_break_glass(world, role, own):
    from nicat.access.services import open_break_glass

    if own:
        if role != "supervisor":
            return None
        case = world.new_case("foreign")
        return open_break_glass(actor=world.user("supervisor"), case_reference=case.reference, reason=REASON).uuid
    case = world.new_case("main")
    return open_break_glass(actor=world.foreign_supervisor, case_reference=case.reference, reason=REASON).uuid


def restriction_order(world, role, own):
    from nicat.access.services import record_restriction_order

    if not own:
        return None  # the competent authority sees every order: nothing is foreign to it
    case = world.new_case("foreign")
    return record_restriction_order(
        actor=world.user("identification_officer"), case_reference=case.reference, issued_by="court",
        # The court and its decision's number are not the person's data (the list of orders shows them with the
        # case's reference, never her identity: nicat/access/selectors.py): they do not say "Matrix".
        issuing_body="Baku Court", decision_reference="M-1", decided_on=timezone.localdate(),
        allowed_roles=[]).uuid


OBJECTS = {"break_glass_to_review": break_glass_to_review, "own_break_glass": own_break_glass,
           "restriction_order": restriction_order}
