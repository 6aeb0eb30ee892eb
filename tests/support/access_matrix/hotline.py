"""Access matrix entries of the hotline (format: tests/support/matrix.py).

Contacts are for the hotline's operators and its supervisors only; in the matrix world the supervisor
works at the Main Department, so only the operator is allowed and every other role is refused (403).
Another hotline's contact answers 404. The alerts page is for the duty service (the Main Department's
identification officers and supervisors) and the hotline. The public form needs no sign-in."""
from tests.support.matrix import Rule, api, page, public

OPERATOR = {"hotline_operator"}
CONTACT = {"contact_uuid": "hotline_contact"}


def _other_hotline_operator(world, code):
    from nicat.accounts.models import Role
    from tests.support.world import make_institution, make_user

    key = ("hotline-other", code)
    if key not in world.cache:
        world.cache[key] = make_user(f"mx.{code}", make_institution(f"mx-{code}", "hotline"), Role.HOTLINE_OPERATOR)
    return world.cache[key]


# What a caller tells of herself (tests/test_every_read_audited.py recognises "Matrix" and the phone).
CALLER = {"identity_consent": True, "caller_name": "Matrix Caller", "phone": "+994 55 700 33 44",
          "safe_contact": "Matrix safe contact", "location": "Matrix location", "notes": "Matrix call notes"}


def provide_contact(world, role, own):
    """The matrix hotline's contact (every role tries it: only the operator gets in), or another hotline's."""
    from nicat.hotline.services import record_contact

    actor = world.user("hotline_operator") if own else _other_hotline_operator(world, "hotline-2")
    return record_contact(actor=actor, data={"reason": "information", **CALLER}).uuid


def provide_alert(world, role, own):
    """An urgent contact's alert to the matrix world's duty service (the Main Department), or one of another
    hotline that went to no duty service (nobody in the cast sees it)."""
    from nicat.hotline.services import record_contact

    if own:
        return record_contact(actor=world.user("hotline_operator"), data={"reason": "danger_now", **CALLER}).alert.uuid
    contact = record_contact(actor=_other_hotline_operator(world, "hotline-3"), data={"reason": "danger_now"})
    contact.alert.duty_institution = None
    contact.alert.save()
    return contact.alert.uuid


OBJECTS = {"hotline_contact": provide_contact, "hotline_alert": provide_alert}
ALERTS = {"hotline_operator", "supervisor", "identification_officer"}

MATRIX = {
    "hotline:desk": page(OPERATOR),
    "hotline:new": page(OPERATOR),
    "hotline:detail": page(OPERATOR, kwargs=CONTACT),
    "hotline:edit": page(OPERATOR, kwargs=CONTACT),
    "hotline:open_case": page(OPERATOR, kwargs=CONTACT),
    # The search is POSTed (a POST without "case" searches); a GET carrying a term answers 400.
    "hotline:link": page(OPERATOR, methods=("get", "post"), kwargs=CONTACT, query={"family_name": "Matrix"}),
    "hotline:alerts": page(ALERTS),
    # The acknowledging POST redirects back for the duty service; the hotline operator sees the alert but
    # may not acknowledge it (404, like an alert one cannot see).
    "hotline:alert_acknowledge": Rule(allow=frozenset({"supervisor", "identification_officer"}), methods=("post",),
                                      kwargs={"alert_uuid": "hotline_alert"}, denied=(403, 404)),
    "hotline:ask_for_help": public(methods=("get", "post")),
    "hotline:ask_for_help_thanks": public(),
    "call-list": api(OPERATOR),
    "call-detail": api(OPERATOR, kwargs={"uuid": "hotline_contact"}),
}
