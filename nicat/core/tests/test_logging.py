"""Issue 14, item 9: every 403 used to be logged with a full stack trace."""
import io
import logging

from nicat.core.logfilters import OneLineClientErrors


def _console():
    for handler in logging.getLogger().handlers:
        if any(isinstance(f, OneLineClientErrors) for f in handler.filters):
            return handler
    raise AssertionError("the console handler of settings.LOGGING is not installed")


def test_a_refusal_is_logged_as_one_line(client, cast):
    handler = _console()
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        client.force_login(cast.analyst)  # analysts see aggregates only: the case list refuses them
        assert client.get("/cases/").status_code == 403
    finally:
        handler.setStream(old)
    lines = [line for line in stream.getvalue().splitlines() if line.strip()]
    forbidden = [line for line in lines if "Forbidden" in line]
    assert len(forbidden) == 1 and "/cases/" in forbidden[0], lines
    # beside it only the access line of the request (nicat.request: route, status, time; issue 18)
    others = [line for line in lines if "Forbidden" not in line]
    assert all("nicat.request" in line and "403" in line for line in others) and len(others) <= 1, lines
    assert "Traceback" not in stream.getvalue(), lines


def test_a_server_error_keeps_its_stack_trace():
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal Server Error", None,
                               (ValueError, ValueError("boom"), None))
    record.status_code = 500
    assert OneLineClientErrors().filter(record) and record.exc_info is not None
