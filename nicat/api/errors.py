"""One error shape for the API: HTTP 400 with field errors, 404 for what one may not see, 409 for a lost race."""
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from nicat.core.approvals import ApprovalPending
from nicat.core.errors import ConcurrentEdit, NotAllowed


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        from nicat.api.parsers import RequestTooLarge, max_body_bytes

        exc = RequestTooLarge(_("The request body is larger than %(max)s bytes. Send less text.")
                              % {"max": max_body_bytes()})
    if isinstance(exc, ConcurrentEdit):
        return Response({"detail": exc.messages[0], "code": "concurrent_edit"}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, ApprovalPending):  # nothing was done yet: the request waits for a supervisor (nicat.work)
        return Response({"non_field_errors": [str(m) for m in exc.messages], "code": "approval_pending",
                         "approval": str(exc.approval_uuid)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            body = {field: [str(m) for e in errs for m in e.messages] for field, errs in exc.error_dict.items()}
            body = {("non_field_errors" if k == "__all__" else k): v for k, v in body.items()}
        else:
            body = {"non_field_errors": [str(m) for m in exc.messages]}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, (NotAllowed, Http404)):
        exc = exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        # a refusal the policy explains (the section, the way to go) keeps its sentence
        message = getattr(exc, "user_message", None)
        exc = exceptions.PermissionDenied(detail=str(message) if message else None)
    response = drf_handler(exc, context)
    if response is not None and isinstance(response.data, list):
        # `raise ValidationError("…")` without a field: the same shape as every other 400.
        response.data = {"non_field_errors": response.data}
    return response
