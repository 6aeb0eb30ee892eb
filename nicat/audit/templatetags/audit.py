"""Template tags of the audit app: the navigation item and the panel on the case page."""
from django import template

from nicat.audit import selectors

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
    events = selectors.case_trail(case_uuid=case.uuid)
    return {"show": True, "recent": list(events[:5]), "count": events.count()}
