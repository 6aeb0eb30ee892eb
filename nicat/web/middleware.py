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
