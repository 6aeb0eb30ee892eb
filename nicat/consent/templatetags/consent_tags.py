"""The consent panel of the case page."""
from django import template

from nicat.consent import legal_bases, selectors, services

register = template.Library()


@register.inclusion_tag("consent/_panel.html")
def consent_panel(case, user):
    return {
        "case": case,
        "consents": list(selectors.case_consents(user=user, case=case)),
        "legal_basis_uses": list(selectors.case_legal_basis_uses(user=user, case=case)),
        "child": case.person.is_child,
        "details": selectors.details_visible(user, case),
        "owner": services.owner_staff(user, case) is not None,
    }


@register.simple_tag
def legal_basis_label(code):
    return legal_bases.label(code)


@register.simple_tag
def approves_legal_bases(user):
    """Is `user` a supervisor of the competent authority (who approves legal bases)?"""
    return services.may_approve_legal_bases(user)


# The codes of the consent gate's refusals (nicat.consent.services.require_consent).
CONSENT_REFUSAL_CODES = frozenset({"consent_missing", "consent_refused", "consent_withdrawn", "consent_expired"})


def consent_refused(form):
    """Does `form` carry a refusal of the consent gate?"""
    if form is None or not form.errors:
        return False
    return any(getattr(e, "code", None) in CONSENT_REFUSAL_CODES for errors in form.errors.as_data().values()
               for e in errors)


@register.inclusion_tag("consent/_refusal_link.html", takes_context=True)
def consent_refusal_link(context, form, case):
    """Under a consent refusal: the way to the consent conversation, and back to this page afterwards."""
    request = context.get("request")
    return {"show": case is not None and consent_refused(form), "case": case,
            "next": request.get_full_path() if request is not None else ""}
