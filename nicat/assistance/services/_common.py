"""Helpers every assistance service shares: access, roles, optimistic locking, the consent gate."""
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from nicat.access import policy, predicates
from nicat.core.services import atomic_edit, bump_version, require_visible, snapshot  # noqa: F401 (the assistance services' names)

# Who may do what (on top of seeing the case): the access policy's one table (nicat.access.predicates).
PLAN_ROLES = predicates.ACTION_ROLES["plan"]
SERVICE_ROLES = predicates.ACTION_ROLES["service"]
PAYMENT_ROLES = predicates.ACTION_ROLES["payment"]
SHELTER_ROLES = predicates.ACTION_ROLES["shelter"]
RETURN_ROLES = predicates.ACTION_ROLES["return"]
CLOSE_ROLES = predicates.ACTION_ROLES["close"]


def acting_institution(actor, roles, case=None):
    """The institution on whose behalf `actor` acts in one of `roles`, or PermissionDenied: on `case` (which they
    see), one through which they see it — its owner first (`predicates.acting_on`); a role held at an institution
    that does not see the case counts for nothing on it. Without a case, the first where they hold one (the gate
    before a case is named)."""
    if case is None:
        return predicates.acting_for(actor, roles)
    return predicates.acting_on(actor, roles, case)


def require_case_role(actor, case, roles):
    """Visible case + a role that may act on it: the institution acted for."""
    require_visible(actor, case)
    return acting_institution(actor, roles, case)


def require_owner_role(actor, case, roles, refusal):
    """Visible case + one of `roles` held at the institution that owns it (closing, payments): that institution.
    A user of another institution on the case is refused with `refusal` (a sentence with %(owner)s)."""
    institution = require_case_role(actor, case, roles)
    if institution.pk != case.owner_institution_id:
        raise policy.Refused(refusal % {"owner": case.owner_institution.name})
    return institution


# Goals, actions and services in these areas are health data: the "medical" section of the case.
MEDICAL_KINDS = frozenset({"medical", "psychological"})


def section_visible(user, case, section):
    """nicat.access.policy.can_see_section, tolerant of a section the policy does not (yet) know."""
    try:
        return policy.can_see_section(user, case, section)
    except (ValueError, AttributeError):
        return True


def require_section(actor, case, section):
    if not section_visible(actor, case, section):
        raise PermissionDenied(_("Your role does not see the section “%(section)s” of this case, so you cannot "
                                 "record this. Ask %(owner)s, which owns the case, to share it in the referral, or "
                                 "to record it themselves.") % {"section": policy.section_label(section),
                                                                 "owner": case.owner_institution.name})


def require_consent(*, case, purpose, institution=None, service="", on=None):
    """The consent gate (nicat.consent), locking the consent row inside the caller's transaction so a
    withdrawal at the same moment cannot slip past. `on`: the date of a measure already taken (a return
    completed …): the consent must have been in force that day (nicat.consent.services.consent_in_force)."""
    from nicat.consent.services import consent_in_force
    from nicat.consent.services import require_consent as gate

    if on is not None:
        return consent_in_force(case=case, purpose=purpose, institution=institution, service=service, on=on,
                                lock=True)
    return gate(case=case, purpose=purpose, institution=institution, service=service, lock=True)


def require_service_consent(*, case, service, provider, on=None):
    """nicat.consent.services.require_service_consent (the one rule), locking the consent row likewise;
    `on`: the date of a service already delivered or an admission already made."""
    from nicat.consent.services import require_service_consent as gate

    return gate(case=case, service=service, provider=provider, on=on, lock=True)


def not_in_future(value, field, message=None):
    now = timezone.now()
    if value is None:
        return
    if hasattr(value, "hour"):
        future = value > now + timezone.timedelta(minutes=5)
    else:
        future = value > timezone.localdate()
    if future:
        raise ValidationError({field: message or _("This date is in the future. Enter when it happened.")})


def text(value):
    return (value or "").strip()


