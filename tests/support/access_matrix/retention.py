"""Access matrix entries of requests to erase or correct data (format: tests/support/matrix.py).

Recording a request: anyone working on cases at the institution that owns the case (a foreign case: 404).
Reading one: staff of the institution that owns its case. Deciding: a supervisor of the owner institution
only (others: 403). The API the same (/api/v1/data-requests/)."""
from tests.support.matrix import CASE_WORKING, api, page


def data_request(world, role, own):
    from nicat.retention.models import DataRequest

    case = world.case_of(role) if own else world.foreign_case
    if case is None:
        return None
    import datetime

    # recorded by someone else than any matrix role of the owner, so that a supervisor may decide it
    return DataRequest.objects.system().create(
        case=case, person=case.person, kind="correction", requested_on=datetime.date(2026, 1, 5),
        details="Matrix request", corrections={"phone": "+994501234567"}, recorded_by=world.foreign_user).uuid


OBJECTS = {"data_request": data_request}

MATRIX = {
    "retention:request_new": page(CASE_WORKING, kwargs={"case_uuid": "case"}),
    "retention:request": page(CASE_WORKING, kwargs={"request_uuid": "data_request"}),
    "retention:request_decide": page({"supervisor"}, methods=("post",), kwargs={"request_uuid": "data_request"}),
    "data-request-list": api(CASE_WORKING),
    "data-request-detail": api(CASE_WORKING, kwargs={"uuid": "data_request"}),
    "data-request-decide": api({"supervisor"}, methods=("post",), kwargs={"uuid": "data_request"}),
}
