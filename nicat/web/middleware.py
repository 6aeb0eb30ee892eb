"""Request id and client address for logs and the audit trail (never identifying data)."""
import contextvars
import logging
import uuid

_request_context = contextvars.ContextVar("nicat_request_context", default=None)


def request_context():
    """{'request_id': str, 'ip': str|None} of the request being served, or None outside one."""
    return _request_context.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if 8 <= len(incoming) <= 64 and incoming.replace("-", "").isalnum() else uuid.uuid4().hex
        request.request_id = rid
        token = _request_context.set({"request_id": rid, "ip": request.META.get("REMOTE_ADDR")})
        try:
            response = self.get_response(request)
        finally:
            _request_context.reset(token)
        response["X-Request-ID"] = rid
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record):
        ctx = _request_context.get()
        record.request_id = ctx["request_id"] if ctx else "-"
        return True
