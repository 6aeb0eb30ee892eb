"""Law 7, walked route by route: no change of an existing record lets a stale edit silently overwrite.

How it works. The routes are those of the access matrix (tests/test_access_matrix.py: every pattern of
`get_resolver()`), and so are its world, its object providers and its signed-in clients. A route changes an
existing record when
- it is an API route whose viewset maps PUT or PATCH (an update), or POST on a route with an object in its URL
  (an action on that record: accept, decline, cancel …), or an APIView with `put`;
- it is a page with an object in its URL that takes a POST: a form page (GET shows the form, POST saves it) or a
  POST-only action.
Creating routes with no object in their URL are not changes of an existing record and are not walked.

For each route, as the first role its matrix entry allows (the order of tests/test_every_read_audited.py), with
the role's own object, the record the route changes (TARGET) is found by its uuid:
1. its version is read (for a form page: the form is fetched and every field it shows is posted back as shown);
2. the record is changed once through the one strict version check of nicat/core (`bump_version`), so that
   the version moves on, as another user's save would;
3. the change is sent with the OLD version: the API must answer 409, a page must say the record was "changed
   by someone else" (200/409, or after its redirect), and every stored column of the record must be as it was;
4. API only: the change without `version` must answer 400 naming `version`.

The allow-list rule: a route that changes a record without the version (it only appends a new record, or its
service locks the row and re-checks the state, so a second identical action is refused as such) is named in
NOT_VERSIONED with the reason. The reason is checked, not trusted: an allow-listed route is still sent the
stale version, and must not refuse it as a concurrent edit (else it is versioned: take it out of the list).
A route the walk cannot drive (the form's version is not the target's, a 400 for another reason…) is
reported as unwalked, never passed.

Where the world as the matrix builds it does not let an action through, a route may say what it needs (API routes):
- BODIES: the body the action needs besides the version (a dict, or `body(world, role, target)` for one naming an
  object of the world or today's date); an update's body is sent too, and the matrix rule's `query` (the reason a
  read of the security measures needs) goes in the address of an update;
- ROLES: the role to walk it as, where the first of `walkers` may reach the route but not take the action (the
  requester of an approval, the NGO's worker on the hearings law enforcement records);
- PREPARE: `prepare(world, role, uuid) -> (uuid, target)` puts a record in the state the action needs (an accepted
  referral …; a fresh one, so that no other route's object changes) and names its TARGET where the action checks
  the version of another record than the one in its URL (the case's team, the referral's return plan, the claim
  a criminal case is linked to; for an allow-listed action, the parent whose stale version it must not refuse);
- VERSION_FIELDS: the name of the version in the body, where it is not `version`.

Two additions (7 December) for routes whose record is not the versioned record found by the URL's uuid:
- TARGETS names the record a form's version belongs to when it is another record of the one in the URL (the
  case's person, plan, team); it is then walked as above. NEW_RECORD names forms that create a new record
  under the one in their URL (nothing to overwrite): checked, the form's version field is empty.
- Records without a version column are classified by what a second identical action does, in ONE_WAY (a
  one-way state transition: the service locks the row or updates it conditionally and re-checks the state;
  the second is refused with a named message), ONCE (idempotent: the second finds the state it asks for and
  changes nothing) or READS (a page that changes nothing). test_every_unversioned_change_happens_once does
  each twice as the walk's role, in a savepoint rolled back afterwards, and checks the record and the audit
  trail: one change, the action's events recorded by the first only, never a 5xx.

Pages (7 December): what a user types besides what the form shows, and the words a page refuses with:
- PAGE_BODIES: the fields a user types, merged over the form as shown (or sent alone, with the version, by a
  POST-only action): a dict, or `body(world, role, target)` for a value naming an object of the world or a date;
- CONFLICTS: the words a page refuses a stale version with where they are its own (not CONFLICT's).
ROLES and PREPARE serve pages as they serve API routes.
"""
import datetime
import itertools
import re
import time
from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from nicat.core.models import VersionedModel
from tests.test_access_matrix import DECLARED, PROVIDERS, ROUTES, build_url, signed_in_world, walkers

CONFLICT = "changed by someone else"

# Routes that change a record without a version, each with the reason (checked: they must not refuse a stale
# version as a concurrent edit).
_WITHDRAW = ("a withdrawal of consent is never blocked by someone else's edit: the service locks the consent and "
             "refuses a second withdrawal as such (nicat/consent/services.py withdraw_consent)")
