"""Formatting filters every page shares: `duration` writes a time span in words in the reader's language
("2 days, 3 hours"), never Python's `0:00:35.777235`."""
import datetime

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()

_UNITS = (
    (86400, lambda n: ngettext("%(n)d day", "%(n)d days", n)),
    (3600, lambda n: ngettext("%(n)d hour", "%(n)d hours", n)),
    (60, lambda n: ngettext("%(n)d minute", "%(n)d minutes", n)),
)


def duration_in_words(value, depth=2):
    """A timedelta (or seconds) in words: the two largest units, rounded down; under a minute says so."""
    if value is None or value == "":
        return ""
    seconds = int(value.total_seconds() if isinstance(value, datetime.timedelta) else float(value))
    if seconds < 0:
        seconds = -seconds
    if seconds < 60:
        return _("under a minute")
    parts = []
    for size, word in _UNITS:
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(word(count) % {"n": count})
        elif parts:
            break  # "2 days, 3 minutes" misleads: stop at the first gap
        if len(parts) == depth:
            break
    return ", ".join(parts)


@register.filter
def duration(value):
    return duration_in_words(value)
