"""Access matrix entries of protection and rehabilitation (format: tests/support/matrix.py).

Facilities and their occupancy (counts only) are seen by everyone signed in; a facility's own staff
(the shelter staff of the matrix world) admit, keep the waiting list, set the beds and see the
confidential address, which identification officers may also read. The case's assistance page is for
every case-working role; each change is for the roles that do it — the plan for case workers,
supervisors and shelter staff; services for every case-working role but the hotline; payments for
case workers, supervisors and identification officers; return, residence and family (the "return"
section) for case workers, supervisors, identification and consular officers; closing for case
workers and supervisors. A role outside those is refused with 403 before any object is looked up;
another institution's object answers 404. The API is scoped the same way (404 for what one may not see).
"""
import datetime
from decimal import Decimal

from django.utils import timezone

from nicat.accounts.models import Role
from nicat.assistance.services._common import CLOSE_ROLES, PAYMENT_ROLES, PLAN_ROLES, RETURN_ROLES, SERVICE_ROLES
from tests.support.matrix import CASE_WORKING, EVERYONE, api, page

CASE = {"case_uuid": "case"}
FACILITY = {"facility_uuid": "facility"}
SHELTER = frozenset({Role.SHELTER_STAFF.value})
ADDRESS = frozenset({Role.SHELTER_STAFF.value, Role.IDENTIFICATION_OFFICER.value})
PLAN = frozenset(r.value for r in PLAN_ROLES)
SERVICE = frozenset(r.value for r in SERVICE_ROLES)
PAYMENT = frozenset(r.value for r in PAYMENT_ROLES)
RETURN = frozenset(r.value for r in RETURN_ROLES)
CLOSE = frozenset(r.value for r in CLOSE_ROLES)
SUPERVISOR = frozenset({Role.SUPERVISOR.value})
REFUSED = (403, 404)


def _detail(kind, allow=CASE_WORKING):
    return api(allow, kwargs={"uuid": kind}, denied=404)


def _action(kind, allow):
    return api(allow, methods=("post",), kwargs={"uuid": kind}, denied=REFUSED)


