"""The one audited base viewset of the API (decision 0006, "The read path"): every resource of case data
is served through `AuditedViewSet`, which reads only through the app's selector (`reads`, a
`nicat.core.reads.Reads` declared in the app's `selectors.py`): the queryset is the selector's (scoped by
the access policy, gated by the records' case section), `?case=<uuid>` filters it, a list is audited as
`<thing>.list` and a read as `<thing>.view` (channel "api").

It lives in `core` rather than in `nicat/api`: the domain apps' API modules subclass it, and the API
app sits above them (it imports them to route them), so a base class there would point an arrow up.
It needs DRF and `nicat.core` only.

Every POST takes an optional `Idempotency-Key` header (nicat.core.submissions): the same key from the same
user again creates nothing and answers as the first did — its status and the record(s) it answered with,
read again for the reader now — and the same key with another request answers 422."""
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from nicat.core import submissions, trail
from nicat.core.errors import NotAllowed
from nicat.core.models import follow
from nicat.core.reads import as_uuid
from nicat.core.services import expected_version


class ListFilter(OpenApiParameter):
    """An optional query parameter that narrows a list: sent empty it narrows nothing, which the schema says
    (`allowEmptyValue`, set by nicat.api.schema); a value it cannot take is a 400 (`uuid_param`,
    `choice_param`)."""

    def __init__(self, name, type, **kwargs):
        super().__init__(name, type, location=OpenApiParameter.QUERY, required=False, **kwargs)


# `?case=` of every list that takes it (documented on each by nicat.api.schema; `case_param`).
CASE_PARAMETER = ListFilter("case", OpenApiTypes.UUID, description="Only the records of this case (its uuid).")


def uuid_param(request, name, message):
    """`?<name>=`, the id of the record a list is narrowed to: None when absent or empty, else its UUID. A value
    that is no UUID is refused (400, naming the parameter, `message`) rather than quietly answered with an empty
    list."""
    value = request.query_params.get(name, "").strip()
    if not value:
        return None
    key = as_uuid(value)
    if key is None:
        raise serializers.ValidationError({name: [message]})
    return key


def case_param(request):
    """The case a list is narrowed to (`?case=`), as `uuid_param`."""
    return uuid_param(request, "case", _("Give the case's id (a UUID)."))


def choice_param(request, name, choices):
    """`?<name>=` of a list, one of `choices`: None when absent or empty; another value is refused (400, naming
    the parameter and what it may be) rather than ignored."""
    value = request.query_params.get(name, "")
    if not value:
        return None
    if value not in choices:
        raise serializers.ValidationError({name: [_("Give one of %(choices)s, or leave it out.") % {
            "choices": ", ".join(choices)}]})
    return value

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    submissions.HEADER, {"type": "string", "minLength": 1, "maxLength": submissions.MAX_KEY_LENGTH},
    location=OpenApiParameter.HEADER, required=False,
    description=("A key of your choosing, new for each request (a random UUID): a request retried with the same "
                 "key — after a timeout, a lost answer — is not carried out again but answered as the first was "
                 "(its status and the record, as you may see it now). The same key with another request answers "
                 "422. Keys are yours alone (another user's identical key is another key) and are forgotten after "
                 "24 hours."))


class IdempotencyKeyReused(serializers.Serializer):
    """The Idempotency-Key was sent before with another request."""

    detail = serializers.CharField()
    code = serializers.ChoiceField(choices=["idempotency_key_reused"])


def shown(data):
    """How many records a list answer shows (a page of results, or the whole list)."""
    if isinstance(data, dict) and "results" in data:
        return len(data["results"])
    return len(data) if isinstance(data, list) else 0


