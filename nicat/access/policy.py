"""The one access policy: who may see and do what. Views, the API and selectors all ask here.

Foundation rules (the confidentiality issue extends them with referrals, break-glass and
restriction orders):
- a case (and everything hanging off it) is visible to staff with a case-working role in the
  institution that owns it;
- a person is visible when one of their cases is visible, or their record was registered by
  the user's institution;
- analysts see aggregates only, administrators manage staff and institutions: neither sees a case.
"""
from django.db.models import Q
from django.http import Http404

from nicat.accounts.models import CASE_ROLES, Role


def memberships(user):
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cache = getattr(user, "_nicat_memberships", None)
    if cache is None:
        cache = list(user.active_memberships())
        user._nicat_memberships = cache
    return cache


def roles(user):
    return {m.role for m in memberships(user)}


def has_role(user, *wanted):
    return bool(roles(user) & set(wanted))


def case_institution_ids(user):
    """Institutions whose cases `user` works on (through a case-working role)."""
    return {m.institution_id for m in memberships(user) if m.role in CASE_ROLES}


def can_work_on_cases(user):
    return bool(case_institution_ids(user))


def acting_institution(user, institution=None):
    """The institution on whose behalf `user` acts: the given one if the user works there."""
    ids = case_institution_ids(user)
    if institution is not None:
        return institution if institution.pk in ids else None
    for m in memberships(user):
        if m.role in CASE_ROLES:
            return m.institution
    return None


def scope(queryset, user):
    model = queryset.model
    label = model._meta.label_lower
    ids = case_institution_ids(user)
    if not ids:
        return queryset.none()
    if label == "cases.case":
        return queryset.filter(owner_institution_id__in=ids)
    if label == "persons.person":
        return queryset.filter(
            Q(registered_by_institution_id__in=ids) | Q(cases__owner_institution_id__in=ids)
        ).distinct()
    if hasattr(model, "case"):
        return queryset.filter(case__owner_institution_id__in=ids)
    raise NotImplementedError(f"No access rule for {label}")


def get_visible_or_404(manager, user, **lookup):
    """The object if `user` may see it, else 404, so that existence does not leak."""
    try:
        return manager.visible_to(user).get(**lookup)
    except (manager.model.DoesNotExist, ValueError):
        raise Http404 from None


def is_analyst(user):
    return has_role(user, Role.ANALYST)
