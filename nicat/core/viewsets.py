"""The one audited base viewset of the API (decision 0006, "The read path"): every resource of case data
is served through `AuditedViewSet`, which reads only through the app's selector (`reads`, a
`nicat.core.reads.Reads` declared in the app's `selectors.py`): the queryset is the selector's (scoped by
the access policy, gated by the records' case section), `?case=<uuid>` filters it, a list is audited as
`<thing>.list` and a read as `<thing>.view` (channel "api").

It lives in `core` rather than in `nicat/api`: the domain apps' API modules subclass it, and the API
app sits above them (it imports them to route them), so a base class there would point an arrow up.
It needs DRF and `nicat.core` only."""
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from nicat.core.errors import NotAllowed

CASE_PARAMETER = OpenApiParameter("case", OpenApiTypes.UUID, required=False,
                                  description="Only the records of this case (its uuid).")


def shown(data):
    """How many records a list answer shows (a page of results, or the whole list)."""
    if isinstance(data, dict) and "results" in data:
        return len(data["results"])
    return len(data) if isinstance(data, list) else 0


class AuditedGenericViewSet(viewsets.GenericViewSet):
    """The queryset and the record of a resource through the app's selector `reads`; subclasses add the
    list/read mixins below and the write mixins and actions (their writes call the app's services).
    `list_details()`/`read_details()` add facts to the audit events (e.g. a reason the reader gave)."""

    lookup_field = "uuid"
    reads = None  # nicat.core.reads.Reads of this resource

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.reads.model.objects.none()
        return self.reads.query(self.request.user, case=self.request.query_params.get("case"))

    def list_details(self):
        return {}

    def read_details(self):
        return {}

    def get_object(self):
        """The record through the selector: 404 when not visible (section included); the read is
        audited when the record is shown (GET), not when it is fetched to be changed."""
        queryset = self.filter_queryset(self.get_queryset())
        shown = self.request.method == "GET"
        details = self.read_details() if shown else {}
        try:
            obj = self.reads.get(self.request.user, self.kwargs[self.lookup_url_kwarg or self.lookup_field],
                                 queryset=queryset, channel="api", audit=shown, **details)
        except NotAllowed:
            raise Http404 from None
        self.check_object_permissions(self.request, obj)
        return obj

    def answer(self, obj, code=status.HTTP_200_OK, serializer_class=None):
        """The record as this resource shows it (after a change: as the database now holds it)."""
        serializer_class = serializer_class or type(self).serializer_class
        return Response(serializer_class(obj, context=self.get_serializer_context()).data, status=code)


class AuditedListMixin(mixins.ListModelMixin):
    """The list, audited as `<thing>.list` with how many records it shows. With `reads.check_each`,
    a record of a case whose section the reader may not see is left out of the list."""

    def list(self, request, *args, **kwargs):
        if self.reads.check_each and self.reads.section:
            rows = [r for r in self.filter_queryset(self.get_queryset()) if self.reads.sees(request.user, r)]
            page = self.paginate_queryset(rows)
            if page is None:
                response = Response(self.get_serializer(rows, many=True).data)
            else:
                response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        else:
            response = super().list(request, *args, **kwargs)
        self.reads.listed(request.user, shown=shown(response.data), channel="api", **self.list_details())
        return response


class AuditedViewSet(AuditedListMixin, mixins.RetrieveModelMixin, AuditedGenericViewSet):
    """List and read of a resource, audited; the base of every API resource of case data."""
