"""The access app's own contributions to the policy: break-glass (a grant) and access-restriction
orders (a restriction). Registered once, in AccessConfig.ready()."""
from django.db.models import Q
from django.utils import timezone

from nicat.access import policy, sections
from nicat.accounts.models import Role

_registered = False


def break_glass_grant(user, institution_ids):
    """A supervisor's running break-glass openings."""
    if not policy.has_role(user, Role.SUPERVISOR):
        return None
    from nicat.access.models import BreakGlass

    running = BreakGlass.objects.system().filter(user_id=user.pk, ended_at__isnull=True,
                                                 expires_at__gt=timezone.now())
    return Q(pk__in=running.values("case_id"))


def restriction_order_restriction(user, institution_ids):
    """Cases under an order in force that names none of the user's roles."""
    from nicat.access.models import RestrictionOrder

    orders = RestrictionOrder.objects.system().filter(active=True)
    keep = Q()
    for role in sorted(policy.roles(user)):
        keep |= Q(allowed_roles__contains=f",{role},")
    if keep:
        orders = orders.exclude(keep)
    return Q(pk__in=orders.values("case_id"))


def break_glass_sections(user, case):
    """A running break-glass opens every section the supervisor's role may see."""
    from nicat.access.models import BreakGlass

    if BreakGlass.objects.system().filter(user_id=user.pk, case_id=case.pk, ended_at__isnull=True,
                                          expires_at__gt=timezone.now()).exists():
        return sections.CODES
    return None


def register():
    global _registered
    if _registered:
        return
    policy.register_case_grant(break_glass_grant)
    policy.register_section_grant(break_glass_sections)
    policy.register_case_restriction(restriction_order_restriction)
    _registered = True
