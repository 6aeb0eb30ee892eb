"""Template tags of the access policy: section visibility, the access panel on the case page, the
navigation items."""
from django import template
from django.utils import timezone

from nicat.access import policy, sections, selectors, services

register = template.Library()

OPENINGS_SHOWN = 20


@register.simple_tag(takes_context=True)
def can_see_section(context, case, section):
    """`{% can_see_section case "medical" as show %}`: may the signed-in user see this section?"""
    user = context.get("user") or getattr(context.get("request"), "user", None)
    if user is None or case is None:
        return False
    return policy.can_see_section(user, case, section)


@register.filter
def section_label(code):
    """`{{ code|section_label }}`: the label of a case section (nicat.access.sections)."""
    return sections.label(code)


@register.simple_tag(takes_context=True)
def access_case_panel(context, case):
    user = context.get("user")
    if user is None or case is None:
        return {}
    openings = list(selectors.break_glass_on_case(user=user, case=case)[:OPENINGS_SHOWN])
    if len(openings) < OPENINGS_SHOWN:
        # Every opening of the case is in the list, the user's running one too: no second query.
        now = timezone.now()
        running = next((o for o in openings if o.user_id == user.pk and o.ended_at is None and o.expires_at > now),
                       None)
    else:
        running = selectors.running_break_glass(user=user, case=case)
    return {
        "openings": openings,
        "restrictions": list(selectors.restrictions_on_case(user=user, case=case)),
        "running": running,
    }


@register.simple_tag(takes_context=True)
def access_nav(context):
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {}
    supervisor = services.may_break_glass(user)
    return {
        "break_glass": supervisor,
        "to_review": selectors.unreviewed_break_glass_count(user=user) if supervisor else 0,
        "restrictions": services.may_list_restrictions(user),
    }
