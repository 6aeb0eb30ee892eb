"""The panel of requests to erase or correct data on the case page."""
from django import template

from nicat.retention import services
from nicat.retention.models import DataRequest

register = template.Library()


@register.inclusion_tag("retention/_panel.html")
def data_requests_panel(case, user):
    return {
        "case": case,
        "requests": list(DataRequest.objects.visible_to(user).filter(case=case).select_related("recorded_by")),
        "may_record": services.may_record(user, case) and not case.person.erased_at,
        "erased": case.person.erased_at,
    }
