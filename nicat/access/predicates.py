"""Who holds which authority: the role and authority predicates every app asks, in one place.

The competent authority (the Main Department, `Institution.is_competent_authority`) decides who is a
victim; its identification officers record that decision, and its identification officers and
supervisors coordinate (duplicate records, access-restriction orders)."""
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from nicat.access import policy
from nicat.accounts.models import CASE_ROLES, Role

DECIDING_ROLES = frozenset({Role.IDENTIFICATION_OFFICER})
COORDINATOR_ROLES = frozenset({Role.IDENTIFICATION_OFFICER, Role.SUPERVISOR})


def competent_authority_ids(user, roles=DECIDING_ROLES):
    """Ids of the competent authorities where `user` holds one of `roles`."""
    return {m.institution_id for m in policy.memberships(user)
            if m.role in roles and m.institution.is_competent_authority}


def deciding_institution(user, case=None):
    """The competent authority on whose behalf `user` may record an official decision (an
    identification officer there), or None. On `case`, only one through which they see it (it owns the case, or
    the case was referred to it): the power held there decides nothing on a case seen through another institution
    of theirs."""
    seeing = policy.institutions_seeing(user, case) if case is not None else None
    for m in policy.memberships(user):
        if m.role in DECIDING_ROLES and m.institution.is_competent_authority and (
                seeing is None or m.institution_id in seeing):
            return m.institution
    return None


def may_decide_status(user, case=None):
    """Only identification officers of the competent authority record an official decision on the
    trafficking status (on `case`: through a competent authority that sees it)."""
    return deciding_institution(user, case) is not None


def is_coordinator(user):
    """Identification officers and supervisors of the competent authority: they review duplicate
    records and record access-restriction orders."""
    return bool(competent_authority_ids(user, COORDINATOR_ROLES))


def is_competent_supervisor(user):
    """A supervisor of the competent authority (the internal edition of the annual report)."""
    return bool(competent_authority_ids(user, {Role.SUPERVISOR}))


def acting_for(user, roles):
    """The institution on whose behalf `user` acts in one of `roles` before a case is named (the gate of a form or
    an endpoint): the first where they hold one; PermissionDenied when they hold none. On a case, `acting_on`."""
    return _owner_first([m for m in policy.memberships(user) if m.role in roles], None)


def acting_on(user, roles, case):
    """The institution on whose behalf `user` acts on `case` (which they see) in one of `roles`, held at an
    institution through which they see it (`policy.institutions_seeing`): the owner first, else the lowest id;
    PermissionDenied when they hold none there — a role held at an institution that does not see the case counts
    for nothing on it."""
    seeing = policy.institutions_seeing(user, case)
    return _owner_first([m for m in policy.memberships(user) if m.role in roles and m.institution_id in seeing], case)


def _owner_first(held, case):
    """The institution of the membership of `held` at `case`'s owner, else — on a case — the one with the lowest id
    (as `policy.institution_on` and `policy.institution_seeing_section` choose, so that all a user records on one
    case names one institution), without a case the first of them; PermissionDenied when `held` is empty."""
    if case is not None:
        for m in held:
            if m.institution_id == case.owner_institution_id:
                return m.institution
        if held:
            return min(held, key=lambda m: m.institution_id).institution
    if held:
        return held[0].institution
    raise PermissionDenied(_("Your role does not allow this. Ask your supervisor if you need to do it."))


# --- What a user may do on a case they see: the one table pages and services ask (issue 15) ----------------
#
# Pages offer an action only when `case_actions(user, case)` holds its code, and the services refuse with
# the same rule, so a button is never a door to a 403.

ACTION_ROLES = {
    "plan": frozenset({Role.CASE_WORKER, Role.SUPERVISOR, Role.SHELTER_STAFF}),
    "service": frozenset(CASE_ROLES - {Role.HOTLINE_OPERATOR}),
    "payment": frozenset({Role.CASE_WORKER, Role.SUPERVISOR, Role.IDENTIFICATION_OFFICER}),
    "shelter": frozenset({Role.SHELTER_STAFF, Role.CASE_WORKER, Role.SUPERVISOR}),
    "return": frozenset({Role.CASE_WORKER, Role.SUPERVISOR, Role.CONSULAR_OFFICER, Role.IDENTIFICATION_OFFICER}),
    "close": frozenset({Role.CASE_WORKER, Role.SUPERVISOR}),
}
CLOSED_CASE_STATUSES = frozenset({"Closed", "ClosedReferred"})


def owns_case(user, case):
    """`user` works (in a case-working role) at the institution that owns `case`."""
    return case.owner_institution_id in policy.case_institution_ids(user)


def payer_for(user, case):
    """The institution on whose behalf `user` records the allowance and compensation of `case`'s person, or
    None: the institution that owns the case, or a special institution — a state shelter or assistance
    centre, through which the state pays — working on it (an active referral to it, the person's stay there:
    `policy.partner_institution_ids`), where the user holds a payment role. Another institution the case was
    referred to (an NGO, a clinic) sees the payments and records none; so does a shelter whose staff only
    opened the case by break-glass, or one where a receiver happens to hold a second role."""
    held = [m for m in policy.memberships(user) if m.role in ACTION_ROLES["payment"]]
    for m in held:
        if m.institution_id == case.owner_institution_id:
            return m.institution
    special = [m for m in held if m.institution.is_special_institution]
    if special:
        partners = policy.partner_institution_ids(case)
        for m in special:
            if m.institution_id in partners:
                return m.institution
    return None


