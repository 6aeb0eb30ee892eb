"""Template tags of the statistics app: the navigation item."""
from django import template

from nicat.statistics.selectors import statistics_audience

register = template.Library()


@register.simple_tag(takes_context=True)
def statistics_nav(context):
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return None
    return statistics_audience(user)
