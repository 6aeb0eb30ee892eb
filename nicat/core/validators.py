"""The input rules every form, serializer and model shares — written once, used everywhere.

- **Plausible dates**: one range for every date and date-time anyone enters, from 1 January 1900
  (no one alive was born earlier, and nothing Nicat records happened earlier) to today plus
  `NICAT_MAX_YEARS_AHEAD` years (due dates, expiries, planned travel). Dates that must not be in the
  future (birth, first contact, events) are checked against today on top of this, by
  `not_in_future` or the service that knows the field.
- **Plain text**: no control characters (except tab and line breaks in multi-line text) and no
  bidirectional formatting characters (right-to-left override and friends), which can make a name
  display as something else than what is stored ("Trojan Source"). Names and other one-line values
  have no line breaks either.
- **Length**: free text is at most `NICAT_TEXT_MAX_CHARS` characters (20,000 by default, the length
  of a long note); one-line fields keep their own maximum.

`enforce_on(instance)` applies these rules to a model instance before it is saved
(nicat.core.apps connects it to every Nicat model); nicat.core.apps also adds the date and text
validators to every Django form field, and nicat.api to every API field.
"""
import datetime
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

EARLIEST_DATE = datetime.date(1900, 1, 1)

# Bidirectional formatting characters: embeddings, overrides, isolates, marks.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
LINE_BREAKS = frozenset("\n\r\u2028\u2029\u0085\x0b\x0c")


def years_ahead():
    return int(getattr(settings, "NICAT_MAX_YEARS_AHEAD", 20))


def text_max_chars():
    return int(getattr(settings, "NICAT_TEXT_MAX_CHARS", 20000))


def latest_date():
    today = timezone.localdate()
    try:
        return today.replace(year=today.year + years_ahead())
    except ValueError:  # 29 February
        return today.replace(year=today.year + years_ahead(), day=28)


def range_message():
    return _("Enter a date between %(first)s and %(last)s.") % {
        "first": formats.date_format(EARLIEST_DATE, "SHORT_DATE_FORMAT"),
        "last": formats.date_format(latest_date(), "SHORT_DATE_FORMAT")}


def _range_error():
    return ValidationError(range_message(), code="implausible_date")


def plausible_date(value):
    """Refuse a date (or the calendar day of a date-time) outside the one plausible range."""
    if value is None or value == "":
        return
    if isinstance(value, datetime.datetime):
        # Compare the calendar day as typed: converting year 1 or 9999 between time zones overflows.
        value = value.date()
    if not isinstance(value, datetime.date):
        return
    if not EARLIEST_DATE <= value <= latest_date():
        raise _range_error()


def not_in_future(value):
    """A date or date-time that has already happened (birth, first contact, an event)."""
    plausible_date(value)
    if value is None or value == "":
        return
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value) and value > timezone.now() + datetime.timedelta(minutes=5):
            raise ValidationError(_("This date is in the future. Enter when it happened."), code="future_date")
    elif isinstance(value, datetime.date) and value > timezone.localdate():
        raise ValidationError(_("This date is in the future. Enter when it happened."), code="future_date")


_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
# Control characters (Unicode category Cc: U+0000–001F, U+007F–009F) and bidirectional controls;
# multi-line text keeps tab, LF and CR (and the Unicode line and paragraph separators).
_BAD_MULTILINE = re.compile(f"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f{_BIDI}]")
_BAD_SINGLE_LINE = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029{_BIDI}]")


def invisible_character(value):
    """True when `value` holds a control or direction character (one-line rules: a name, a key)."""
    return _bad_character(value, multiline=False) is not None


def character_refusal(ch):
    """The sentence that refuses the character `ch` (as the text rules say it), for a refusal made elsewhere."""
    return _character_error(ch, multiline=False).messages[0]


def _bad_character(value, *, multiline):
    found = (_BAD_MULTILINE if multiline else _BAD_SINGLE_LINE).search(value)
    return found.group() if found else None


def _character_error(ch, *, multiline):
    if ch in BIDI_CONTROLS:
        return ValidationError(
            _("Remove the invisible right-to-left or direction character (U+%(code)04X): it can make the text "
              "display differently from what is stored.") % {"code": ord(ch)}, code="bidi_character")
    if ch in LINE_BREAKS and not multiline:
        return ValidationError(_("Write this on one line."), code="line_break")
    return ValidationError(_("Remove the invisible control character (U+%(code)04X) from the text.")
                           % {"code": ord(ch)}, code="control_character")


def plain_text(value):
    """Multi-line text: no control or bidirectional formatting characters (tab and line breaks allowed)."""
    if isinstance(value, str):
        ch = _bad_character(value, multiline=True)
        if ch is not None:
            raise _character_error(ch, multiline=True)


def single_line(value):
    """One-line text (names, numbers): plain text without line breaks."""
    if isinstance(value, str):
        ch = _bad_character(value, multiline=False)
        if ch is not None:
            raise _character_error(ch, multiline=False)


def text_length(value):
    if isinstance(value, str) and len(value) > text_max_chars():
        raise ValidationError(
            _("This text has %(length)s characters; at most %(max)s are accepted. Shorten it or split it.")
            % {"length": len(value), "max": text_max_chars()}, code="too_long")


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)


def enforce_on(instance):
    """Apply the rules to every concrete field of a model instance; raise {field: [message]}."""
    errors = {}
    for field in instance._meta.concrete_fields:
        if field.is_relation or field.primary_key:
            continue
        value = getattr(instance, field.attname, None)
        if value is None or value == "":
            continue
        try:
            if isinstance(field, (models.DateField, models.DateTimeField)):
                if not getattr(field, "auto_now", False) and not getattr(field, "auto_now_add", False):
                    plausible_date(value)
            elif isinstance(field, models.JSONField) or type(field).__name__ == "EncryptedJSONField":
                for s in _strings(value):
                    plain_text(s)
                    text_length(s)
            elif isinstance(field, models.TextField):
                plain_text(value)
                text_length(value)
            elif isinstance(field, models.CharField):
                single_line(value)
                if field.max_length and isinstance(value, str) and len(value) > field.max_length:
                    raise ValidationError(
                        _("This text has %(length)s characters; at most %(max)s are accepted.")
                        % {"length": len(value), "max": field.max_length}, code="too_long")
        except ValidationError as error:
            errors[field.name] = error.messages
    if errors:
        raise ValidationError(errors)