MATRIX = {
    # pages: facilities
    "assistance:index": page(EVERYONE),
    "assistance:facility": page(EVERYONE, kwargs=FACILITY),
    "assistance:facility_register": page({Role.ADMINISTRATOR.value}),
    "assistance:state_bodies": page({Role.ADMINISTRATOR.value}),
    "assistance:admit": page(SHELTER, kwargs=FACILITY),
    "assistance:waiting_add": page(SHELTER, kwargs=FACILITY),
    "assistance:capacity": page(SHELTER | {Role.ADMINISTRATOR.value}, kwargs=FACILITY),
    "assistance:contact": page(SHELTER, kwargs=FACILITY),
    "assistance:waiting_withdraw": page(SHELTER, methods=("post",), kwargs={"entry_uuid": "waiting_entry"}),
    "assistance:discharge": page(SHELTER, kwargs={"stay_uuid": "stay"}),
    "assistance:transfer": page(SHELTER, kwargs={"stay_uuid": "stay"}),
    "assistance:extend": page(SHELTER, kwargs={"stay_uuid": "stay"}),
    # pages: a case
    "assistance:case": page(CASE_WORKING, kwargs=CASE),
    "assistance:plan_create": page(PLAN, methods=("post",), kwargs=CASE),
    "assistance:goal_add": page(PLAN, kwargs=CASE),
    "assistance:agreement": page(PLAN, kwargs=CASE),
    "assistance:review_add": page(PLAN, kwargs=CASE),
    "assistance:goal_edit": page(PLAN, kwargs={"goal_uuid": "goal"}),
    "assistance:goal_decline": page(PLAN, kwargs={"goal_uuid": "goal"}),
    "assistance:action_add": page(PLAN, kwargs={"goal_uuid": "goal"}),
    "assistance:action_edit": page(PLAN, kwargs={"action_uuid": "plan_action"}),
    "assistance:service_add": page(SERVICE, kwargs=CASE),
    "assistance:close": page(CLOSE, kwargs=CASE),
    "assistance:allowance_add": page(PAYMENT, kwargs=CASE),
    # a reversal undoes money: a supervisor of the institution that recorded the payment (others: 403)
    "assistance:allowance_reverse": page(SUPERVISOR, kwargs={"payment_uuid": "allowance_payment"}),
    "assistance:claim_add": page(PAYMENT, kwargs=CASE),
    "assistance:claim_award": page(PAYMENT, kwargs={"claim_uuid": "claim"}),
    "assistance:claim_payment": page(PAYMENT, kwargs={"claim_uuid": "claim"}),
    # as an allowance payment: a supervisor of the institution that recorded it (others: 403)
    "assistance:compensation_reverse": page(SUPERVISOR, kwargs={"payment_uuid": "compensation_payment"}),
    "assistance:permit_open": page(RETURN, methods=("post",), kwargs=CASE),
    "assistance:permit_edit": page(RETURN, kwargs={"permit_uuid": "permit"}),
    "assistance:interpreter_add": page(SERVICE, kwargs=CASE),
    "assistance:interpreter_remove": page(SERVICE, methods=("post",), kwargs={"need_uuid": "interpreter_need"}),
    "assistance:return_add": page(RETURN, kwargs=CASE),
    "assistance:return_edit": page(RETURN, kwargs={"return_uuid": "return_plan"}),
    "assistance:return_complete": page(RETURN, kwargs={"return_uuid": "return_plan"}),
    "assistance:return_cancel": page(RETURN, kwargs={"return_uuid": "return_plan"}),
    "assistance:reunification_add": page(RETURN, kwargs=CASE),
    "assistance:reunification_edit": page(RETURN, kwargs={"item_uuid": "reunification"}),
    "assistance:follow_up_add": page(RETURN, kwargs=CASE),
    "assistance:follow_up_record": page(RETURN, kwargs={"item_uuid": "follow_up"}),
    # API: facilities (counts for everyone; the address for its staff and identification officers)
    "assistance-facility-list": api(EVERYONE),
    "assistance-facility-detail": api(EVERYONE, kwargs={"uuid": "facility"}),
    "assistance-facility-occupancy": api(EVERYONE, kwargs={"uuid": "facility"}),
    "assistance-facility-address": api(ADDRESS, kwargs={"uuid": "facility"}),
    # API: case records (lists are scoped: empty for roles that never see cases)
    "assistance-stay-list": api(EVERYONE),
    "assistance-stay-detail": _detail("ended_stay"),  # with its note on leaving
    "assistance-stay-discharge": _action("stay", SHELTER),
    "assistance-stay-extend": _action("stay", SHELTER),
    "assistance-stay-transfer": _action("stay", SHELTER),
    "assistance-waiting-list": api(EVERYONE),
    "assistance-waiting-detail": _detail("waiting_entry"),
    "assistance-waiting-withdraw": _action("waiting_entry", SHELTER),
    "assistance-plan-list": api(EVERYONE),
    "assistance-plan-detail": _detail("plan"),
    "assistance-plan-goals": _action("plan", PLAN),
    "assistance-plan-agreement": _action("plan", PLAN),
    "assistance-plan-reviews": _action("plan", PLAN),
    "assistance-plan-goal-list": api(EVERYONE),
    "assistance-plan-goal-detail": _detail("goal"),
    "assistance-plan-goal-decline": _action("goal", PLAN),
    "assistance-plan-goal-actions": _action("goal", PLAN),
    "assistance-plan-action-list": api(EVERYONE),
    "assistance-plan-action-detail": _detail("plan_action"),
    "assistance-service-list": api(EVERYONE),
    "assistance-service-detail": _detail("service_delivery"),
    "assistance-allowance-list": api(EVERYONE),
    "assistance-allowance-detail": _detail("allowance_payment"),
    "assistance-allowance-reverse": _action("allowance_payment", SUPERVISOR),
    "assistance-compensation-list": api(EVERYONE),
    "assistance-compensation-detail": _detail("claim"),
    "assistance-compensation-award": _action("claim", PAYMENT),
    "assistance-compensation-payment": _action("claim", PAYMENT),
    "assistance-compensation-payment-list": api(EVERYONE),
    "assistance-compensation-payment-detail": _detail("compensation_payment"),
    "assistance-compensation-payment-reverse": _action("compensation_payment", SUPERVISOR),
    "assistance-interpreter-list": api(EVERYONE),
    "assistance-interpreter-detail": _detail("interpreter_need"),
    # API: the "return" section
    "assistance-permit-list": api(EVERYONE),
    "assistance-permit-detail": _detail("permit", RETURN),
    "assistance-return-list": api(EVERYONE),
    "assistance-return-detail": _detail("return_plan", RETURN),
    "assistance-return-complete": _action("return_plan", RETURN),
    "assistance-return-cancel": _action("return_plan", RETURN),
    "assistance-reunification-list": api(EVERYONE),
    "assistance-reunification-detail": _detail("reunification", RETURN),
    "assistance-follow-up-list": api(EVERYONE),
    "assistance-follow-up-detail": _detail("follow_up", RETURN),
    "assistance-follow-up-record": _action("follow_up", RETURN),
    # API: closing a case (an empty body is a 400 naming the fields)
    "assistance-case-closure-list": api(CLOSE, methods=("post",)),
}


