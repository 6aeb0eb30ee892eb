"""Who holds which authority: the role and authority predicates every app asks, in one place.

The competent authority (the Main Department, `Institution.is_competent_authority`) decides who is a
victim; its identification officers record that decision, and its identification officers and
supervisors coordinate (duplicate records, access-restriction orders)."""
from nicat.access import policy
from nicat.accounts.models import Role

DECIDING_ROLES = frozenset({Role.IDENTIFICATION_OFFICER})
COORDINATOR_ROLES = frozenset({Role.IDENTIFICATION_OFFICER, Role.SUPERVISOR})


def competent_authority_ids(user, roles=DECIDING_ROLES):
    """Ids of the competent authorities where `user` holds one of `roles`."""
    return {m.institution_id for m in policy.memberships(user)
            if m.role in roles and m.institution.is_competent_authority}


def deciding_institution(user):
    """The competent authority on whose behalf `user` may record an official decision (an
    identification officer there), or None."""
    for m in policy.memberships(user):
        if m.role in DECIDING_ROLES and m.institution.is_competent_authority:
            return m.institution
    return None


def may_decide_status(user):
    """Only identification officers of the competent authority record an official decision on the
    trafficking status."""
    return deciding_institution(user) is not None


def is_coordinator(user):
    """Identification officers and supervisors of the competent authority: they review duplicate
    records and record access-restriction orders."""
    return bool(competent_authority_ids(user, COORDINATOR_ROLES))


def is_competent_supervisor(user):
    """A supervisor of the competent authority (the internal edition of the annual report)."""
    return bool(competent_authority_ids(user, {Role.SUPERVISOR}))
