"""Keyset paging (issue 18): a list ordered newest first by a column and then by id is paged forward and
back from the last row shown — `WHERE (column, id) < (the row's)` — instead of skipping N rows with
OFFSET, so that page 800 costs what page 1 costs, and no row is skipped or shown twice when rows are
added (or removed) between two pages.

The cursor a page hands out is signed (django.core.signing): it names a position (the sort value and
id of a row), never a record the reader may not see — the query it starts is the caller's own, already
narrowed to what the user may see — and a forged or stale cursor is refused, not followed.

This layer imports no other Nicat app (Django only)."""
import datetime
from dataclasses import dataclass, field

from django.core import signing
from django.db.models import Q

_SALT = "nicat.core.keyset"


class BadCursor(ValueError):
    """A cursor that was not made by `encode` (edited, truncated, of another list)."""


def encode(direction, value, pk, *, name):
    """A cursor: the page after ("a") or before ("b") the row whose sort value is `value` and id `pk`."""
    if isinstance(value, datetime.datetime):
        value = value.isoformat()
    return signing.dumps([direction, value, pk], salt=f"{_SALT}:{name}", compress=False)


def decode(cursor, *, name):
    try:
        direction, value, pk = signing.loads(cursor, salt=f"{_SALT}:{name}")
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise BadCursor(str(error)) from None
    if direction not in ("a", "b") or not isinstance(pk, int):
        raise BadCursor("not a position")
    return direction, value, pk


@dataclass
class Page:
    object_list: list
    has_next: bool
    has_previous: bool
    next_cursor: str | None = None
    previous_cursor: str | None = None
    extra: dict = field(default_factory=dict)

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)


def page(queryset, *, column, size, name, cursor=None, last=False):
    """One page of `queryset` in the order (-column, -id): the first, the one after or before the
    position `cursor` names, or (`last`) the last. `name` keeps one list's cursors out of another's.
    Raises BadCursor for a cursor this list did not hand out."""
    desc = queryset.order_by(f"-{column}", "-pk")
    asc = queryset.order_by(column, "pk")
    if cursor:
        direction, raw, pk = decode(cursor, name=name)
        value = _value(queryset.model, column, raw)
        if direction == "a":   # older rows: (column, id) < (value, pk)
            rows = read(desc.filter(Q(**{f"{column}__lt": value}) | Q(**{column: value, "pk__lt": pk}))
                        .filter(**{f"{column}__lte": value}), 0, size + 1)
            more, rows = len(rows) > size, rows[:size]
            has_previous = _exists(desc, column, rows[0] if rows else None, value, pk, newer=True)
            has_next = more
        else:                  # newer rows: (column, id) > (value, pk), read upwards and shown newest first
            rows = read(asc.filter(Q(**{f"{column}__gt": value}) | Q(**{column: value, "pk__gt": pk}))
                        .filter(**{f"{column}__gte": value}), 0, size + 1)
            more, rows = len(rows) > size, rows[:size][::-1]
            has_next = _exists(desc, column, rows[-1] if rows else None, value, pk, newer=False)
            has_previous = more
    elif last:
        rows = read(asc, 0, size + 1)
        has_previous, rows, has_next = len(rows) > size, rows[:size][::-1], False
    else:
        rows = read(desc, 0, size + 1)
        has_next, rows, has_previous = len(rows) > size, rows[:size], False
    return around(rows, has_next=has_next, has_previous=has_previous, column=column, name=name)


def read(ordered, start, stop):
    """`ordered[start:stop]` in two reads: the ids of those rows, then the rows by id (in that order).

    The first read is all a walk through the list needs — the sort column, the id and what the caller's
    narrowing asks (for the case list, the owning institution: the index `cases_list_order` holds all
    three) — so the database can answer it from the index alone, without fetching each row it passes
    over; a page far into a list where the reader sees a fiftieth of the rows passes over hundreds of
    thousands. A row gone between the two reads is left out."""
    ids = list(ordered.prefetch_related(None).values_list("pk", flat=True)[start:stop])
    if not ids:
        return []
    by_id = {row.pk: row for row in ordered.filter(pk__in=ids)}
    return [by_id[pk] for pk in ids if pk in by_id]


class Deferred:
    """An ordered queryset as django.core.paginator.Paginator sees it, for numbered pages (OFFSET): a page
    is read with `read` (the ids first), and the count is the one given or counted once."""

    def __init__(self, ordered, count=None):
        self.queryset, self._count = ordered, count

    def count(self):
        if self._count is None:
            self._count = self.queryset.count()
        return self._count

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            raise TypeError("Deferred pages are read by slices")
        return read(self.queryset, index.start or 0, index.stop)


def around(rows, *, has_next, has_previous, column, name):
    """A Page of `rows` (already read) with the cursors of the pages before and after them."""
    result = Page(rows, has_next=has_next, has_previous=has_previous)
    if rows:
        if has_next:
            result.next_cursor = encode("a", getattr(rows[-1], column), rows[-1].pk, name=name)
        if has_previous:
            result.previous_cursor = encode("b", getattr(rows[0], column), rows[0].pk, name=name)
    return result


def _exists(desc, column, row, value, pk, *, newer):
    """Whether a row lies beyond `row` (or beyond the cursor's position when the page came out empty)
    on the other side: newer (before the page) or older (after it)."""
    if row is not None:
        value, pk = getattr(row, column), row.pk
    if newer:
        beyond = desc.filter(Q(**{f"{column}__gt": value}) | Q(**{column: value, "pk__gt": pk})).filter(
            **{f"{column}__gte": value})
    else:
        beyond = desc.filter(Q(**{f"{column}__lt": value}) | Q(**{column: value, "pk__lt": pk})).filter(
            **{f"{column}__lte": value})
    return beyond.exists()


def _value(model, column, raw):
    model_field = model._meta.get_field(column)
    try:
        return model_field.to_python(raw)
    except Exception as error:  # a signed value of another type: a cursor of another list
        raise BadCursor(str(error)) from None
