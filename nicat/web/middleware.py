"""Request id and client address for logs and the audit trail (never identifying data)."""
import uuid

from nicat.core.context import reset_request_context, set_request_context
from nicat.legal.services import remembered


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if 8 <= len(incoming) <= 64 and incoming.replace("-", "").isalnum() else uuid.uuid4().hex
        request.request_id = rid
        token = set_request_context({"request_id": rid, "ip": request.META.get("REMOTE_ADDR")})
        try:
            with remembered():  # each legal parameter read once per request, however many deadlines are shown
                response = self.get_response(request)
        finally:
            reset_request_context(token)
        response["X-Request-ID"] = rid
        return response


class MethodNotAllowedPageMiddleware:
    """Django answers a wrong method (a form address opened with GET) with an empty 405: the browser
    then shows its raw "HTTP ERROR 405". Pages get the styled page in the user's language instead; the
    API keeps its own JSON answers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (response.status_code == 405 and not request.path.startswith("/api/")
                and not getattr(response, "streaming", False) and not response.content):
            from nicat.web.views import method_not_allowed

            allowed = [m.strip() for m in response.get("Allow", "").split(",") if m.strip()]
            return method_not_allowed(request, allowed)
        return response


NUL = "\x00"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class RefuseNulMiddleware:
    """No field of Nicat takes the NUL character (U+0000), and PostgreSQL can neither store nor compare text
    holding it: a query parameter or form field with one reached the database in a lookup (a vocabulary code,
    a reference) and ended in a 500 there, while SQLite answered. Such a request is refused before the view
    reads it — 400 naming the field, JSON for the API, the error page for people. (The API's bodies, JSON or
    form, are checked by its parsers with the rest of the text rules, nicat.api.parsers; files are not text
    and are not looked at. A page that takes anyone's form without a CSRF token — the public "ask for help"
    form, which answers every sender with the same page — keeps its own answer: its form refuses NUL.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        api = request.path.startswith("/api/")
        field = _nul_field(request.GET)
        if (field is None and not api and request.method == "POST" and request.content_type in _FORM_TYPES
                and not getattr(view_func, "csrf_exempt", False)):
            try:
                field = _nul_field(request.POST)
            except Exception:  # a body that cannot be read as a form: the view's own parsing answers it, as before
                field = None
        if field is None:
            return None
        from nicat.core.validators import character_refusal

        message = character_refusal(NUL)
        if api:
            from django.http import JsonResponse

            return JsonResponse({field: [message]}, status=400)
        from nicat.web.views import bad_request

        return bad_request(request, message=message)


def _nul_field(data):
    """The name of the first field of `data` (a QueryDict) whose name or a value holds NUL, or None."""
    for key, values in data.lists():
        if NUL in key:
            return "non_field_errors"
        if any(NUL in value for value in values if isinstance(value, str)):
            return key
    return None
