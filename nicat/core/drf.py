"""What every app's API shares and that needs no other Nicat app (DRF only)."""
import threading

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.response import Response
from rest_framework.serializers import ListSerializer
from rest_framework.utils.urls import remove_query_param, replace_query_param


class RefuseUnknownFieldsMixin:
    """For a serializer: a field the client may not set (unknown or read-only) is refused with 400
    naming it, instead of being silently dropped while the answer says 201."""

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            refused = sorted(str(k) for k in data.keys() if k not in writable)
            if refused:
                from rest_framework.exceptions import ValidationError

                raise ValidationError({name: [_("This field cannot be set here: it is unknown or set by Nicat.")]
                                       for name in refused})
        return super().to_internal_value(data)


def refuse_search_in_address(request, endpoint, terms=None):
    """The API's twin of `nicat.core.pages.search_terms_in_address` (law 1): a search of identifying data is a
    POST to `endpoint` with the criteria in its JSON body, never in the address, which logs and histories keep.
    A request carrying any of `terms` in its query string (any request at all when `terms` is None: the address
    is only a search) is a 400 naming the POST; nothing is searched."""
    if terms is None or any(request.query_params.get(term) for term in terms):
        from rest_framework.exceptions import ValidationError

        raise ValidationError({"detail": [_("Search with POST %(endpoint)s and the criteria in the JSON body; a search "
                                            "in the address is refused, as the address is kept in logs and browser "
                                            "histories.") % {"endpoint": endpoint}]})


def for_the_list(serializer, obj, key, load):
    """What `load(records)` gives for `obj` — `load` answers `{record pk: value}` for many records in a fixed
    number of queries — asked once for every record of the list `obj` is shown in (the page of the
    ListSerializer it belongs to), instead of once per record; a record shown alone is a list of one. Kept in
    the root serializer's context, so for one answer only. A record `load` says nothing of gets `[]`."""
    found = _for_the_list(serializer, key)
    if obj.pk not in found:
        parent = serializer.parent
        records = list(parent.instance) if isinstance(parent, ListSerializer) else []
        if not any(r.pk == obj.pk for r in records):
            records = [obj]
        loaded = load([r for r in records if r.pk not in found])
        for r in records:
            found.setdefault(r.pk, loaded.get(r.pk, []))
    return found[obj.pk]


def known_for_the_list(serializer, key, by_pk):
    """Tell `for_the_list(…, key, …)` of the same answer what it would load for these records, which a parent's
    loader read already (a plan's goals read with their actions): it asks nothing more for them."""
    found = _for_the_list(serializer, key)
    for pk, value in by_pk.items():
        found.setdefault(pk, value)


def _for_the_list(serializer, key):
    return serializer.context.setdefault("_for_the_list", {}).setdefault(key, {})


def grouped(rows, attname):
    """`{value of attname: [rows]}`, in the rows' order: the answer of a `for_the_list` loader."""
    groups: dict = {}
    for row in rows:
        groups.setdefault(getattr(row, attname), []).append(row)
    return groups


_templates = threading.local()


def represent(serializer_class, instance, *, context):
    """`serializer_class(instance, context=context).data`, for a read, with the serializer's fields built
    once per thread instead of for every response.

    DRF builds a serializer's fields anew each time it makes one (a ModelSerializer derives each from
    the model and deep-copies the declared ones): a quarter of the CPU of an API case read. Turning a
    record into its representation only reads the record and the context (the request, for the
    sections the caller may see), so the fields of one serializer per class and thread can serve every
    read on that thread; the context is set for the call and cleared after it."""
    cache = getattr(_templates, "by_class", None)
    if cache is None:
        cache = _templates.by_class = {}
    serializer = cache.get(serializer_class)
    if serializer is None or serializer._nicat_in_use:
        serializer = serializer_class(context={})
        serializer.fields  # noqa: B018 - build them now, once
        serializer._nicat_in_use = False
        cache.setdefault(serializer_class, serializer)
    serializer._nicat_in_use = True
    serializer._context = context
    serializer.instance = instance
    try:
        return serializer.to_representation(instance)
    finally:
        serializer._context = {}
        serializer.instance = None
        serializer._nicat_in_use = False


class KeysetPagination(PageNumberPagination):
    """Pages of a list ordered newest first (`keyset_column`, then id) — the case list: `next` and
    `previous` carry a signed `cursor` (the last or first row shown, nicat.core.keyset), so that a deep
    page costs what the first costs and a row added between two requests is neither skipped nor
    repeated; `?last=1` is the last page. `?page=N` still answers with numbered pages (OFFSET)."""

    keyset_column = "first_contact_at"
    keyset_name = "api.cases"
    cursor_query_param = "cursor"

    def get_page_number(self, request, paginator):
        value = request.query_params.get(self.page_query_param)
        if value is not None and not value.strip():  # as nicat.api.pagination.Pagination
            raise NotFound(self.invalid_page_message.format(page_number=value, message=""))
        return super().get_page_number(request, paginator)

    def paginate_queryset(self, queryset, request, view=None):
        from nicat.core import keyset

        self.keyset = None
        # the view may count its list more cheaply than `queryset.count()` (the cases: by the access rule's parts)
        counter = getattr(view, "count_listed", None)
        count = counter(queryset) if counter is not None else None
        if self.page_query_param in request.query_params:  # numbered: the page's ids first (keyset.read)
            return super().paginate_queryset(keyset.Deferred(queryset, count=count), request, view)
        self.request = request
        cursor = request.query_params.get(self.cursor_query_param)
        try:
            self.keyset = keyset.page(queryset, column=self.keyset_column, size=self.get_page_size(request),
                                      name=self.keyset_name, cursor=cursor or None,
                                      last=self._last(request))
        except keyset.BadCursor:
            raise NotFound(CursorPagination.invalid_cursor_message) from None  # DRF's message, translated
        self.count = count if count is not None else queryset.count()
        return list(self.keyset.object_list)

    @staticmethod
    def _last(request):
        value = request.query_params.get("last", "")
        if value not in ("", "1"):
            raise ValidationError({"last": [_("Give 1 for the last page, or leave it out.")]})
        return value == "1"

    def get_paginated_response(self, data):
        if self.keyset is None:
            return super().get_paginated_response(data)
        return Response({"count": self.count, "next": self._link(self.keyset.next_cursor),
                         "previous": self._link(self.keyset.previous_cursor), "results": data})

    def _link(self, cursor):
        if not cursor:
            return None
        url = self.request.build_absolute_uri()
        url = remove_query_param(url, "last")
        return replace_query_param(url, self.cursor_query_param, cursor)

    def get_schema_operation_parameters(self, view):
        return super().get_schema_operation_parameters(view) + [
            {"name": self.cursor_query_param, "required": False, "in": "query",
             "description": "Position handed out in `next` / `previous` (keyset paging).",
             "schema": {"type": "string"}},
            {"name": "last", "required": False, "in": "query", "description": "1: the last page.",
             "schema": {"type": "integer", "enum": [1]}, "allowEmptyValue": True},
        ]
