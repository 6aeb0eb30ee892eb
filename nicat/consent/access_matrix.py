"""Access matrix entries of consent (format: nicat/access/matrix.py).

Pages are for case-working roles that see the case (another institution's consent answers 404);
analysts and administrators are refused. The API is scoped the same way: an empty list, 404 for any
consent they cannot see. The list of legal bases is configuration, readable by every signed-in user."""
import datetime

from django.utils import timezone

from nicat.access.matrix import CASE_WORKING, EVERYONE, api, page

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def _consent(world, role, own, with_form=False):
    from nicat.consent.services import record_consent

    if own:
        case = world.case_of(role)
        actor = world.user(role)
    else:
        case, actor = world.foreign_case, world.foreign_user
    if case is None:
        return None
    consent = record_consent(actor=actor, case=case, data={
        "purpose": "research", "decision": "given", "method": "written",
        "given_at": timezone.now() - datetime.timedelta(minutes=5)}, form_bytes=PNG if with_form else None)
    return consent.uuid


OBJECTS = {
    "consent": lambda world, role, own: _consent(world, role, own),
    "consent_form": lambda world, role, own: _consent(world, role, own, with_form=True),
}

CASE = {"case_uuid": "case"}

MATRIX = {
    "consent:record": page(CASE_WORKING, kwargs=CASE),
    "consent:withdraw": page(CASE_WORKING, kwargs={"uuid": "consent"}),
    "consent:signed_form": page(CASE_WORKING, kwargs={"uuid": "consent_form"}),
    "consent-list": api(EVERYONE),  # scoped: empty for roles that never see cases
    "consent-detail": api(CASE_WORKING, kwargs={"uuid": "consent"}, denied=404),
    "consent-form": api(CASE_WORKING, kwargs={"uuid": "consent_form"}, denied=404),
    "consent-withdraw": api(CASE_WORKING, methods=("post",), kwargs={"uuid": "consent"}, denied=404),
    "consent-legal-bases": api(EVERYONE),
}