NOT_VERSIONED: dict[str, str] = {
    "consent-withdraw": _WITHDRAW,
    "consent:withdraw": _WITHDRAW,
    # Appending under a versioned parent (the walk sends the parent's stale version; it must go through).
    "case-notes": "a note is appended to the case: the case is not changed, nothing of it is overwritten",
    "case-events": "a trafficking event is appended to the case: the case is not changed, nothing is overwritten",
    "assistance-plan-goals": "a goal is appended to the plan; what it depends on, the plan being open, the service "
                             "re-checks on the plan's locked row (a final review closing it waits for it or refuses)",
    "assistance-plan-goal-actions": "an action is appended under the goal; what it depends on, the goal being neither "
                                    "declined nor finished, the service re-checks on the goal's locked row",
    "assistance-plan-reviews": "a review is appended; the next review date follows from it and the final one closes "
                               "the plan: the service locks the plan and re-checks it is open and, for the final "
                               "review, that no goal is still open",
    "referral-progress": "a progress report is appended; the status it moves (accepted to in progress) the service "
                         "re-checks on the referral's locked row, refusing once it is no longer active",
    "identification-refer": "a referral for identification is made once: refused as such once the case is referred, "
                            "decided or closed; the identification row moves on by a conditional update of the "
                            "version and status read in the same request; the case itself is not changed",
    # Pages that add a record under the one in their URL (the walk sends that record's stale version; it must go
    # through): nothing of the record in the URL is changed or overwritten.
    "cases:note_add": "a note is appended to the case: the case is not changed, nothing of it is overwritten",
    "cases:event_add": "a trafficking event is appended to the case: the case is not changed, nothing is overwritten",
    "safety:assess": "a new assessment is appended (the earlier ones stay as they were); the level it may set the "
                     "service compares on the case's locked row",
    "safety:relative_add": "a relative or helper is appended to the case: nothing of the case is changed",
    "safety:measure_add": "a security measure is appended to the case: nothing of the case is changed",
    "safety:family_contact": "a contact with the family is appended to the case: nothing of the case is changed",
    "assistance:plan_create": "the case's one rehabilitation plan is created: a second one is refused as such (one "
                              "plan per case, a unique row); the case is not changed",
    "assistance:permit_open": "a residence permit is tracked: a second one in progress is refused as such (the "
                              "service locks the case's row and re-checks); the case is not changed",
    "identification:screening_preview": "a preview of the recommendation for the answers typed: nothing is saved",
    "referrals:progress": "a progress report is appended; the status it moves (accepted to in progress) the service "
                          "re-checks on the referral's locked row, refusing once it is no longer active",
}

# Routes the walk does not drive yet, with what it lacks (a body for the action, a role or an object of the
# world): they are reported, not passed. Each is a gap of this walk, not a finding; the test fails once one is
# walked (then take it out of here).
NOT_YET_WALKED: dict[str, str] = {}

# A body an action needs besides the version (without it the action refuses for another reason first).
BODIES: dict[str, dict | Callable[..., dict]] = {
    'referral-cancel': {'reason': 'Matrix: no longer needed.'},
    'referral-decline': {'reason': 'Matrix: no place.'},
    'assistance-stay-extend': {'reason': 'Matrix: needs more time.'},
    'assistance-allowance-reverse': {'reason': 'Matrix: paid twice.'},
    'assistance-compensation-payment-reverse': {'reason': 'Matrix: paid twice.'},
    'legal-basis-order-reject': {'reason': 'Matrix: no court order attached.'},
    'consent-withdrawal-wish-resolve': {'note': 'Matrix: withdrew the consent.'},
    # API actions of cases, assistance, proceedings, referrals, safety (the smallest body each serializer takes).
    'assistance-compensation-award': lambda world, role, target: {'awarded_amount': '100.00', 'awarded_on': _today()},
    'assistance-compensation-payment': lambda world, role, target: {'amount': '50.00', 'paid_on': _today(),
                                                                    'paid_from': 'aid_fund'},
    'assistance-plan-goals': lambda world, role, target: {
        'area': 'legal', 'description': 'Matrix: legal advice on her claim.',
        'responsible_institution': str(target.case.owner_institution.uuid)},
    'assistance-plan-goal-actions': lambda world, role, target: {
        'description': 'Matrix: an appointment with a lawyer.',
        'responsible_institution': str(target.case.owner_institution.uuid)},
    'assistance-plan-reviews': {'summary': 'Matrix: the plan is on track.'},
    'assistance-return-complete': lambda world, role, target: {'completed_on': _today()},
    'assistance-stay-discharge': {'end_kind': 'completed'},
    'assistance-stay-transfer': lambda world, role, target: {'to_facility': str(_other_facility(target).uuid),
                                                             'group': 'women'},
    'assistance-follow-up-record': lambda world, role, target: {'done_on': _today(),
                                                                'outcome': 'Matrix: she is well at home.'},
    'case-assignment': lambda world, role, target: {'worker': str(world.user(role).uuid)},
    'case-events': {'kind': 'Recruitment'},
    'case-notes': {'text': 'Matrix: she called the hotline.'},
    'data-request-decide': {'decision': 'refuse', 'reason': 'Matrix: no such data is held.'},
    'assistance:follow_up_record': {'done_on': '2026-01-15', 'outcome': 'Matrix: she is well, works again.'},
    'persons:merge_undo': {'reason': 'Matrix: two different women.'},
    'approval-decide': {'decision': 'refuse', 'note': 'Matrix: not now.'},
    'proceedings-appearance-detail': {'status': 'excused'},  # the matrix's hearing is to come: excused in advance
    'proceedings-criminal-case-stage': lambda world, role, target: {'stage': 'appeal', 'changed_on': _today()},
    'proceedings-criminal-case-verdict': lambda world, role, target: {
        'verdict_on': _today(), 'verdict_court': 'Baku Serious Crimes Court', 'verdict_outcome': 'acquittal'},
    'proceedings-criminal-case-link-compensation': lambda world, role, target: {'claim': str(target.uuid)},
    'proceedings-release-request-decide': lambda world, role, target: {'outcome': 'refused', 'decided_on': _today()},
    'referral-progress': {'text': 'Matrix: the first meeting took place.'},
    'referral-arrival': {'note': 'Matrix: met at the airport.'},
    'referral-return-plan': {'arrival_point': 'Matrix: Baku airport'},
    'safety-assessment-plan': {'safety_plan': 'Matrix: she stays at the shelter until the hearing.'},
}

