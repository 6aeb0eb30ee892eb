"""Template tags of the audit app: the navigation item and the panel on the case page."""
from django import template
from django.utils.translation import gettext

from nicat.access import policy
from nicat.audit import actions, selectors, services

register = template.Library()


@register.simple_tag(takes_context=True)
def audit_nav(context):
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {}
    return {"trail": selectors.is_supervisor(user)}


@register.simple_tag(takes_context=True)
def audit_case_panel(context, case):
    """For supervisors (who can see the case, since the page shows it): the latest accesses."""
    user = context.get("user")
    if user is None or case is None or not selectors.is_supervisor(user):
        return {}
    events = selectors.case_trail(case=case)
    # the person's access report is headed with the name: offered where the identity section is open
    report = bool(policy.persons_with_section(user, [case.person_id], "identity"))
    return {"show": True, "recent": list(events[:5]), "count": events.count(), "report": report}


@register.simple_tag
def unusual_access_for(user):
    """For supervisors: break-glass openings awaiting review and staff opening many cases they do
    not work on (NICAT_UNUSUAL_CASE_VIEWS cases within NICAT_UNUSUAL_WINDOW_HOURS)."""
    if user is None or not user.is_authenticated or not selectors.is_supervisor(user):
        return {}
    import datetime

    from django.conf import settings
    from django.utils import timezone

    from nicat.access.selectors import unreviewed_break_glass_count

    hours = getattr(settings, "NICAT_UNUSUAL_WINDOW_HOURS", 24)
    threshold = getattr(settings, "NICAT_UNUSUAL_CASE_VIEWS", 15)
    return {
        "is_supervisor": True,
        "hours": hours,
        "break_glass": unreviewed_break_glass_count(user=user),
        "users": selectors.unusual_access(user=user, since=timezone.now() - datetime.timedelta(hours=hours),
                                          threshold=threshold),
    }


@register.filter
def action_label(code):
    """An action code in words, in the user's language ("case.view" → "Viewed the case")."""
    return actions.label(code)


@register.filter
def actor_name(event):
    """The full name of who did it (the user name when none is recorded), or "system"."""
    from django.utils.translation import gettext as _

    if event.actor_id is None:
        return event.actor_username or _("system")
    return event.actor.get_full_name() or event.actor.username


@register.filter
def reason_of(event, reasons):
    """The reason shown for an event: a break-glass opening's written reason (to those who may review it),
    else the event's own reason."""
    if reasons and event.action == "case.break_glass":
        return reasons.get(event.object_id) or event.reason
    reason = services.reason_text(event.reason)
    if reason is services.ERASED:
        return gettext("(erased with the person's data)")
    return actions.reason_label(reason)


@register.filter
def changed_fields(event):
    """The fields an event changed, by the names the forms give them, in the user's language ("Given name, Status"),
    not by their names in the code (given_name, status). A field the model no longer has keeps its code."""
    from django.apps import apps
    from django.core.exceptions import FieldDoesNotExist
    from django.utils.text import capfirst

    try:
        model = apps.get_model(event.object_type) if event.object_type else None
    except (LookupError, ValueError):
        model = None
    names = []
    for key in event.changes or {}:
        try:
            names.append(str(capfirst(model._meta.get_field(key).verbose_name)) if model else key)
        except FieldDoesNotExist:
            names.append(key)
    return ", ".join(names)