def reverser_for(user, case, institution):
    """The institution on whose behalf `user` reverses a payment that `institution` recorded on `case`
    (`payment_reverser`) if `user` is a supervisor there, else None. A reversal undoes money: a case worker asks the
    supervisor; another institution, or one that sees the case only by break-glass, reverses nothing."""
    reverser = payment_reverser(case, institution)
    return reverser if policy.has_role_at(user, Role.SUPERVISOR, reverser) else None


def payment_reverser(case, institution):
    """The institution whose supervisor reverses a payment `institution` recorded on `case` (the owner for a payment
    recorded before the institution was kept): the recorder while it is still a payer of the case — the owner, or a
    special institution working on it (`payer_for`). Once a shelter or centre no longer works on the case (its stay
    and referral ended), nobody there can see the case to correct a wrong payment, so the case's owner institution,
    which answers for the case, reverses it."""
    recorder = institution or case.owner_institution
    if recorder.pk == case.owner_institution_id or (
            recorder.is_special_institution and recorder.pk in policy.partner_institution_ids(case)):
        return recorder
    return case.owner_institution


def case_actions(user, case):
    """The codes of what `user` may do on `case` (which they see), computed once per user object and case:
    plan, service, payment (`payer_for`), shelter, return, close (the owner institution only,
    an open case), consent (the
    owner institution holds the consent conversation), decide (an identification officer of the competent
    authority, while no decision is recorded), medical (the health section: psychological and medical goals
    and services)."""
    memo = policy._memo(user).setdefault("case_actions", {})
    key = (case.pk, case.status, case.trafficking_status)
    if key in memo:
        return set(memo[key])
    visible = policy.visible_sections(user, case)
    if not visible:
        memo[key] = frozenset()
        return set()
    closed = case.status in CLOSED_CASE_STATUSES
    own = owns_case(user, case)
    # A role counts where it is held at an institution through which the user sees the case (`policy.roles_on`).
    held = policy.roles_on(user, case)
    actions = {code for code, roles in ACTION_ROLES.items() if held & roles}
    if "return" not in visible:
        actions.discard("return")
    # Closing is the owner's: a role that closes, held at the owning institution.
    if closed or not any(m.role in ACTION_ROLES["close"] and m.institution_id == case.owner_institution_id
                         for m in policy.memberships(user)):
        actions.discard("close")
    if payer_for(user, case) is None:
        actions.discard("payment")
    if own:
        actions.add("consent")
    if "medical" in visible:
        actions.add("medical")
    if may_decide_status(user, case) and not closed and case.trafficking_status == "PossibleVictimOfTrafficking":
        actions.add("decide")
    memo[key] = frozenset(actions)
    return set(actions)
# --- The hotline (issue 16) -------------------------------------------------------------------------

HOTLINE_KIND = "hotline"
DUTY_ROLES = COORDINATOR_ROLES  # the Main Department's duty service: its identification officers and supervisors


def hotline_institution_ids(user):
    """Institutions whose hotline contacts `user` may see: where they are a hotline operator, and where
    they are a supervisor of a hotline (an institution of the kind "hotline" or one with hotline
    operators). Nobody else sees a contact — not the duty service, not a case worker of the same
    institution (need-to-know)."""
    from nicat.accounts.models import Membership

    memo = policy._memo(user)
    if "hotline_institution_ids" not in memo:
        mine = policy.memberships(user)
        ids = {m.institution_id for m in mine if m.role == Role.HOTLINE_OPERATOR}
        supervised = {m.institution_id for m in mine if m.role == Role.SUPERVISOR}
        if supervised - ids:
            ids |= {m.institution_id for m in mine if m.role == Role.SUPERVISOR and m.institution.kind_id
                    and m.institution.kind.code == HOTLINE_KIND}
            ids |= set(Membership.objects.in_effect().filter(institution_id__in=supervised - ids,
                                                             role=Role.HOTLINE_OPERATOR)
                       .values_list("institution_id", flat=True))
        memo["hotline_institution_ids"] = frozenset(ids)
    return set(memo["hotline_institution_ids"])


def is_hotline_staff(user):
    return bool(hotline_institution_ids(user))


def hotline_operator_institution(user):
    """The hotline on whose behalf `user` records a contact (an operator or supervisor there), or None."""
    ids = hotline_institution_ids(user)
    for m in policy.memberships(user):
        if m.institution_id in ids:
            return m.institution
    return None


def duty_institution_ids(user):
    """The competent authorities whose duty service `user` serves (identification officers and supervisors)."""
    return competent_authority_ids(user, DUTY_ROLES)


def is_duty_service(user):
    return bool(duty_institution_ids(user))