class IdempotentPosts:
    """Every POST of the view takes an optional `Idempotency-Key` (nicat.core.submissions; the schema shows the
    header wherever `idempotent_posts` is true). Mixed into the audited viewsets and into the few views of
    their own whose POST creates something a retry must not create twice (the HTCDS import). The first answer
    is remembered by `remember_answer(row, response)` (by default the record(s) a serializer answered with)
    and given again by `repeated_answer(row)`."""

    idempotent_posts = True

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if (request.method == "POST" and submissions.HEADER in request.headers and hasattr(self, "post")
                and request.user.is_authenticated):  # keys are scoped by user: none without one
            self.post = self._once(self.post)

    def _once(self, handler):
        """The POST handler under the request's Idempotency-Key (nicat.core.submissions)."""
        def run(request, *args, **kwargs):
            key = request.headers.get(submissions.HEADER, "")
            if not 0 < len(key) <= submissions.MAX_KEY_LENGTH:
                raise serializers.ValidationError({submissions.HEADER: [
                    _("Send an Idempotency-Key of 1 to %(max)s characters, or none.") % {
                        "max": submissions.MAX_KEY_LENGTH}]})
            digest = submissions.body_digest("POST", request.path, submissions.api_content(request.data))
            try:
                return submissions.run_once(request.user, "api", key, digest,
                                            lambda: handler(request, *args, **kwargs), self.remember_answer)
            except submissions.Repeated as repeated:
                return self.repeated_answer(repeated.row)
            except submissions.Mismatch:
                return Response({"detail": _("This Idempotency-Key was already used with another request. Use a new "
                                             "key for each new request."), "code": "idempotency_key_reused"},
                                status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        return run

    def remember_answer(self, row, response):
        return submissions.remember_answer(row, response)

    def repeated_answer(self, row):
        """The first answer again: its status and its record(s) as the reader may see them now (the read
        audited as `<model>.view`, `repeated`), with `Idempotent-Replayed: true`."""
        found = submissions.repeated_records(row, self.request.user)
        if found is None:
            raise Http404
        records, serializer_class, many = found
        for obj in records:
            path = getattr(obj, "case_path", None)
            trail.record(actor=self.request.user, action=f"{obj._meta.model_name}.view", obj=obj,
                         case=follow(obj, path) if path else None, details={"channel": "api", "repeated": True})
        context = (self.get_serializer_context() if hasattr(self, "get_serializer_context")
                   else {"request": self.request, "format": getattr(self, "format_kwarg", None), "view": self})
        data = serializer_class(records if many else records[0], many=many, context=context).data
        return Response(data, status=row.status, headers={"Idempotent-Replayed": "true"})


class AuditedGenericViewSet(IdempotentPosts, viewsets.GenericViewSet):
    """The queryset and the record of a resource through the app's selector `reads`; subclasses add the
    list/read mixins below and the write mixins and actions (their writes call the app's services).
    `list_details()`/`read_details()` add facts to the audit events (e.g. a reason the reader gave)."""

    lookup_field = "uuid"
    reads = None  # nicat.core.reads.Reads of this resource
    case_filter = True  # `?case=<uuid>` narrows the list to one case's records

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.reads.model.objects.none()
        case = case_param(self.request) if self.case_filter else None
        return self.reads.query(self.request.user, case=case)

    def list_details(self):
        return {}

    def read_details(self):
        return {}

    def reads_audited(self):
        """Whether this GET shows the record (audited as `<thing>.view`); an action that serves something
        else of it (a file with its own audit event) says no."""
        return True

    def object_queryset(self):
        """Where `get_object` looks for the record: the list's queryset with its filters; None for the
        selector's own search (`reads.get` without a queryset), for a resource whose single-record read
        is the selector's (the case read's few queries) or is not narrowed by the list's filters."""
        return self.filter_queryset(self.get_queryset())

    def get_object(self):
        """The record through the selector: 404 when not visible (section included); the read is
        audited when the record is shown (GET), not when it is fetched to be changed."""
        queryset = self.object_queryset()
        shown = self.request.method == "GET" and self.reads_audited()
        details = self.read_details() if shown else {}
        try:
            obj = self.reads.get(self.request.user, self.kwargs[self.lookup_url_kwarg or self.lookup_field],
                                 queryset=queryset, channel="api", audit=shown, **details)
        except NotAllowed:
            raise Http404 from None
        self.check_object_permissions(self.request, obj)
        return obj

    # --- the write pattern: validate, take the version and the parent, call the service, answer ---------

    def validated(self, instance=None, *, serializer_class=None):
        """The request body validated by the resource's serializer (a partial one for `instance`), as a
        dict the service takes."""
        cls = serializer_class or self.get_serializer_class()
        body = cls(instance, data=self.request.data, partial=instance is not None,
                   context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        return dict(body.validated_data)

    def for_create(self, parent="case", **kwargs):
        """(the parent record the new one hangs off, the rest of the body) — a version sent is ignored."""
        data = self.validated(**kwargs)
        data.pop("version", None)
        return data.pop(parent), data

    def for_update(self, instance, *, fixed=(), **kwargs):
        """(the body, the version the client read) for a change of `instance` — a missing version is a 400
        (the one version check); `fixed`: (field, why) pairs a change may not change. A fixed field sent with
        the value it holds (the record sent back as read) is no change: it is left out, and a stale version is
        then refused as such, not as a move."""
        data = self.validated(instance, **kwargs)
        version = expected_version(data.pop("version", None))
        for name, why in fixed:
            if name in data and data[name] == getattr(instance, name, None):
                del data[name]
            elif name in data:
                raise serializers.ValidationError({name: [why]})
        return data, version

    def answer(self, obj, code=status.HTTP_200_OK, serializer_class=None):
        """The record as this resource shows it (after a change: as the database now holds it)."""
        serializer_class = serializer_class or type(self).serializer_class
        return Response(serializer_class(obj, context=self.get_serializer_context()).data, status=code)


class AuditedListMixin(mixins.ListModelMixin):
    """The list, audited as `<thing>.list` with how many records it shows. With `reads.check_each`,
    a record of a case whose section the reader may not see is left out of the list."""

    def list(self, request, *args, **kwargs):
        rows = self.filter_queryset(self.get_queryset())
        if self.reads.check_each and self.reads.section:
            rows = list(rows)
            self.reads.listed_from_query(request.user, rows)
            rows = [r for r in rows if self.reads.sees(request.user, r)]
        page = self.paginate_queryset(rows)
        records = list(rows) if page is None else page
        self.reads.listed_from_query(request.user, records)
        data = self.get_serializer(records, many=True).data
        response = Response(data) if page is None else self.get_paginated_response(data)
        self.reads.listed(request.user, shown=shown(response.data), records=records, channel="api",
                          **self.list_details())
        return response


class AuditedViewSet(AuditedListMixin, mixins.RetrieveModelMixin, AuditedGenericViewSet):
    """List and read of a resource, audited; the base of every API resource of case data."""