# The role an action is walked as where the first of `walkers` may reach the route but not take the action.
ROLES: dict[str, str] = {
    'approval-decide': 'supervisor',  # a supervisor of the approving institution, never the requester
    'proceedings-appearance-detail': 'supervisor',  # law enforcement records the hearings; the NGO's worker reads them
    'proceedings-hearing-detail': 'supervisor',
    'consent:order_approve': 'supervisor',  # a supervisor of the competent authority decides on a legal basis
    'consent:order_reject': 'supervisor',
}

# The name of the version in the body where it is not `version`.
VERSION_FIELDS: dict[str, str] = {
    'proceedings-criminal-case-link-compensation': 'claim_version',  # the link changes the claim, not the case
}


def _today(world=None, role=None, target=None):
    return timezone.localdate().isoformat()


def _other_facility(stay):
    """Another shelter's facility, with beds: where a transfer takes the person."""
    from nicat.assistance.models import CapacityGroup, Facility
    from tests.support.world import make_institution

    facility = Facility.objects.filter(institution__code="mx-shelter-2").first()
    if facility is None:
        institution = make_institution("mx-shelter-2", "shelter", is_special_institution=True)
        facility = Facility.objects.create(institution=institution, kind=stay.facility.kind)
        CapacityGroup.objects.create(facility=facility, group="women", beds=10)
    return facility


def _referral(sender, case, to, purpose):
    from nicat.consent.services import record_consent
    from nicat.referrals.services import create_referral

    record_consent(actor=sender, case=case, data={"purpose": purpose, "institution": to, "decision": "given",
                                                  "method": "written",
                                                  "given_at": timezone.now() - datetime.timedelta(minutes=5)})
    return create_referral(actor=sender, case=case, data={"to_institution": to, "purpose": purpose,
                                                          "shared_sections": ["identity"], "message": "Matrix."})


_SENDERS = itertools.count(1)


def _incoming(world, role, purpose):
    """A fresh referral to the role's institution from another one's new case, accepted by the role."""
    from nicat.accounts.models import Role
    from nicat.cases.services import open_case
    from nicat.referrals.services import accept_referral
    from tests.support.access_matrix.referrals import _institution
    from tests.support.world import make_user

    n = next(_SENDERS)  # a route of the API and its page both ask for one: each gets its own sender
    sender = make_user(f"mx.sender.{purpose}.{n}", _institution(world, f"mx-sender-{purpose}-{n}"), Role.CASE_WORKER)
    case = open_case(actor=sender, person_data={"given_name": "Matrix", "family_name": "Sent",
                                                "birth_date": datetime.date(1990, 4, 12)},
                     case_data={"first_contact_at": timezone.now() - datetime.timedelta(hours=1)})
    referral = _referral(sender, case, world.user(role).memberships.first().institution, purpose)
    accept_referral(actor=world.user(role), referral=referral, expected_version=referral.version)
    return referral, sender


def _accepted_referral(world, role, uuid):
    referral, _sender = _incoming(world, role, "referral")
    return str(referral.uuid), referral


def _arrived_return(world, role, uuid):
    """A referral for return to the role's institution, its return plan with an arrival already recorded (a
    correction of it names the plan's version)."""
    from nicat.referrals.services import record_arrival, save_return_plan

    referral, sender = _incoming(world, role, "return")
    save_return_plan(actor=sender, referral=referral, data={"arrival_point": "Matrix: Baku airport"})
    plan = record_arrival(actor=world.user(role), referral=referral, note="Matrix: arrived.")
    return str(referral.uuid), plan


def _planned_return(world, role, uuid):
    """A referral for return sent by the role's institution, with its return plan."""
    from nicat.referrals.services import save_return_plan
    from tests.support.access_matrix.referrals import _institution

    case = world.new_case(_owner_of(role))
    referral = _referral(world.user(role), case, _institution(world, "mx-return-target"), "return")
    plan = save_return_plan(actor=world.user(role), referral=referral, data={"arrival_point": "Matrix: airport"})
    return str(referral.uuid), plan


def _owner_of(role):
    from nicat.accounts.models import Role
    from tests.support.world import INSTITUTION_OF_ROLE

    return INSTITUTION_OF_ROLE[Role(role)]


