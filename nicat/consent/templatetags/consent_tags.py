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
