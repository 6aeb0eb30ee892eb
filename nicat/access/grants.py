"""The access app's own contributions to the policy: break-glass (a grant) and access-restriction
orders (a restriction). Registered once, in AccessConfig.ready()."""
from django.db.models import Q

from nicat.access import policy, sections
from nicat.accounts.models import Role

_registered = False


def break_glass_grant(user, institution_ids):
    """A supervisor's running break-glass openings."""
    if not policy.has_role(user, Role.SUPERVISOR):
        return None
    from nicat.access.models import BreakGlass

    running = policy.rule_table(BreakGlass).filter(BreakGlass.running(), user_id=user.pk)
    return Q(pk__in=running.values("case_id"))


def restriction_order_restriction(user, institution_ids):
    """Cases under an order in force that names none of the user's roles."""
    from nicat.access.models import RestrictionOrder

    orders = policy.rule_table(RestrictionOrder).filter(active=True)
    keep = Q()
    for role in sorted(policy.roles(user)):
        keep |= Q(allowed_roles__contains=f",{role},")
    if keep:
        orders = orders.exclude(keep)
    return Q(pk__in=orders.values("case_id"))


def break_glass_sections(user, case):
    """A running break-glass opens every section the supervisor's role may see."""
    from nicat.access.models import BreakGlass

    if BreakGlass.objects.of(case).filter(BreakGlass.running(), user_id=user.pk).exists():
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