def _case_team(world, role, uuid):
    """The case's team, nobody assigned yet (the role may take the case for itself)."""
    from nicat.cases.models import Case
    from nicat.work.models import CaseTeam

    case = Case.objects.system().get(uuid=uuid)
    team, _created = CaseTeam.objects.system().get_or_create(case=case, defaults={"version": 0})
    return uuid, team


def _pending_approval(world, role, uuid):
    """A request of another member of the role's institution, which the role (its supervisor) decides."""
    from nicat.work.models import Approval

    case = world.case_of(role)
    requester = next(world.user(r) for r in ("identification_officer", "analyst")
                     if _owner_of(r) == _owner_of(role))
    approval = Approval.objects.system().create(case=case, institution=case.owner_institution, kind="case_close",
                                                target=case.uuid, payload={}, requested_by=requester,
                                                note="Matrix approval note")
    return str(approval.uuid), approval


def _linked_claim(world, role, uuid):
    """A compensation claim of the criminal case's case: the link changes the claim."""
    from decimal import Decimal

    from nicat.assistance.models import CompensationClaim
    from nicat.proceedings.models import CriminalCase

    criminal_case = CriminalCase.objects.system().get(uuid=uuid)
    claim = CompensationClaim.objects.system().create(case=criminal_case.case, claimed_amount=Decimal("100.00"),
                                                      claimed_on=timezone.localdate())
    return uuid, claim


def _case_with_consent(world, role, uuid):
    """A new case of the role's institution, with the person's consent to the referral for identification."""
    from tests.support.identification import identification_consent

    case = world.new_case(_owner_of(role))
    identification_consent(world.user(role), case)
    return str(case.uuid), case


def _reception(world, role, uuid):
    """A reception of a citizen returned from abroad, planned: completing it asks for no risk assessment, documents or
    travel (a voluntary return does, before its version check)."""
    from nicat.assistance.models import ReturnPlan
    from nicat.vocab.models import Term

    plan = ReturnPlan.objects.system().create(case=world.case_of(role), direction="reception",
                                              country=Term.objects.get(vocabulary="country", code="UZ"))
    return str(plan.uuid), plan


def _new_case(world, role, uuid):
    """A new case of the role's institution, with no plan and no stay: one it may close."""
    case = world.new_case(_owner_of(role))
    return str(case.uuid), case


def _recognised(world, role, uuid):
    """A new case of the role's institution whose person (her citizenship not recorded) is recognised: the
    residence permit follows; the version it checks is the identification's."""
    from nicat.identification.models import Identification

    case = world.new_case(_owner_of(role))
    identification = Identification.objects.system().create(case=case, status="recognised")
    return str(case.uuid), identification


def _assessed_with_consent(world, role, uuid):
    """A new case of the role's institution, its risks assessed (low) and the person's consent to contacting her
    family recorded: what a contact with the family needs first."""
    from nicat.consent.services import record_consent
    from nicat.safety.services import record_assessment

    case, actor = world.new_case(_owner_of(role)), world.user(role)
    record_assessment(actor=actor, case=case, data={"occasion": "family_contact", "level": "low",
                                                    "reasons": "Matrix: no threat known.", "review_on": _today()})
    record_consent(actor=actor, case=case, data={"purpose": "family_contact", "decision": "given", "method": "written",
                                                 "given_at": timezone.now() - datetime.timedelta(minutes=5)})
    return str(case.uuid), case


# The object an action needs, in the state it needs, and the record whose version it checks (see the docstring).
PREPARE: dict[str, Callable[..., tuple]] = {
    'approval-decide': _pending_approval,
    'assistance-return-complete': _reception,
    'case-assignment': _case_team,
    'identification-refer': _case_with_consent,
    'proceedings-criminal-case-link-compensation': _linked_claim,
    'referral-arrival': _arrived_return,
    'referral-progress': _accepted_referral,
    'referral-return-plan': _planned_return,
    # pages
    'safety:family_contact': _assessed_with_consent,
    'identification:residence_permit': _recognised,
    'referrals:arrival': _arrived_return,
    'referrals:progress': _accepted_referral,
    'referrals:return_plan': _planned_return,
    'assistance:close': _new_case,
    'assistance:return_complete': _reception,
}

# --- Pages: what the walk types in, and the words a page refuses with (see the docstring) -----------------------

