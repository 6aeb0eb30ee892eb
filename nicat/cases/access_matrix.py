"""Access matrix entries of the case pages and the case API (format: nicat/access/matrix.py).

Case pages are for case-working roles; analysts and administrators are refused (403). Objects of
another institution answer 404. The case API is scoped the same way: analysts and administrators
get an empty list and 404 for any case."""
from nicat.access.matrix import CASE_WORKING, EVERYONE, api, page

CASE = {"case_uuid": "case"}

MATRIX = {
    "cases:list": page(CASE_WORKING),
    "cases:new": page(CASE_WORKING),
    "cases:detail": page(CASE_WORKING, kwargs=CASE),
    "cases:edit": page(CASE_WORKING, kwargs=CASE),
    "cases:person_edit": page(CASE_WORKING, kwargs=CASE),
    "cases:note_add": page(CASE_WORKING, methods=("post",), kwargs=CASE),
    "cases:event_add": page(CASE_WORKING, methods=("post",), kwargs=CASE),
    "case-list": api(EVERYONE),  # scoped: an empty list for roles that never see cases
    "case-detail": api(CASE_WORKING, kwargs={"uuid": "case"}, denied=404),
    "case-notes": api(CASE_WORKING, methods=("get", "post"), kwargs={"uuid": "case"}, denied=404),
    "case-events": api(CASE_WORKING, methods=("get", "post"), kwargs={"uuid": "case"}, denied=404),
}
