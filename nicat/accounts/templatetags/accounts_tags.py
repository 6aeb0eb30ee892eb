"""Template tags of the accounts app: the dashboard's count of role grants to confirm."""
from django import template

from nicat.accounts import services

register = template.Library()


@register.simple_tag
def grants_to_decide(user):
    return services.grants_to_decide_count(user)
