"""The one access policy: who may see and do what. Views, the API and selectors all ask here.

A case (and everything hanging off it) is visible to staff with a case-working role in the
institution that owns it, plus whatever the registered *grants* add (an accepted referral with
consent, a referral for identification, a break-glass opening …), minus whatever the registered
*restrictions* take away (an access-restriction order). Apps register their grants and
restrictions in `AppConfig.ready()`, so the rule stays in one place while the facts it rests on
live in the apps that own them:

    policy.register_case_grant(lambda user, institution_ids: Q(referrals__to_institution__in=...))
    policy.register_case_restriction(lambda user, institution_ids: Q(restriction_orders__active=True))

Analysts see aggregates only and administrators manage staff and institutions: neither sees a case.
A person is visible when one of their visible cases is, or their record was registered by the
user's institution.
"""
from django.db.models import Q
from django.http import Http404

from nicat.accounts.models import CASE_ROLES, Role

_case_grants = []
_case_restrictions = []


def register_case_grant(fn):
    """`fn(user, institution_ids) -> Q | None` over Case: more cases this user may see."""
    _case_grants.append(fn)
    return fn


def register_case_restriction(fn):
    """`fn(user, institution_ids) -> Q | None` over Case: cases this user may NOT see after all."""
    _case_restrictions.append(fn)
    return fn


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


def has_role_at(user, role, institution):
    return any(m.role == role and m.institution_id == institution.pk for m in memberships(user))


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


def case_filter(user):
    """A Q over Case of what `user` may see, or None when nothing."""
    ids = case_institution_ids(user)
    if not ids:
        return None
    allowed = Q(owner_institution_id__in=ids)
    for grant in _case_grants:
        extra = grant(user, ids)
        if extra is not None:
            allowed |= extra
    return allowed


def visible_cases(user):
    from nicat.cases.models import Case

    base = Case.objects.system()
    allowed = case_filter(user)
    if allowed is None:
        return base.none()
    qs = base.filter(allowed)
    ids = case_institution_ids(user)
    for restriction in _case_restrictions:
        denied = restriction(user, ids)
        if denied is not None:
            qs = qs.exclude(denied)
    return qs


def scope(queryset, user):
    model = queryset.model
    label = model._meta.label_lower
    if not case_institution_ids(user):
        return queryset.none()
    case_ids = visible_cases(user).values("pk")
    if label == "cases.case":
        return queryset.filter(pk__in=case_ids)
    if label == "persons.person":
        return queryset.filter(Q(registered_by_institution_id__in=case_institution_ids(user)) |
                               Q(pk__in=visible_cases(user).values("person_id")))
    if hasattr(model, "case"):
        return queryset.filter(case_id__in=case_ids)
    raise NotImplementedError(f"No access rule for {label}")


def get_visible_or_404(manager, user, **lookup):
    """The object if `user` may see it, else 404, so that existence does not leak."""
    try:
        return manager.visible_to(user).get(**lookup)
    except (manager.model.DoesNotExist, ValueError):
        raise Http404 from None


def is_analyst(user):
    return has_role(user, Role.ANALYST)
