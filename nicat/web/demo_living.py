"""The living part of the demo world: what a newcomer finds on the first morning (issue 15).

Built after the synthetic cases, dated from today (`world["today"]`), through the services as in real
use: residents in the state shelter (referred by an NGO after one consent conversation, accepted,
admitted — one stay ends today, one in a few days, one later), a rehabilitation plan with a review due
today, a referral to the assistance centre waiting for an answer, cases for the consul (a return
prepared with the consulate, accepted) and cases registered by the 152 hotline.

Called from `nicat.web.demo.build_world` through `demo.EXTRAS` (one line per app)."""
import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

RESIDENTS = 3
CONSUL_CASES = 2
HOTLINE_CASES = 2
AREAS = ("legal", "education", "psychological", "medical", "vocational", "employment", "housing")


def _common(now, given_at=None):
    return {"given_by": "person", "method": "written", "given_at": given_at or now - datetime.timedelta(hours=2),
            "note": "Demo: the whole stay was discussed in one conversation."}


def _adults(cases, owners):
    from nicat.cases.models import TraffickingStatus

    for case in cases:
        if (case.owner_institution.code in owners and case.status == "Active" and not case.person.is_child
                and case.trafficking_status != TraffickingStatus.NOT_A_VICTIM):
            yield case


def _group(case):
    gender = getattr(case.person, "gender", None)
    code = getattr(gender, "code", "")
    return "men" if code == "masculine" else "women"


def _try(fn):
    """Run one demo step in a savepoint; a case the rules refuse (a presumed child …) is skipped."""
    try:
        with transaction.atomic():
            return fn()
    except ValidationError:
        return None


def living_world(world):
    from nicat.assistance import conf
    from nicat.assistance.models import Facility
    from nicat.assistance.services import plans, shelters
    from nicat.consent.conversation import record_conversation
    from nicat.referrals import services as referrals
    from nicat.web import demo

    users, institutions, cases = world["users"], world["institutions"], world["cases"]
    now = timezone.now()
    today = world["today"].date()
    shelter = institutions[demo.SHELTER]
    facility = Facility.objects.filter(institution=shelter).first()
    worker, manager = users["ngo.worker"], users["shelter.manager"]
    done = {"residents": 0, "consul": 0, "centre": 0, "hotline": 0}
    candidates = list(_adults(cases, {demo.NGO1}))
    used = set()

    # Residents of the state shelter: the stay of the first ends today, of the second in three days.
    ends_in = [0, 3, 20]
    max_days = conf.max_stay_days(facility.kind, today)
    for case in candidates:
        if done["residents"] >= RESIDENTS:
            break

        def resident(case=case):
            answers = {"referral": {"answer": "given", "institution": shelter},
                       "shelter": {"answer": "given", "institution": shelter},
                       **{area: {"answer": "given", "institution": None} for area in AREAS}}
            days_ago = max_days - ends_in[done["residents"]]
            admitted_at = max(now - datetime.timedelta(days=days_ago),
                              case.first_contact_at + datetime.timedelta(hours=1))
            # The conversation took place before the admission: the consent must be in force on its date.
            record_conversation(actor=worker, case=case, answers=answers, common=_common(
                now, given_at=min(now - datetime.timedelta(hours=2), admitted_at - datetime.timedelta(minutes=30))))
            referral = referrals.create_referral(actor=worker, case=case, data={
                "to_institution": shelter, "purpose": "referral", "urgency": "urgent",
                "message": "Needs a safe place; agreed to the whole stay in one conversation.",
                "shared_sections": ["identity", "contacts", "narrative", "medical"]})
            referrals.accept_referral(actor=manager, referral=referral, expected_version=referral.version)
            shelters.admit(actor=manager, facility=facility, case=case, group=_group(case), admitted_at=admitted_at)
            if done["residents"] == 0:
                plan = plans.create_plan(actor=manager, case=case, next_review_on=today)
                plans.add_goal(actor=manager, plan=plan, area="psychological", responsible_institution=shelter,
                               description="Weekly sessions with the shelter's psychologist.",
                               due_on=today + datetime.timedelta(days=14))
                plans.add_goal(actor=manager, plan=plan, area="legal", responsible_institution=institutions[
                    demo.NGO1], description="Legal advice before the interview with the investigator.",
                    due_on=today + datetime.timedelta(days=2))
            return True

        if _try(resident):
            done["residents"] += 1
            used.add(case.pk)

    # A referral to the assistance centre, waiting for its answer.
    centre = institutions[demo.CENTRE]
    for case in _adults(cases, {demo.NGO2}):
        def to_centre(case=case):
            record_conversation(actor=users["ngo2.worker"], case=case, common=_common(now), answers={
                "referral": {"answer": "given", "institution": centre},
                "employment": {"answer": "given", "institution": centre},
                "vocational": {"answer": "given", "institution": None}})
            referrals.create_referral(actor=users["ngo2.worker"], case=case, data={
                "to_institution": centre, "purpose": "referral", "urgency": "routine",
                "message": "Vocational training and a job: the person agreed.", "shared_sections": ["identity"]})
            return True

        if _try(to_centre):
            done["centre"] += 1
            break

    # Cases for the consul: a return prepared with the consulate (Azerbaijani citizens abroad), accepted there.
    embassy = institutions[demo.EMBASSY]
    staff = {demo.NGO1: users["ngo.worker"], demo.NGO2: users["ngo2.worker"], demo.CENTRE: users["centre.worker"]}
    for case in _adults(cases, set(staff)):
        if done["consul"] >= CONSUL_CASES:
            break
        if case.pk in used:
            continue

        def consular(case=case, owner_staff=staff[case.owner_institution.code]):
            record_conversation(actor=owner_staff, case=case, common=_common(now), answers={
                "return": {"answer": "given", "institution": None},
                "consular_notification": {"answer": "given", "institution": embassy},
                "family_contact": {"answer": "given", "institution": None}})
            referral = referrals.create_referral(actor=owner_staff, case=case, data={
                "to_institution": embassy, "purpose": "return", "urgency": "urgent",
                "message": "Travel document needed for the return.", "shared_sections": ["identity", "contacts",
                                                                                         "return"]})
            referrals.accept_referral(actor=users["consul.officer"], referral=referral,
                                      expected_version=referral.version)
            return True

        if _try(consular):
            done["consul"] += 1
            used.add(case.pk)

    # Cases the 152 hotline registered from calls.
    plan = demo.plan_world(world["seed"], HOTLINE_CASES, start=100000, time_base=world["today"])
    for planned in plan["cases"]:
        planned.update(opened_by="hotline.operator", notes=[], decision=None, outcome=None)
        planned["case"]["first_contact_at"] = now - datetime.timedelta(hours=3 + done["hotline"])
        if _try(lambda planned=planned: demo.apply_cases({"cases": [planned]}, users, world["terms"])):
            done["hotline"] += 1
    return done
