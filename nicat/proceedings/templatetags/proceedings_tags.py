"""The proceedings panel of the case page: nothing at all for a user who sees neither the
investigation file nor the hearings of the case; otherwise what they see, read through the selector
(audited)."""
from django import template
from django.utils import timezone

from nicat.access import policy
from nicat.access.sections import HEARINGS, INVESTIGATION
from nicat.proceedings import selectors

register = template.Library()


@register.inclusion_tag("proceedings/_panel.html")
def proceedings_panel(case, user):
    if not (policy.can_see_section(user, case, INVESTIGATION) or policy.can_see_section(user, case, HEARINGS)):
        return {"p": None, "case": case}
    p = selectors.proceedings_of(user=user, case=case)
    now = timezone.now()
    upcoming = [h for h in p["hearings"] if h.starts_at >= now]
    return {"p": p, "case": case, "next_hearing": upcoming[0] if upcoming else None}