PAGE_BODIES: dict[str, dict | Callable[..., dict]] = {
    'identification:decide': {'outcome': 'recognised', 'doc-0-title': 'Matrix: inquiry report', 'doc-0-date': _today,
                              'doc-0-reference': 'MD-1'},
    'referrals:progress': {'text': 'Matrix: the first meeting took place.'},
    'referrals:arrival': {'arrived_at': lambda world, role, target: timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                          'note': 'Matrix: met at the airport.'},
    'referrals:return_plan': {'documents': 'requested', 'arrival_point': 'Matrix: Baku airport'},
    'assistance:transfer': {'to_facility': lambda world, role, stay: str(_other_facility(stay).uuid)},
    'hotline:link': {'case': lambda world, role, target: str(world.case_of(role).uuid)},
    'assistance:allowance_reverse': {'reason': 'Matrix: paid twice.'},
    'assistance:claim_award': {'awarded_amount': '100', 'awarded_on': _today},
    'assistance:claim_payment': {'amount': '100', 'paid_on': _today},
    'assistance:close': {'closure_reason': 'LostContact'},
    'assistance:compensation_reverse': {'reason': 'Matrix: paid twice.'},
    'assistance:extend': {'reason': 'Matrix: needs more time.'},
    'assistance:return_complete': {'completed_on': _today},
    'cases:event_add': {'event-kind': 'Recruitment'},
    'cases:note_add': {'text': 'Matrix: she called the hotline.'},
    'persons:duplicate_merge': {'keep': 'a', 'reason': 'Matrix: same birth date and document.'},
    'proceedings:stage': {'stage': 'appeal', 'changed_on': _today},
    'proceedings:verdict': {'verdict_on': _today, 'verdict_court': 'Baku Serious Crimes Court',
                            'verdict_outcome': 'acquittal'},
    'retention:request_decide': {'decision': 'refuse', 'reason': 'Matrix: no such data is held.'},
    'safety:assess': {'occasion': 'intake', 'level': 'low', 'reasons': 'Matrix: no threat known.',
                      'review_on': _today},
    'safety:family_contact': {'contacted_on': _today},
    'safety:measure_add': {'kind': 'escort', 'responsible_body': 'Matrix: the police', 'starts_on': _today,
                           'review_on': _today, 'person_view': 'agrees'},
    'safety:relative_add': {'relation': 'parent', 'given_name': 'Matrix', 'risk': 'low'},
    'safety:plan': {'safety_plan': 'Matrix: she stays at the shelter until the hearing.'},
    'consent:order_reject': {'reason': 'Matrix: no court order attached.'},
    'consent:wish_resolve': {'note': 'Matrix: withdrew the consent.'},
    'referrals:cancel': {'reason': 'Matrix: no longer needed.'},
    'referrals:decline': {'reason': 'Matrix: no place.'},
    'hotline:open_case': {'person-given_name': 'Matrix'},
}

CONFLICTS: dict[str, str] = {
    'persons:duplicate_dismiss': 'Someone else decided on this pair in the meantime',
    'persons:duplicate_merge': 'Someone else decided on this pair in the meantime',
}


def page_body(key, world, role, target):
    body = PAGE_BODIES.get(key, {})
    body = body(world, role, target) if callable(body) else body
    return {name: value(world, role, target) if callable(value) else value for name, value in body.items()}


# --- Records of another kind than the URL's, and records without a version (7 December) -------------------

def _case(values):
    from nicat.cases.models import Case

    return Case._base_manager.get(uuid=values["case_uuid"])


def _team(values):
    """The case's team (its assignment): the world's cases are unassigned, so it is made here, as the first
    assignment would (version 0, nobody yet)."""
    from nicat.work.models import CaseTeam

    case = _case(values)
    return CaseTeam._base_manager.filter(case=case).first() or CaseTeam._base_manager.create(case=case, version=0)


def _plan(values):
    from nicat.assistance.models import RehabilitationPlan

    return RehabilitationPlan._base_manager.get(case=_case(values))


# The record a form's version belongs to when it is not the one in the URL (a page of the case that edits
# another record of it): found from the URL's values, then walked like any other target.
TARGETS = {
    "cases:person_edit": lambda values: _case(values).person,
    "assistance:agreement": _plan,
    "work:assign": _team,
}

# Forms that create a new record under the one in their URL: nothing exists yet that a stale form could
# overwrite. Checked: the form's version field is empty (the new record has none yet).
NEW_RECORD: dict[str, str] = {
    "work:task_new": "creates a new task on the case (nicat/work/services.py create_task); the form's version "
                     "field is the edit form's, empty here",
    "identification:screening_new": "creates a new screening (save_screening with screening=None); drafts are "
                                    "continued on identification:screening, whose form carries their version",
}

