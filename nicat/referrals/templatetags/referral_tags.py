"""Referral widgets: the navigation bell, the dashboard flags and the case panel."""
from django import template
from django.utils import timezone

from nicat.access import policy
from nicat.access import sections as access_sections
from nicat.core.models import counts
from nicat.referrals import notify, selectors

register = template.Library()


@register.inclusion_tag("referrals/_nav_items.html", takes_context=True)
def referral_nav(context, user, part=""):
    """part: "links" (the referrals link, inside the Cases menu), "bell" (the notifications), "" both.

    The menu renders the two parts separately; both badges are counted in one query at the first of them
    and kept on the request for the second."""
    works = policy.can_work_on_cases(user)
    request = context.get("request")
    badges = getattr(request, "_nicat_nav_badges", None)
    if badges is None:
        querysets = {"unread": notify.unread(user)}
        if works:
            querysets["pending_in"] = selectors.incoming(user=user).filter(status="pending")
        badges = counts(**querysets)
        if request is not None:
            request._nicat_nav_badges = badges
    return {
        "part": part,
        "works_on_cases": works,
        "pending_in": badges.get("pending_in", 0) if part != "bell" else 0,
        "unread": badges["unread"] if part != "links" else 0,
        "user": user,
    }


@register.inclusion_tag("referrals/_dashboard_body.html")
def referral_dashboard(user):
    return {"board": selectors.dashboard(user), "now": timezone.now()}


@register.inclusion_tag("referrals/_panel.html")
def referral_panel(case, user):
    ids = policy.case_institution_ids(user)
    return {
        "case": case,
        "referrals": list(selectors.case_referrals(user=user, case=case)),
        "may_refer": case.owner_institution_id in ids,
        # What this user sees of the case, as the access policy computes it (the referral's shared sections
        # within what the user's role sees), so that the page never claims more or less than is shown.
        "shared": ([str(access_sections.label(s)) for s in access_sections.ordered(policy.visible_sections(user, case))]
                   if case.owner_institution_id not in ids else None),
    }
