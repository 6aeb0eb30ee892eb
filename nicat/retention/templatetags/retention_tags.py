"""The panel of requests to erase or correct data on the case page."""
from django import template

from nicat.retention import selectors, services

register = template.Library()


@register.inclusion_tag("retention/_panel.html")
def data_requests_panel(case, user):
    return {
        "case": case,
        "requests": list(selectors.DATA_REQUESTS.query(user, case=case)),
        "may_record": services.may_record(user, case) and not case.person.erased_at,
        "erased": case.person.erased_at,
    }
