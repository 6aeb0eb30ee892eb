"""The access app's own contributions to the policy: break-glass (a grant) and access-restriction
orders (a restriction). Registered once, in AccessConfig.ready()."""
from django.db.models import Q

from nicat.access import policy, sections
from nicat.accounts.models import CASE_ROLES, Role

_registered = False


def _supervising(user, institution_ids):
    """Those of `institution_ids` where `user` is a supervisor now: a break-glass opening is the supervisor's on
    behalf of the institution it names, and counts while they supervise there."""
    ids = set(institution_ids)
    return {m.institution_id for m in policy.memberships(user) if m.role == Role.SUPERVISOR and m.institution_id in ids}


def break_glass_grant(user, institution_ids):
    """A supervisor's running break-glass openings, on behalf of those of `institution_ids` they supervise."""
    supervising = _supervising(user, institution_ids)
    if not supervising:
        return None
    from nicat.access.models import BreakGlass

    running = policy.rule_table(BreakGlass).filter(BreakGlass.running(), user_id=user.pk,
                                                   institution_id__in=sorted(supervising))
    return Q(pk__in=running.values("case_id"))


def restriction_order_restriction(user, institution_ids):
    """Cases under an order in force that names none of the roles the user holds at an institution through which
    they see the case: a role held at another of their institutions keeps nothing (a case worker of the owner
    who supervises at another NGO loses the case an order leaves to supervisors)."""
    from nicat.access.models import RestrictionOrder

    orders = policy.rule_table(RestrictionOrder).filter(active=True)
    ids, held = set(institution_ids), {}
    for m in policy.memberships(user):
        if m.institution_id in ids and m.role in CASE_ROLES:
            held.setdefault(m.institution_id, set()).add(m.role)
    if len(held) <= 1:
        roles = next(iter(held.values()), set())
        return Q(pk__in=orders.exclude(_naming(roles)).values("case_id")) if roles else \
            Q(pk__in=orders.values("case_id"))
    kept = Q(pk__in=[])
    for institution_id, roles in sorted(held.items()):
        kept |= Q(pk__in=orders.filter(_naming(roles)).values("case_id")) & policy.seen_through_q(user, institution_id)
    return Q(pk__in=orders.values("case_id")) & ~kept


def _naming(roles):
    """A Q over RestrictionOrder: the orders that name one of `roles` among those keeping access."""
    naming = Q()
    for role in sorted(roles):
        naming |= Q(allowed_roles__contains=f",{role},")
    return naming


def break_glass_sections(user, case, institution_ids):
    """A running break-glass opens every section the supervisor's role may see, to the institution it was opened
    for (of `institution_ids`)."""
    from nicat.access.models import BreakGlass

    supervising = _supervising(user, institution_ids)
    if supervising and BreakGlass.objects.of(case).filter(BreakGlass.running(), user_id=user.pk,
                                                          institution_id__in=sorted(supervising)).exists():
        return sections.CODES
    return None


def break_glass_records(user, institution_ids):
    """Openings beyond those of the cases the user sees: their own, and, for a supervisor, those by the
    staff of their institution or on its cases (which they review)."""
    from nicat.access.services import supervisor_institution_ids

    allowed = Q(user_id=user.pk)
    supervised = supervisor_institution_ids(user)
    if supervised:
        allowed |= Q(institution_id__in=supervised) | Q(case__owner_institution_id__in=supervised)
    return allowed


def restriction_order_records(user, institution_ids):
    """Every order for the competent authority's coordinators, who record them; the orders on their
    institution's cases for a supervisor (even where the order hides the case from them)."""
    from nicat.access.services import may_record_restrictions, supervisor_institution_ids

    if may_record_restrictions(user):
        return Q(pk__isnull=False)
    supervised = supervisor_institution_ids(user)
    return Q(case__owner_institution_id__in=supervised) if supervised else None


def register():
    global _registered
    if _registered:
        return
    policy.register_case_grant(break_glass_grant)
    policy.register_section_grant(break_glass_sections)
    policy.register_case_restriction(restriction_order_restriction)
    policy.register_record_rule("access.breakglass", break_glass_records)
    policy.register_record_rule("access.restrictionorder", restriction_order_records)
    _registered = True
