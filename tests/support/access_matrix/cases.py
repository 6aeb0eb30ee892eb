"""Access matrix entries of the case pages and the case API (format: tests/support/matrix.py).

Case pages are for case-working roles; analysts and administrators are refused (403). Objects of
another institution answer 404. The case API is scoped the same way: analysts and administrators
get an empty list and 404 for any case."""
from nicat.access.sections import CONTACTS, IDENTITY, ROLES
from nicat.access.sections import NARRATIVE as NARRATIVE_SECTION
from tests.support.matrix import CASE_WORKING, EVERYONE, api, page

CASE = {"case_uuid": "case"}
# Editing the case, its notes and its route is the "narrative" section; editing the person needs
# "identity" and "contacts". Case-working roles without them get 403 on their own cases.
NARRATIVE = frozenset(str(r) for r in ROLES[NARRATIVE_SECTION])
PERSON = frozenset(str(r) for r in ROLES[IDENTITY] & ROLES[CONTACTS])

MATRIX = {
    "cases:list": page(CASE_WORKING),
    "cases:new": page(CASE_WORKING),
    "cases:export": page(CASE_WORKING, methods=("get", "post"), query={"format": "csv"}),
    "cases:detail": page(CASE_WORKING, kwargs=CASE),
    "cases:edit": page(NARRATIVE, kwargs=CASE),
    "cases:person_edit": page(PERSON, kwargs=CASE),
    "cases:note_add": page(NARRATIVE, methods=("post",), kwargs=CASE),
    "cases:event_add": page(NARRATIVE, methods=("post",), kwargs=CASE),
    "case-list": api(EVERYONE),  # scoped: an empty list for roles that never see cases
    "case-detail": api(CASE_WORKING, kwargs={"uuid": "case"}, denied=404),
    # 404 for roles that never see the case, 403 for case-working roles without the section.
    "case-notes": api(NARRATIVE, methods=("get", "post"), kwargs={"uuid": "case"}, denied=(403, 404)),
    "case-events": api(NARRATIVE, methods=("get", "post"), kwargs={"uuid": "case"}, denied=(403, 404)),
}
