from django import template

from nicat.access import predicates

register = template.Library()


@register.simple_tag
def is_duplicate_coordinator(user):
    """True for identification officers and supervisors of the Main Department."""
    return predicates.is_coordinator(user)


@register.filter
def percent(value):
    return int(round((value or 0) * 100))