# Records without a version column, each classified by what a second identical action does (law 7: two
# people, or two tabs, acting on one record). The walk does it twice as the walk's role
# (test_every_unversioned_change_happens_once), each route in a savepoint rolled back afterwards.
# ONE_WAY: a one-way state transition; its service locks the row (or updates it conditionally) and re-checks
# the state. {key: (audit action, what the second is told, reason)}. Checked: the first is done (the record
# changes, one event of the action), the second is refused with that message (no 5xx), changes nothing and
# records no second event.
ONE_WAY: dict[str, tuple[str, str, str]] = {
    "access:break_glass_reviewed": (
        "case.break_glass_review", "already reviewed",
        "one review per opening: review_break_glass locks the opening and refuses a reviewed one"),
    "access:restriction_lift": (
        "restriction.lift", "already lifted",
        "lift_restriction_order updates only an active order; an order is never amended, only recorded and lifted"),
    "accounts:grant_decide": (
        "membership.confirm", "no longer waits for confirmation",
        "confirm and reject decide a pending grant once: _decide locks the membership and re-checks it is pending"),
    "assistance:follow_up_record": (
        "followup.record", "already recorded",
        "record_follow_up locks the follow-up and refuses one already recorded"),
    "assistance-follow-up-record": (
        "followup.record", "already recorded",
        "record_follow_up locks the follow-up and refuses one already recorded"),
    "assistance:interpreter_remove": (
        "interpreter.remove", "Not found",
        "a removal: the second, sent after it, finds the need gone (404); two at once: remove_interpreter_need "
        "deletes the row once and refuses the other with 'already removed' (nicat/assistance/tests/"
        "test_foreigners.py)"),
    "hotline:alert_acknowledge": (
        "hotline.alert_acknowledged", "already acknowledged",
        "acknowledge_alert updates only an unacknowledged alert and refuses the second"),
    "persons:merge_undo": (
        "person.merge_undo", "already been undone",
        "undo_merge locks the merge record and refuses one already undone"),
}
# ONCE: idempotent — the second finds the state it asks for already there and changes nothing. {key: (audit
# action or "" for a change that is not audited, reason)}. Checked: the first is done, the second answers
# without a 5xx, changes nothing and records no second event.
ONCE: dict[str, tuple[str, str]] = {
    "access:break_glass_end": (
        "case.break_glass_end",
        "only the opener ends their own opening; end_break_glass sets ended_at only while it is unset"),
    "accounts:token_revoke": (
        "token.revoke", "only the owner revokes their own token; revoke_token sets revoked_at only while it is unset"),
    "statistics:end_report_schedule": (
        "statistics.report_schedule_ended",
        "only the owner stops their own standing order; end_report_schedule locks it and ends it only once"),
    "referrals:notification_open": (
        "", "a user opens their own notification; mark_read sets read_at only while it is unset"),
}
# READS: pages that show or hand out a record and change none of its columns. Checked: GET twice, the record
# is as it was.
READS: dict[str, str] = {
    "directory:detail": "an institution's page of the directory: a read",
    "statistics:scheduled_report": "its owner downloads a made report (audited as a read): nothing changes",
}
UNVERSIONED = {**ONE_WAY, **ONCE, **READS}


def callbacks():
    found = {}

    def walk(resolver, namespace):
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                ns = namespace
                if p.namespace:
                    ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
                walk(p, ns)
            elif isinstance(p, URLPattern) and p.name:
                found.setdefault(f"{namespace}:{p.name}" if namespace else p.name, p.callback)

    walk(get_resolver(), None)
    return found


def rules():
    return {key: rule for entries in DECLARED.values() for key, rule in entries.items() if key in ROUTES}


def change_routes():
    """(key, kind, methods) of every route that changes an existing record: kind "api" or "page"."""
    found, every = [], rules()
    for key, callback in sorted(callbacks().items()):
        rule = every.get(key)
        if rule is None or rule.skip or key.startswith("admin:") or not rule.kwargs:
            continue
        actions = getattr(callback, "actions", None)
        cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        allowed = getattr(cls, "http_method_names", ())
        if actions is not None:
            actions = {m: a for m, a in actions.items() if m in allowed}
            methods = tuple(m for m in ("patch",) if m in actions) or \
                tuple(m for m in ("post",) if m in actions and actions[m] != "create")
            if methods:
                found.append((key, "api", methods))
        elif cls is not None:
            if hasattr(cls, "put"):
                found.append((key, "api", ("put",)))
        elif "post" in rule.methods or "get" in rule.methods:
            found.append((key, "page", ("post",)))  # a GET page is walked when its form carries a version
    return found


def walker(rule):
    """The role a change route is walked as: the first of `walkers`, each route being one of an object."""
    return (walkers(rule, of_object=True) or [None])[0]


def versioned_models():
    return [m for m in apps.get_models() if issubclass(m, VersionedModel)]


def record_of(uuid):
    for model in versioned_models():
        obj = model._base_manager.filter(uuid=uuid).first() if hasattr(model, "uuid") else None
        if obj is not None:
            return obj
    return None


def stored(obj):
    fresh = type(obj)._base_manager.get(pk=obj.pk)
    return {f.attname: getattr(fresh, f.attname) for f in fresh._meta.concrete_fields}


def move_on(obj):
    """Someone else's change: the version moves on through the one strict check of nicat/core."""
    from nicat.core.services import bump_version

    with transaction.atomic():
        bump_version(type(obj), obj, type(obj)._base_manager.get(pk=obj.pk).version)


