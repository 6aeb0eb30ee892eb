"""Access matrix entries of the daily work (format: tests/support/matrix.py).

My work, tasks, assigning and approvals are for case-working roles; a task or approval of a case the role
cannot see answers 404. Assigning is for the owner institution's supervisor, or anyone working on its
cases taking an unassigned case (else 403). The approval settings are for supervisors."""
from tests.support.matrix import CASE_WORKING, api, page

POST = ("post",)


def task(world, role, own):
    from nicat.work.services import create_task

    case = world.case_of(role) if own else world.foreign_case
    if case is None:
        return None
    actor = world.user(role) if own else world.foreign_user
    return create_task(actor=actor, case=case, data={"title": "Matrix task", "kind": "task"}).uuid


def approval(world, role, own):
    from nicat.work.models import Approval

    case = world.case_of(role) if own else world.foreign_case
    if case is None:
        return None
    requester = world.user(role) if own else world.foreign_user
    return Approval.objects.system().create(case=case, institution=case.owner_institution, kind="case_close",
                                            target=case.uuid, payload={}, requested_by=requester,
                                            note="Matrix approval note").uuid


def decided_approval(world, role, own):
    """An approval its institution's supervisors did not give, with their note (what the requester reads on the
    approval's page: free text that may describe the person)."""
    from django.utils import timezone

    from nicat.work.models import Approval

    case = world.case_of(role) if own else world.foreign_case
    if case is None:
        return None
    requester = world.user(role) if own else world.foreign_user
    decider = world.user("supervisor") if own else world.foreign_supervisor
    return Approval.objects.system().create(case=case, institution=case.owner_institution, kind="case_close",
                                            target=case.uuid, payload={}, requested_by=requester,
                                            status="refused", decided_by=decider, decided_at=timezone.now(),
                                            note="Matrix refusal note: she still needs the shelter.").uuid


OBJECTS = {"task": task, "approval": approval, "decided_approval": decided_approval}

SUPERVISORS = frozenset({"supervisor"})

MATRIX = {
    "work:list": page(CASE_WORKING),
    "work:task_new": page(CASE_WORKING, kwargs={"case_uuid": "case"}),
    # Anyone working on cases at the owner may take an unassigned case; the matrix's cases are unassigned.
    "work:assign": page(CASE_WORKING, kwargs={"case_uuid": "case"}),
    "work:task": page(CASE_WORKING, kwargs={"task_uuid": "task"}),
    "work:task_complete": page(CASE_WORKING, methods=POST, kwargs={"task_uuid": "task"}),
    "work:approvals": page(CASE_WORKING),
    # A decided approval: its page shows the decision's note (a pending one's page shows none).
    "work:approval": page(CASE_WORKING, kwargs={"approval_uuid": "decided_approval"}),
    "work:settings": page(SUPERVISORS),
    "task-list": api(CASE_WORKING, denied=200),
    "task-detail": api(CASE_WORKING, kwargs={"uuid": "task"}, denied=404),
    "task-complete": api(CASE_WORKING, methods=POST, kwargs={"uuid": "task"}, denied=404),
    # Who works on a case: read by whoever sees it; set by the owner's supervisor, or taken by anyone working on
    # cases there while unassigned (the matrix's cases are: the empty body answers 400, "give the version").
    "case-assignment": api(CASE_WORKING, methods=("get", "put"), kwargs={"case_uuid": "case"}, denied=404,
                           expect=(200, 400)),
    "approval-list": api(CASE_WORKING, denied=200),  # scoped: empty for roles that never work on cases
    "approval-detail": api(CASE_WORKING, kwargs={"uuid": "approval"}, denied=404),
    # Own requests are seen by their requester but never decided by them: 403 for the role's own
    # request (a supervisor included); another institution's answers 404.
    "approval-decide": api(CASE_WORKING, methods=POST, kwargs={"uuid": "approval"}, denied=404,
                           expect=(400, 403)),
}