# --- objects ------------------------------------------------------------------------------------------


def _facility(world, foreign=False):
    from nicat.assistance.models import CapacityGroup, Facility
    from tests.support.world import make_institution

    key = ("assistance-facility", foreign)
    if key not in world.cache:
        institution = (make_institution("mx-foreign-shelter", "shelter", is_special_institution=True) if foreign
                       else world.institutions["shelter"])
        facility = Facility.objects.create(institution=institution, kind="shelter")
        for group in ("women", "men", "children"):
            CapacityGroup.objects.create(facility=facility, group=group, beds=50)
        world.cache[key] = facility
    return world.cache[key]


def _case(world, role, own):
    return world.case_of(role) if own else world.foreign_case


def facility_provider(world, role, own):
    return _facility(world).uuid if own else None  # facilities are not case data: nothing is foreign


def _on_case(build):
    def provider(world, role, own):
        case = _case(world, role, own)
        if case is None:
            return None
        world.cache["assistance-role"] = role
        return build(world, case, own).uuid
    return provider


def _stay(world, case, own):
    from nicat.assistance.models import Stay

    facility = _facility(world, foreign=not own)
    stay, created = Stay.objects.system().get_or_create(
        case=case, ended_at=None, defaults={"facility": facility, "group": "women",
                                            "admitted_at": timezone.now(), "planned_end": timezone.localdate()})
    if created:
        _ended_stay(world, case, own)
    return stay


def _ended_stay(world, case, own):
    """An earlier stay of the case that ended, with the note on leaving (free text about the person): the stays'
    list and the stay's own read show it (tests/test_every_read_audited.py)."""
    from nicat.assistance.models import Stay

    left = timezone.now() - datetime.timedelta(days=30)
    stay, _created = Stay.objects.system().get_or_create(
        case=case, ended_at__isnull=False, defaults={
            "facility": _facility(world, foreign=not own), "group": "women", "ended_at": left,
            "admitted_at": left - datetime.timedelta(days=60), "planned_end": left.date(), "end_kind": "completed",
            "end_note": "Matrix note on leaving: she found work in Ganja."})
    return stay


def _waiting(world, case, own):
    from nicat.assistance.models import WaitingListEntry

    entry, _created = WaitingListEntry.objects.system().get_or_create(
        case=case, facility=_facility(world, foreign=not own), status="waiting",
        defaults={"group": "women", "note": "Matrix waiting note"})
    return entry


def _plan(world, case, own=True):
    from nicat.assistance.models import RehabilitationPlan

    plan, _created = RehabilitationPlan.objects.system().get_or_create(
        case=case, defaults={"institution": case.owner_institution, "agreement_note": "Matrix plan agreement"})
    return plan