class Forms(HTMLParser):
    """The forms of a page: [(action, {name: value})], each field as the page shows it."""

    def __init__(self):
        super().__init__()
        self.forms, self._select, self._textarea = [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append((a.get("action") or "", (a.get("method") or "get").lower(), {}))
        if not self.forms:
            return
        fields = self.forms[-1][2]
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    fields[name] = a.get("value", "on")
            elif kind not in ("submit", "button", "file"):
                fields.setdefault(name, a.get("value") or "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            if "selected" in a or self._select not in fields:
                fields[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1][2][self._textarea] += data


def page_form(response, url):
    if not response.get("Content-Type", "").startswith("text/html"):
        return None
    parser = Forms()
    parser.feed(response.content.decode(errors="replace"))
    for action, method, fields in parser.forms:
        if method == "post" and "version" in fields and action in ("", url):
            return fields
    return None


def refused(response, words=CONFLICT):
    if response.status_code == 409:
        return True
    text = response.content.decode(errors="replace")
    return response.status_code in (200, 400) and words in text


def names_version(response, field="version"):
    try:
        return response.status_code == 400 and field in response.json()
    except ValueError:
        return False


def test_every_allow_listed_route_exists():
    walked = {key for key, _kind, _methods in change_routes()}
    stale = sorted((set(NOT_VERSIONED) | set(BODIES) | set(NOT_YET_WALKED) | set(ROLES) | set(PREPARE)
                    | set(VERSION_FIELDS) | set(TARGETS) | set(NEW_RECORD) | set(UNVERSIONED) | set(PAGE_BODIES)
                    | set(CONFLICTS)) - walked)
    assert not stale, f"Allow-listed routes that are not change routes (any more): {stale}"


def test_every_change_refuses_a_stale_version(db, settings):
    started = time.monotonic()
    world, clients = signed_in_world(settings)
    every = rules()
    overwriting, unwalked, versioned_but_listed, walked, listed = [], [], [], [], []
    for key, kind, methods in change_routes():
        if key in UNVERSIONED:
            continue  # walked by test_every_unversioned_change_happens_once
        rule, route = every[key], ROUTES[key]
        role = ROLES.get(key) or walker(rule)
        if role is None:
            unwalked.append(f"{key}: no role may use it")
            continue
        values = dict(rule.literals)
        for kwarg, kind_of in rule.kwargs.items():
            values[kwarg] = world.provide(PROVIDERS, kind_of, role, True)
        if any(v is None for v in values.values()):
            unwalked.append(f"{key}: the world has no object for {role}")
            continue
        last = list(values)[-1]
        target = record_of(values[last])
        if key in PREPARE:
            values[last], target = PREPARE[key](world, role, values[last])
        url = build_url(route, values)
        if key in NEW_RECORD:
            form = page_form(clients.get(role, False).get(url), url)
            if form is None or str(form["version"]).strip():
                unwalked.append(f"{key}: listed as creating a new record, but its form shows no empty version "
                                f"({form and form['version']!r})")
            else:
                walked.append(key)
            continue
        if key in TARGETS:
            target = TARGETS[key](values)
        if target is None:
            if key not in NOT_VERSIONED:
                unwalked.append(f"{key}: its object is no versioned record")
            continue
        client = clients.get(role, kind == "api")
        field = VERSION_FIELDS.get(key, "version")
        for method in methods:
            old = stored(target)
            if kind == "api":
                # an update names only the version (the service's check comes before any change) and what else
                # it needs (BODIES), an action the body it needs
                body = BODIES.get(key, {})
                stale = {**(body(world, role, target) if callable(body) else body), field: old["version"]}
                if method == "patch" and rule.query:
                    url = f"{url}?{urlencode(rule.query)}"
            else:
                form = None
                if "get" in rule.methods:
                    form = page_form(client.get(url), url)
                    if form is None and "post" not in rule.methods:
                        continue  # a page without an edit form: a read, or a form creating a new record
                stale = {**(form or BODIES.get(key, {})), **page_body(key, world, role, target),
                         "version": old["version"]}
                if form is not None and str(form["version"]) != str(old["version"]):
                    unwalked.append(f"{key}: its form's version ({form['version']}) is not that of "
                                    f"{type(target).__name__} ({old['version']})")
                    continue
            move_on(target)
            moved = stored(target)
            if kind == "api":
                response = getattr(client, method)(url, stale, format="json")
            else:
                response = client.post(url, stale, follow=True)
            after = stored(target)
            where = f"{key} {method.upper()} {url} as {role}"
            if refused(response, CONFLICTS.get(key, CONFLICT)):
                if after != moved:
                    overwriting.append(f"{where}: refused, but the record changed")
                elif key in NOT_VERSIONED:
                    versioned_but_listed.append(f"{key}: refuses a stale version — take it out of NOT_VERSIONED")
                else:
                    walked.append(key)
            elif key in NOT_VERSIONED:
                listed.append(key)
            elif response.status_code < 300 and (kind == "api" or after != moved):
                changed = sorted(k for k in after if after[k] != moved[k])
                overwriting.append(f"{where}: a stale version was taken ({response.status_code}), {changed} "
                                   f"overwritten")
            else:
                text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode(errors="replace")))
                unwalked.append(f"{where}: answered {response.status_code} «{text[:300]}»")
            if kind == "api" and key not in NOT_VERSIONED and refused(response):
                missing = getattr(client, method)(url, {k: v for k, v in stale.items() if k != field},
                                                  format="json")
                if not names_version(missing, field):
                    overwriting.append(f"{where} without a version: answered {missing.status_code}, not a 400 "
                                       f"naming version: {missing.content[:200]!r}")
    elapsed = time.monotonic() - started
    print(f"\nwalked {len(set(walked))} change routes in {elapsed:.1f}s; {len(set(listed))} allow-listed")
    message = []
    if overwriting:
        message.append(f"{len(overwriting)} stale changes not refused:\n  " + "\n  ".join(overwriting))
    if versioned_but_listed:
        message.append("Allow-listed, but versioned:\n  " + "\n  ".join(versioned_but_listed))
    gaps = {line.split(" ", 1)[0].rstrip(":") for line in unwalked}
    now_walked = sorted(set(NOT_YET_WALKED) - gaps)
    unwalked = [line for line in unwalked if line.split(" ", 1)[0].rstrip(":") not in NOT_YET_WALKED]
    print(f"not yet walked: {len(gaps & set(NOT_YET_WALKED))}: {sorted(gaps & set(NOT_YET_WALKED))}")
    if now_walked:
        message.append(f"Walked now — take them out of NOT_YET_WALKED: {now_walked}")
    if unwalked:
        message.append(f"{len(unwalked)} routes the walk could not drive:\n  " + "\n  ".join(unwalked))
    assert not message, "\n".join(message)


