"""Access matrix entries of consent (format: tests/support/matrix.py).

Pages are for case-working roles that see the case (another institution's consent answers 404);
analysts and administrators are refused. The API is scoped the same way: an empty list, 404 for any
consent they cannot see. The list of legal bases is configuration, readable by every signed-in user."""
import datetime

from django.utils import timezone

from tests.support.matrix import CASE_WORKING, EVERYONE, api, page

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
        "given_at": timezone.now() - datetime.timedelta(minutes=5),
        "note": "Matrix consent note"}, form_bytes=PNG if with_form else None)
    return consent.uuid


def _order(world, role, own):
    """A legal basis asked for on the role's case (by the role's user), or on the foreign case. The approvers
    (supervisors of the competent authority) see every legal basis by design: no foreign one for them."""
    from nicat.consent.services import may_approve_legal_bases, request_legal_basis

    if own:
        case, actor = world.case_of(role), world.user(role)
    else:
        if may_approve_legal_bases(world.user(role)):
            return None
        case, actor = world.foreign_case, world.foreign_user
    if case is None:
        return None
    use = request_legal_basis(actor=actor, case=case, purpose="law_enforcement", legal_basis="court_order",
                              reason="Matrix: the court ordered it.", sections=["identity"], copy_bytes=PNG,
                              order={"issuing_body": "Baku Court", "order_number": "1-1/2026",
                                     "order_date": timezone.localdate()})
    return use.uuid


def _wish(world, role, own):
    """A wish to withdraw a consent, recorded by another institution on the role's own case (the role's
    institution owns it and acts on it), or on the foreign case."""
    from nicat.consent.models import WithdrawalWish

    case = world.case_of(role) if own else world.foreign_case
    if case is None:
        return None
    recorder = world.institutions["foreign"] if own else world.institutions[next(iter(world.institutions))]
    wish = WithdrawalWish(case=case, note="Matrix: she withdraws her consent to the police.",
                          recorded_by_institution=recorder)
    wish.save()
    return wish.uuid


OBJECTS = {
    "withdrawal_wish": _wish,
    "consent": lambda world, role, own: _consent(world, role, own),
    "consent_form": lambda world, role, own: _consent(world, role, own, with_form=True),
    "legal_basis_order": _order,
}
ORDER = {"uuid": "legal_basis_order"}
APPROVERS = {"supervisor"}  # at the competent authority in the matrix's world

CASE = {"case_uuid": "case"}

MATRIX = {
    "consent:record": page(CASE_WORKING, kwargs=CASE),
    # The consent conversation: shown to those who see the case; recorded by the owner institution only.
    "consent:conversation": page(CASE_WORKING, kwargs=CASE),
    "consent:conversation_print": page(CASE_WORKING, kwargs=CASE),
    # Without a body the request is refused as incomplete (400) for every role: the rule for who records
    # lives in the service (tests: nicat/consent/tests/test_conversation.py).
    "consent-conversation": api(EVERYONE, methods=("post",), expect=(400,)),
    "consent:withdraw": page(CASE_WORKING, kwargs={"uuid": "consent"}),
    # The person withdraws every consent: the form for those who see the case; the API refuses an empty body.
    "consent:withdraw_all": page(CASE_WORKING, kwargs=CASE),
    "consent-withdraw-all": api(EVERYONE, methods=("post",), expect=(400,)),
    # The person withdraws a consent not listed to the receiver: its wish, recorded for the owner to act on
    # (the form for those who see the case; the owner is told on submission to withdraw directly). The
    # wishes of a case: the owner's staff and the recorder's; resolved by the owner only (a body-less POST
    # answers with the form's message).
    "consent:withdrawal_wish": page(CASE_WORKING, kwargs=CASE),
    "consent:wishes": page(CASE_WORKING, kwargs=CASE),
    "consent:wish_resolve": page(CASE_WORKING, methods=("post",), kwargs={"uuid": "withdrawal_wish"}),
    "consent-withdrawal-wish-list": api(EVERYONE),  # scoped: empty for roles that never see cases
    "consent-withdrawal-wish-detail": api(CASE_WORKING, kwargs={"uuid": "withdrawal_wish"}, denied=404),
    "consent-withdrawal-wish-resolve": api(CASE_WORKING, methods=("post",), kwargs={"uuid": "withdrawal_wish"},
                                           denied=404),
    "consent:signed_form": page(CASE_WORKING, kwargs={"uuid": "consent_form"}),
    "consent-list": api(EVERYONE),  # scoped: empty for roles that never see cases
    "consent-detail": api(CASE_WORKING, kwargs={"uuid": "consent"}, denied=404),
    "consent-form": api(CASE_WORKING, kwargs={"uuid": "consent_form"}, denied=404),
    "consent-withdraw": api(CASE_WORKING, methods=("post",), kwargs={"uuid": "consent"}, denied=404),
    "consent-legal-bases": api(EVERYONE),
    # The owner institution confirms a consent recorded elsewhere; the action answers with a redirect (page)
    # or 400 (API) saying what to fix when there is nothing to confirm.
    "consent:confirm": page(CASE_WORKING, methods=("post",), kwargs={"uuid": "consent"}),
    "consent-confirm": api(CASE_WORKING, methods=("post",), kwargs={"uuid": "consent"}, denied=404),
    # Legal bases: the owner institution's staff see theirs, the approvers all. Approve and reject answer
    # with a redirect and a message on the page; in the API only an approver gets past 404.
    "consent:orders": page(CASE_WORKING),
    "consent:order": page(CASE_WORKING, kwargs=ORDER),
    "consent:order_copy": page(CASE_WORKING, kwargs=ORDER),
    "consent:order_approve": page(CASE_WORKING, methods=("post",), kwargs=ORDER),
    "consent:order_reject": page(CASE_WORKING, methods=("post",), kwargs=ORDER, query={"reason": "Not a decision."}),
    "legal-basis-order-list": api(EVERYONE),  # scoped: empty for roles that never work on cases
    "legal-basis-order-detail": api(CASE_WORKING, kwargs=ORDER, denied=404),
    "legal-basis-order-copy": api(CASE_WORKING, kwargs=ORDER, denied=404),
    "legal-basis-order-approve": api(APPROVERS, methods=("post",), kwargs=ORDER, denied=404),
    "legal-basis-order-reject": api(APPROVERS, methods=("post",), kwargs=ORDER, denied=404,
                                    query={"reason": "Not a decision."}),
}
