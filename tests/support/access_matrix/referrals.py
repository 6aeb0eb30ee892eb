"""Access matrix entries of referrals and notifications (format: tests/support/matrix.py).

Referral pages are for case-working roles; a referral is found only by the staff of the two
institutions it joins (and the case owner's): any other answers 404, existence does not leak.
Analysts and administrators are refused the pages (403) and find no referral in the API (404).
Notifications are per user: every signed-in user has their own, another's answers 404.

Object kinds: `referral` (sent by the role's institution), `incoming_referral` (sent to the role's
institution, pending), `notification` (the role's own); the foreign ones join institutions nobody
in the matrix's cast belongs to."""
import datetime

from django.utils import timezone

from tests.support.matrix import CASE_WORKING, EVERYONE, api, page


def _institution(world, code):
    from nicat.directory.models import Institution
    from tests.support.world import make_institution

    return Institution.objects.filter(code=code).first() or make_institution(code, "ngo", is_nonprofit=True)


def _refer(actor, case, to):
    from nicat.consent.services import record_consent
    from nicat.referrals.services import create_referral

    # An embassy learns of a person only by a consular notification (with her consent to notify it).
    purpose = "consular_notification" if to.kind.code == "embassy_consulate" else "referral"
    record_consent(actor=actor, case=case, data={"purpose": purpose, "institution": to, "decision": "given",
                                                 "method": "written",
                                                 "given_at": timezone.now() - datetime.timedelta(minutes=5)})
    return create_referral(actor=actor, case=case, data={"to_institution": to, "purpose": purpose,
                                                         "shared_sections": ["identity"], "message": "Matrix."})


def _foreign_referral(world):
    key = ("mx-referrals", "foreign")
    if key not in world.cache:
        world.cache[key] = _refer(world.foreign_user, world.foreign_case,
                                  _institution(world, "mx-foreign-target")).uuid
    return world.cache[key]


def outgoing(world, role, own):
    if not own:
        return _foreign_referral(world)
    case = world.case_of(role)
    if case is None:
        return None
    key = ("mx-referrals", "out", case.owner_institution_id)
    if key not in world.cache:  # roles of one institution share its referral (one open per target)
        referral = _refer(world.user(role), case, _institution(world, "mx-referral-target"))
        _return_plan(referral)
        world.cache[key] = referral.uuid
    return world.cache[key]


def _return_plan(referral):
    """What the sender writes of the person's journey home (free texts of the person)."""
    from nicat.referrals.models import ReturnPlan

    ReturnPlan.objects.system().create(referral=referral, case=referral.case, arrival_point="Matrix arrival point",
                                       travel_details="Matrix travel details", reception_note="Matrix reception")


def incoming(world, role, own):
    if not own:
        return _foreign_referral(world)
    if world.case_of(role) is None:
        return None
    from nicat.accounts.models import Role
    from nicat.cases.services import open_case
    from tests.support.world import make_user

    key = ("mx-referrals", "referrer")
    if key not in world.cache:
        world.cache[key] = make_user("mx.referrer", _institution(world, "mx-referrer"), Role.CASE_WORKER)
    referrer = world.cache[key]
    case = open_case(actor=referrer, person_data={"given_name": "Matrix", "family_name": "Referred",
                                                  "birth_date": datetime.date(1990, 4, 12)},  # an adult
                     case_data={"first_contact_at": timezone.now() - datetime.timedelta(hours=1)})
    return _refer(referrer, case, world.user(role).memberships.first().institution).uuid


def notification(world, role, own):
    from nicat.referrals.models import Notification

    user = world.user(role) if own else world.foreign_user
    return Notification.objects.create(user=user, kind="referral_received", case_reference="NCT-2026-000001",
                                       link="/").uuid


OBJECTS = {"referral": outgoing, "incoming_referral": incoming, "notification": notification}

OUT = {"uuid": "referral"}
IN = {"uuid": "incoming_referral"}
POST = ("post",)

MATRIX = {
    "referrals:list": page(CASE_WORKING),
    "referrals:new": page(CASE_WORKING, kwargs={"case_uuid": "case"}),
    "referrals:detail": page(CASE_WORKING, kwargs=OUT),
    # Actions answer with a redirect to the referral (a message says what was done or what to fix).
    "referrals:accept": page(CASE_WORKING, methods=POST, kwargs=IN),
    "referrals:decline": page(CASE_WORKING, methods=POST, kwargs=IN),
    "referrals:progress": page(CASE_WORKING, methods=POST, kwargs=IN),
    "referrals:complete": page(CASE_WORKING, methods=POST, kwargs=IN),
    "referrals:arrival": page(CASE_WORKING, methods=POST, kwargs=IN),
    "referrals:cancel": page(CASE_WORKING, methods=POST, kwargs=OUT),
    "referrals:return_plan": page(CASE_WORKING, methods=POST, kwargs=OUT),
    "referrals:notifications": page(EVERYONE),
    "referrals:notification_open": page(EVERYONE, kwargs={"uuid": "notification"}),
    "referral-list": api(EVERYONE),  # scoped: empty for roles that never work on cases
    "referral-detail": api(CASE_WORKING, kwargs=OUT, denied=404),
    "referral-accept": api(CASE_WORKING, methods=POST, kwargs=IN, denied=404),
    "referral-decline": api(CASE_WORKING, methods=POST, kwargs=IN, denied=404),
    "referral-progress": api(CASE_WORKING, methods=POST, kwargs=IN, denied=404),
    "referral-complete": api(CASE_WORKING, methods=POST, kwargs=IN, denied=404),
    "referral-arrival": api(CASE_WORKING, methods=POST, kwargs=IN, denied=404),
    "referral-cancel": api(CASE_WORKING, methods=POST, kwargs=OUT, denied=404),
    "referral-return-plan": api(CASE_WORKING, methods=("get", "post"), kwargs=OUT, denied=404),
    "notification-list": api(EVERYONE),
    "notification-mark-read": api(EVERYONE, methods=POST),
}
