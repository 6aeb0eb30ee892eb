"""The API's parsers: a JSON body too large is refused with 413, one nested too deeply with 400, and any body
(JSON or form) holding text with control or direction characters with 400 — each with a sentence saying what to fix,
before any serializer sees it (a body nested 1,000 levels deep used to end in a 500). The length
of each text is the model's rule (nicat.core.validators.enforce_on), so that a base64 upload fits."""
import codecs

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers, status
from rest_framework.utils import json

from nicat.core import validators


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request is too large.")
    default_code = "request_too_large"


def max_body_bytes():
    return int(getattr(settings, "NICAT_API_MAX_BODY_BYTES", 15 * 1024 * 1024))


def max_depth():
    return int(getattr(settings, "NICAT_API_MAX_DEPTH", 20))


def _too_deep(data, limit):
    """True when `data` nests lists/objects more than `limit` levels (iterative: no recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def _bad_text(data, path=""):
    """(path, message) of the first string breaking the shared text rules, or None."""
    stack = [(data, path)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str):
            try:
                validators.plain_text(value)
            except Exception as error:  # ValidationError
                return where or "non_field_errors", error.messages[0]
        elif isinstance(value, dict):
            for key, child in value.items():
                if isinstance(key, str) and validators.invisible_character(key):
                    return where or "non_field_errors", str(_("A field name holds an invisible character."))
                stack.append((child, f"{where}.{key}" if where else str(key)))
        elif isinstance(value, list):
            stack.extend((child, f"{where}[{i}]") for i, child in enumerate(value))
    return None


def _refuse_bad_text(data):
    bad = _bad_text(data)
    if bad is not None:
        where, message = bad
        raise exceptions.ValidationError({where: [message]})


def _form_fields(data):
    """A parsed form (QueryDict) as {name: value or [values]} for the text rules; files are not text."""
    return {key: values if len(values) > 1 else values[0] for key, values in data.lists()}


class FormParser(parsers.FormParser):
    """Form-encoded bodies under the JSON bodies' text rules (no control or direction characters — a NUL
    character reached PostgreSQL in a vocabulary lookup and ended in a 500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _refuse_bad_text(_form_fields(data))
        return data


class MultiPartParser(parsers.MultiPartParser):
    """Multipart bodies: their text fields under the same rules (the files are not text)."""

    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        _refuse_bad_text(_form_fields(parsed.data))
        return parsed


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        request = parser_context.get("request")
        limit = max_body_bytes()
        try:
            declared = int((request.META.get("CONTENT_LENGTH") if request is not None else None) or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            raise RequestTooLarge(_("The request body has %(size)s bytes; at most %(max)s are accepted. Send less "
                                    "text, or upload files through their own endpoints.")
                                  % {"size": declared, "max": limit})
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestTooLarge(_("The request body is larger than %(max)s bytes. Send less text.") % {"max": limit})
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.decode(raw, encoding)
        except (UnicodeDecodeError, LookupError):
            raise exceptions.ParseError(_("The request body is not valid %(encoding)s text.")
                                        % {"encoding": encoding}) from None
        depth_limit = max_depth()
        try:
            data = json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except RecursionError:
            raise exceptions.ParseError(_("The JSON is nested more than %(max)s levels deep.")
                                        % {"max": depth_limit}) from None
        except ValueError as exc:  # json's own message is English: the place is said in the reader's language
            where = {"line": getattr(exc, "lineno", 1), "column": getattr(exc, "colno", 1)}
            raise exceptions.ParseError(_("The body is not valid JSON (line %(line)s, column %(column)s).")
                                        % where) from None
        if _too_deep(data, depth_limit):
            raise exceptions.ParseError(_("The JSON is nested more than %(max)s levels deep.") % {"max": depth_limit})
        _refuse_bad_text(data)
        return data
