"""The request being served: its id and client address, for logs and the audit trail (never
identifying data). The web middleware sets it; services read it without knowing about HTTP."""
import contextvars
import logging

_request_context = contextvars.ContextVar("nicat_request_context", default=None)


def request_context():
    """{'request_id': str, 'ip': str|None} of the request being served, or None outside one."""
    return _request_context.get()


def set_request_context(value):
    """Sets the context and returns the token that resets it."""
    return _request_context.set(value)


def reset_request_context(token):
    _request_context.reset(token)


class RequestIdLogFilter(logging.Filter):
    def filter(self, record):
        ctx = _request_context.get()
        record.request_id = ctx["request_id"] if ctx else "-"
        return True
