"""Template tags of the identification app: the case panel and the dashboard block (via selectors)."""
from django import template

from nicat.access import policy, predicates
from nicat.access.sections import IDENTITY
from nicat.core import casepage
from nicat.identification import selectors, services
from nicat.identification.models import CertificateLanguage

register = template.Library()


@register.inclusion_tag("identification/_panel.html")
def identification_panel(case, user):
    identification = selectors.identification_for_case(user=user, case=case)
    decision = identification.decision if identification else None
    # On the case page the case was read through the reader's scope, so the identification the reader
    # sees is the case's own (even when there is none): the deadlines need not read it again.
    known = identification is not None or casepage.is_page(case, user)
    deadlines = services.case_deadlines(case, identification=identification if known else services.NOT_LOADED)
    permit_due = any(d.kind == "residence_permit" and d.state in ("due", "overdue") for d in deadlines)
    return {
        "case": case, "identification": identification, "decision": decision,
        "screenings": selectors.screenings_for_case(user=user, case=case),
        "deadlines": deadlines, "flags": services.case_flags(case),
        "can_refer": services.referral_offered(case, identification),
        "referral_in_force": services.referral_in_force(identification),
        # Offered only while nothing is decided (the one access policy: predicates.case_actions; issue 15).
        "can_decide": "decide" in predicates.case_actions(user, case) and decision is None and not case.is_closed,
        # The permit is the return section's; the certificate prints the name (identity); a screening is the
        # narrative (services.may_screen): each offered only to whom the service allows it.
        "can_mark_permit": permit_due and services.may_mark_permit(user, case),
        "can_print_certificate": policy.can_see_section(user, case, IDENTITY),
        "can_screen": services.may_screen(user, case),
        "languages": CertificateLanguage.choices,
    }


@register.inclusion_tag("identification/_dashboard_body.html")
def identification_dashboard(user):
    return {"items": selectors.dashboard_items(user=user),
            "awaiting_count": selectors.awaiting_decision(user=user).count() if predicates.may_decide_status(user) else 0}
