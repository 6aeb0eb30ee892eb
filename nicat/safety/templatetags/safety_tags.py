"""The safety level on the case header."""
from django import template

from nicat.safety import selectors

register = template.Library()

BADGES = {"low": "text-bg-success", "medium": "text-bg-warning", "high": "text-bg-danger"}


@register.inclusion_tag("safety/_level.html")
def safety_level(case):
    current = selectors.current_assessment(case)
    return {"case": case, "current": current, "badge": BADGES.get(current.level if current else "", "text-bg-secondary")}
