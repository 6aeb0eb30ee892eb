"""Log filters. A refusal (403), a missing page (404) or a bad request (400) is the client's doing,
not a fault of Nicat: it is logged as one line (method, path, status, request id), never with the
stack trace Django attaches to a PermissionDenied — which made every refusal look like a crash."""
import logging


class OneLineClientErrors(logging.Filter):
    def filter(self, record):
        status = getattr(record, "status_code", None)
        # 503: the database was unreachable (nicat.web.views.server_error logged that in one line); its
        # stack trace says nothing more, and must not repeat a statement it was running.
        if isinstance(status, int) and (400 <= status < 500 or status == 503) and record.exc_info:
            record.exc_info = None
            record.exc_text = None
        return True