def _goal(world, case, own):
    from nicat.assistance.models import PlanGoal

    return PlanGoal.objects.system().create(plan=_plan(world, case), case=case, area="legal", description="Matrix goal text",
                                            outcome="Matrix goal outcome",
                                            responsible_institution=case.owner_institution)


def _plan_action(world, case, own):
    from nicat.assistance.models import PlanAction

    return PlanAction.objects.system().create(goal=_goal(world, case, own), case=case, description="Matrix action text",
                                              outcome="Matrix action outcome",
                                              responsible_institution=case.owner_institution)


def _service(world, case, own):
    from nicat.assistance.models import ServiceDelivery

    return ServiceDelivery.objects.system().create(case=case, kind="legal", provider=case.owner_institution,
                                                   delivered_at=timezone.now(), duration_minutes=30,
                                                   description="Matrix service text")


def _allowance(world, case, own):
    from nicat.assistance.models import AllowancePayment

    payment, _created = AllowancePayment.objects.system().get_or_create(
        person=case.person, kind="one_time", period="", defaults={
            "case": case, "amount": Decimal("700.00"), "paid_on": timezone.localdate(), "source": "state_budget",
            "rule_year": 2024, "payment_reference": "Matrix payment order"})
    return payment


def _claim(world, case, own):
    from nicat.assistance.models import CompensationClaim

    return CompensationClaim.objects.system().create(case=case, claimed_amount=Decimal("100.00"),
                                                     claimed_on=timezone.localdate(), note="Matrix claim note",
                                                     proceedings_reference="Matrix court file")


def _compensation_payment(world, case, own):
    from nicat.assistance.models import CompensationPayment

    claim = _claim(world, case, own)
    return CompensationPayment.objects.create(claim=claim, case=case, amount=Decimal("50.00"),
                                              paid_on=timezone.localdate(), paid_from="aid_fund")


def _permit(world, case, own):
    from nicat.assistance.models import ResidencePermit

    return ResidencePermit.objects.system().create(case=case, permit_number="Matrix permit number",
                                                   note="Matrix permit note")


def _interpreter(world, case, own):
    # One language per role: roles sharing a case (supervisor, identification officer) each remove their own.
    from nicat.assistance.models import InterpreterNeed
    from nicat.vocab.models import Term
    from tests.support.matrix import ROLES

    languages = list(Term.objects.of("language")[:len(ROLES) + 1])
    language = languages[ROLES.index(world.cache["assistance-role"]) if own else -1]
    need, _created = InterpreterNeed.objects.system().get_or_create(case=case, language=language,
                                                             defaults={"note": "Matrix interpreter note"})
    return need


def _return(world, case, own):
    from nicat.assistance.models import ReturnPlan
    from nicat.vocab.models import Term

    return ReturnPlan.objects.system().create(case=case, direction="voluntary_return",
                                              country=Term.objects.get(vocabulary="country", code="UZ"),
                                              risk_notes="Matrix return risk", travel_notes="Matrix travel notes",
                                              documents_notes="Matrix documents notes")


def _reunification(world, case, own):
    from nicat.assistance.models import FamilyReunification

    return FamilyReunification.objects.system().create(case=case, family_member="Matrix Mother", note="Matrix reunification note")


def _follow_up(world, case, own):
    from nicat.assistance.models import FollowUp

    return FollowUp.objects.system().create(case=case, due_on=timezone.localdate() + datetime.timedelta(days=7),
                                            outcome="Matrix follow-up outcome")


OBJECTS = {
    "facility": facility_provider,
    "stay": _on_case(_stay),
    "ended_stay": _on_case(_ended_stay),
    "waiting_entry": _on_case(_waiting),
    "plan": _on_case(_plan),
    "goal": _on_case(_goal),
    "plan_action": _on_case(_plan_action),
    "service_delivery": _on_case(_service),
    "allowance_payment": _on_case(_allowance),
    "claim": _on_case(_claim),
    "compensation_payment": _on_case(_compensation_payment),
    "permit": _on_case(_permit),
    "interpreter_need": _on_case(_interpreter),
    "return_plan": _on_case(_return),
    "reunification": _on_case(_reunification),
    "follow_up": _on_case(_follow_up),
}