def any_record_of(value):
    """The record of any model whose `uuid` is `value` (None once it is deleted)."""
    for model in apps.get_models():
        field = next((f for f in model._meta.concrete_fields if f.name == "uuid"), None)
        if field is None:
            continue
        try:
            obj = model._base_manager.filter(uuid=value).first()
        except (ValueError, ValidationError):
            continue
        if obj is not None:
            return obj
    return None


def stored_or_gone(model, pk):
    fresh = model._base_manager.filter(pk=pk).first()
    return None if fresh is None else {f.attname: getattr(fresh, f.attname) for f in fresh._meta.concrete_fields}


def last_event():
    from nicat.audit.models import AuditEvent

    return AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0


def send(client, url, body, api):
    """A GET (`body` None) or a POST of `body`, as a page (following its redirect) or to the API."""
    if body is None:
        return client.get(url, follow=not api)
    if api:
        return client.post(url, body, format="json")
    return client.post(url, body, follow=True)


def test_every_unversioned_change_happens_once(db, settings):
    """ONE_WAY, ONCE and READS: each action done twice as the walk's role (see their comments)."""
    from nicat.audit.models import AuditEvent

    world, clients = signed_in_world(settings)
    every, routes = rules(), {key: (kind, methods) for key, kind, methods in change_routes()}
    failures, walked = [], []
    for key in sorted(UNVERSIONED):
        rule, (kind, _methods) = every[key], routes[key]
        role = walker(rule)
        values = {**rule.literals, **{kwarg: world.provide(PROVIDERS, kind_of, role, True)
                                      for kwarg, kind_of in rule.kwargs.items()}}
        target = any_record_of(list(values.values())[-1])
        if role is None or target is None:
            failures.append(f"{key}: no role or no object to walk it as ({role})")
            continue
        url, api = build_url(ROUTES[key], values), kind == "api"
        client = clients.get(role, api)
        given = BODIES.get(key, {})
        body = {**rule.query, **(given(world, role, target) if callable(given) else given)}
        where = f"{key} as {role}"
        action = ONE_WAY[key][0] if key in ONE_WAY else ONCE[key][0] if key in ONCE else ""

        read = key in READS or ("post" not in rule.methods and key not in BODIES)  # a GET (that may change)

        def events(since, action=action):
            return AuditEvent.objects.filter(sequence__gt=since, action=action).count() if action else 0

        start = last_event()
        point = transaction.savepoint()
        try:
            before = stored_or_gone(type(target), target.pk)
            first = send(client, url, None if read else body, api)
            done = stored_or_gone(type(target), target.pk)
            middle = last_event()
            second = send(client, url, None if read else body, api)
            after = stored_or_gone(type(target), target.pk)
            text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", second.content.decode(errors="replace")))
            if first.status_code >= 400 or (key not in READS and done == before):
                failures.append(f"{where}: the first was not done ({first.status_code})")
            elif key in READS and done != before:
                failures.append(f"{where}: a read changed the record")
            elif second.status_code >= 500:
                failures.append(f"{where}: the second answered {second.status_code}")
            elif after != done:
                changed = sorted(k for k in (after or {}) if done is None or after[k] != done[k])
                failures.append(f"{where}: the second changed the record again {changed}")
            elif action and not events(start) - events(middle):
                failures.append(f"{where}: the first recorded no {action} event")
            elif events(middle):
                failures.append(f"{where}: the second recorded {events(middle)} more {action} event(s)")
            elif key in ONE_WAY and ONE_WAY[key][1] not in text:
                failures.append(f"{where}: the second was not refused with «{ONE_WAY[key][1]}» "
                                f"({second.status_code} «{text[:300]}»)")
            else:
                walked.append(key)
        finally:
            transaction.savepoint_rollback(point)
    print(f"\nwalked {len(walked)} unversioned records twice")
    assert not failures, f"{len(failures)} unversioned changes not done exactly once:\n  " + "\n  ".join(failures)


pytestmark = pytest.mark.django_db
