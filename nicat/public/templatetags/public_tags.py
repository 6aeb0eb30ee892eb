"""Tap-to-call: every phone number of the public site is a `tel:` link."""
import re

from django import template
from django.conf import settings

from nicat.directory.selectors import HOTLINE_NUMBER as HOTLINE

register = template.Library()

_SPLIT = re.compile(r"\s*[,;/]\s*(?=[(+\d])")


def tel_href(text):
    """'(+99412) 590-20-49' -> 'tel:+994125902049'; '152' -> 'tel:152'; '' when there is no digit."""
    text = re.sub(r"\((?![+\d])[^)]*\)", "", text or "")  # drop a note in brackets, e.g. "(demo)"
    digits = re.sub(r"\D", "", text)
    if not digits:
        return ""
    return "tel:" + ("+" if "+" in text else "") + digits


@register.filter
def phones(value):
    """A phone field (one or more numbers separated by , ; /) as [{"text", "href"}] for links."""
    out = []
    for part in _SPLIT.split((value or "").strip()):
        part = part.strip()
        if part:
            out.append({"text": part, "href": tel_href(part)})
    return out


@register.filter
def tel(value):
    return tel_href(str(value))


@register.simple_tag
def exit_url():
    """Where the quick-exit button leaves to: a neutral site (NICAT_PUBLIC_EXIT_URL)."""
    return getattr(settings, "NICAT_PUBLIC_EXIT_URL", "https://www.google.com/")


@register.simple_tag
def hotline_link():
    """The hotline number as a tap-to-call link, for sentences that name it."""
    from django.utils.html import format_html

    return format_html('<a href="{}">{}</a>', tel_href(HOTLINE), HOTLINE)

