"""The case page's pieces that read from several apps: the timeline and the case-file PDF's button."""
from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def case_timeline(context, case):
    from nicat.web.timeline import case_timeline as build

    return build(user=context["request"].user, case=case)


@register.simple_tag(takes_context=True)
def may_download_case_file(context, case):
    from nicat.web.casefile import may_download

    return may_download(context["request"].user, case)
