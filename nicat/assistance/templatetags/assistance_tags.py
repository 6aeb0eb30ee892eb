"""Assistance widgets: navigation, the case page panel, dashboard reminders."""
from django import template

from nicat.access import policy
from nicat.assistance import selectors

register = template.Library()


@register.inclusion_tag("assistance/_nav_items.html")
def assistance_nav(user):
    return {"show": selectors.may_see_facilities(user) and policy.can_work_on_cases(user)}


@register.inclusion_tag("assistance/_panel.html")
def assistance_panel(case, user):
    return {"case": case, **selectors.case_summary(user=user, case=case)}


@register.inclusion_tag("assistance/_dashboard_body.html")
def assistance_reminders(user):
    return {"r": selectors.reminders(user=user)}
