"""Work widgets: the dashboard's work list and the case page's work panel."""
from django import template

from nicat.access import policy
from nicat.core.calendar import baku_today
from nicat.work import selectors, services

register = template.Library()

DASHBOARD_ITEMS = 10


@register.inclusion_tag("work/_dashboard_body.html")
def work_dashboard(user):
    if not policy.can_work_on_cases(user):
        return {"show": False}
    items = selectors.work_list(user=user, window="week")
    shown = selectors.with_names(user=user, items=items[:DASHBOARD_ITEMS])
    return {"show": True, "items": shown, "total": len(items), "today": baku_today()}


@register.inclusion_tag("work/_case_work_body.html")
def case_work(case, user):
    if not policy.can_work_on_cases(user):
        return {"show": False}
    data = selectors.case_work(user=user, case=case)
    return {"show": True, "case": case, **data, "may_assign": services.may_assign(user, case),
            "may_take": services.may_take(user, case, data["team"])}
