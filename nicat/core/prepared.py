"""Queries composed once and run many times: the hot reads of every request (the token, the user's
memberships, the case a page or the API shows) without paying Django's SQL composition each time.

Composing a queryset and compiling it to SQL costs far more CPU than the database spends answering
a lookup by key: the case read with the access rule's subqueries and five joined tables took ~8 ms
of a ~22 ms API read to compose, against well under a millisecond to run. Here a query is built once
with *sentinel* values standing for what varies between requests (a uuid, a user id, a time),
compiled, and the positions of the sentinels among the SQL parameters are remembered. Each later
run puts the real values at those positions and executes the same SQL; the rows become model
instances exactly as the ORM would make them (the same converters, `select_related` populators,
`from_db`), so decrypting fields and the rest of the model behave as before.

What makes a cached query correct is its key: everything that shapes the SQL other than the slot
values must be in it (the caller's name for the query, and e.g. the user's memberships for a query
written by the access policy). `prepare` refuses (and the caller runs the ordinary queryset) when
the build read the database (a value read at build time would be frozen into the SQL) or when a
parameter is a date or time that is not the present moment: with `now=True` the present moment,
as the build saw it, is a slot refreshed on every run (a consent's expiry is compared with the time
of the read, not of the first read).

The cache is kept per database connection object — Django gives each thread its own — so no lock is
needed and the converters and populators, which hold the connection, are never shared between threads.

On PostgreSQL the database, too, keeps what it can of a hot read: `cursor()` gives a cursor whose
statements are bound on the server and *prepared* once per connection (psycopg's `prepare=True`), so
PostgreSQL parses and plans each of them once, not at every request. Planning the case read with the
access rule's subqueries cost the server more than running it (~1.3 ms against ~0.3 ms): prepared, the
server's CPU per audited read fell from ~4.4 ms to ~1.5 ms (docs/performance.md). Only these few
queries are prepared — the ones whose shape is fixed and whose plan does not depend on the values (a
lookup by key) — not Django's cursors in general: a prepared search over a million persons would keep a
generic plan blind to how rare a token is. `NICAT_DB_PREPARE=0` turns it off (a connection pooler that
cannot keep prepared statements, such as PgBouncer before 1.21 in transaction mode).
"""
import datetime
import functools
import re
import secrets
import uuid
from collections import OrderedDict

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]
from django.utils import timezone

# The privacy layer's unwrapping of the person keys of fetched rows (nicat.privacy.fields.sealed_columns and
# unwrap_keys_of), registered by PrivacyConfig.ready: core does not import the layer above it.
_key_unwrapping = None


def register_key_unwrapping(sealed_columns, unwrap_keys_of):
    """`sealed_columns(expressions)` -> the positions of encrypted columns; `unwrap_keys_of(rows, positions)` unwraps
    their person keys in one query, before the converters open the values."""
    global _key_unwrapping
    _key_unwrapping = (sealed_columns, unwrap_keys_of)


CACHE_SIZE = 512  # queries per connection (a key per user for policy-shaped queries)

_EMPTY = object()  # a query that can match nothing (`.none()`): no SQL at all
_REFUSED = object()  # not cacheable: run the ordinary queryset
_SQLITE_DATETIME = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d{1,6})?)?\Z")
_SQLITE_DATE = re.compile(r"\d{4}-\d\d-\d\d\Z")


class Slot:
    """A value that varies between runs, compared with `field` in the query: the field turns it into
    its database form as the ORM would (a uuid into hex on SQLite, a datetime into UTC text …). A
    random *sentinel* of the field's kind stands for it in the build."""

    __slots__ = ("field", "sentinel")

    def __init__(self, field):
        self.field = field
        target = getattr(field, "target_field", field)  # a foreign key compares its target's values
        internal = target.get_internal_type()
        if internal == "UUIDField":
            self.sentinel = uuid.uuid4()
        elif internal.endswith("IntegerField") or internal.endswith("AutoField"):
            self.sentinel = secrets.randbelow(2 ** 40) + 2 ** 41
        elif internal == "DateTimeField":
            self.sentinel = datetime.datetime(2999, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(
                microseconds=secrets.randbelow(10 ** 12))
        elif internal in ("CharField", "TextField", "SlugField"):
            self.sentinel = "sentinel-" + secrets.token_hex(16)
        else:
            raise TypeError(f"No sentinel for a {internal} slot")

    def prep(self, value, connection):
        return self.field.get_db_prep_value(value, connection, prepared=False)


class _Entry:
    __slots__ = ("sql", "params", "slots", "now_positions", "model", "init_list", "start", "end", "populators",
                 "converters", "compiler", "sealed")


def _cache(connection):
    cache = connection.__dict__.get("_nicat_prepared")
    if cache is None:
        cache = connection.__dict__["_nicat_prepared"] = OrderedDict()
    return cache


class _Counter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _now_value(param, vendor, start, end):
    """True when `param` is the database form of a moment in [start, end]; False for any other
    parameter; None for a date or time outside it (the query cannot be cached)."""
    if isinstance(param, datetime.datetime):
        moment = param if timezone.is_aware(param) else param.replace(tzinfo=datetime.timezone.utc)
        return True if start <= moment <= end else None
    if isinstance(param, (datetime.date, datetime.time)):
        return None
    if vendor == "sqlite" and isinstance(param, str):
        if _SQLITE_DATETIME.match(param):
            moment = datetime.datetime.fromisoformat(param).replace(tzinfo=datetime.timezone.utc)
            return True if start <= moment <= end else None
        if _SQLITE_DATE.match(param):
            return None
    return False


def _build(connection, build, slots, now):
    counter = _Counter()
    start = timezone.now()
    with connection.execute_wrapper(counter):
        queryset = build(**{name: slot.sentinel for name, slot in slots.items()})
        compiler = queryset.query.get_compiler(connection=connection)
        if type(compiler) is not connection.ops.compiler("SQLCompiler"):  # a plain SELECT only
            return _REFUSED
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return _EMPTY if not counter.count else _REFUSED
    end = timezone.now()
    if counter.count or compiler.annotation_col_map or queryset._prefetch_related_lookups or (
            queryset._known_related_objects) or queryset._fields is not None:
        return _REFUSED
    params = list(params)
    entry = _Entry()
    entry.slots = []
    taken = set()
    for name, slot in slots.items():
        prepped = slot.prep(slot.sentinel, connection)
        positions = [i for i, p in enumerate(params) if type(p) is type(prepped) and p == prepped]
        if not positions:
            return _REFUSED
        entry.slots.append((name, slot, positions))
        taken.update(positions)
    entry.now_positions = []
    for i, param in enumerate(params):
        if i in taken:
            continue
        found = _now_value(param, connection.vendor, start, end)
        if found is None or (found and not now):
            return _REFUSED
        if found:
            entry.now_positions.append(i)
    select, klass_info = compiler.select, compiler.klass_info
    entry.sql, entry.params, entry.compiler = sql, params, compiler
    entry.model = klass_info["model"]
    select_fields = klass_info["select_fields"]
    entry.start, entry.end = select_fields[0], select_fields[-1] + 1
    entry.init_list = [f[0].target.attname for f in select[entry.start:entry.end]]
    entry.populators = get_related_populators(klass_info, select, connection.alias)
    entry.converters = list(compiler.get_converters([s[0] for s in select[0:compiler.col_count]]).items())
    entry.sealed = _key_unwrapping[0]([s[0] for s in select[0:compiler.col_count]]) if _key_unwrapping else []
    return entry


def fetch(key, build, *, slots=None, values=None, now=False, using="default"):
    """The model instances of the query `build(**sentinels)` run with `values`, compiled once per
    `key` (and connection). `slots`: {name: Slot}; `values`: {name: value} for the run. `now`: the
    present moment may appear in the query (see the module's docstring)."""
    slots = slots or {}
    values = values or {}
    connection = connections[using]
    cache = _cache(connection)
    full_key = (key, tuple(slots))
    entry = cache.get(full_key)
    if entry is None:
        entry = _build(connection, build, slots, now)
        cache[full_key] = entry
        if len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
    else:
        cache.move_to_end(full_key)
    if entry is _EMPTY:
        return []
    if entry is _REFUSED:
        return list(build(**values))
    params = list(entry.params)
    for name, slot, positions in entry.slots:
        value = slot.prep(values[name], connection)
        for i in positions:
            params[i] = value
    if entry.now_positions:
        moment = connection.ops.adapt_datetimefield_value(timezone.now())
        for i in entry.now_positions:
            params[i] = moment
    with cursor(using) as db_cursor:
        db_cursor.execute(entry.sql, params)
        rows = db_cursor.fetchall()
    if entry.sealed:  # the person keys of every row in one query, as an ordinary queryset (nicat.privacy.fields)
        _key_unwrapping[1](rows, entry.sealed)  # type: ignore[index]
    if entry.converters:
        rows = _convert(rows, entry.converters, connection)
    db, model, init_list, start, end = connection.alias, entry.model, entry.init_list, entry.start, entry.end
    objects = []
    for row in rows:
        obj = model.from_db(db, init_list, row[start:end])
        for populator in entry.populators:
            populator.populate(row, obj)
        objects.append(obj)
    return objects


def cursor(using="default"):
    """A cursor of the `using` connection, as `connection.cursor()` gives (Django's error wrapping, its
    query log, the execute wrappers), whose statements PostgreSQL prepares: each distinct SQL text is
    parsed and planned once per connection and then only executed (see the module's docstring). On
    SQLite, or with NICAT_DB_PREPARE off, the ordinary cursor (SQLite keeps its own statement cache)."""
    connection = connections[using]
    if connection.vendor != "postgresql" or not getattr(settings, "NICAT_DB_PREPARE", True):
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = connection.connection
        if raw.prepare_threshold is None:
            # Django turns psycopg's statement cache off (a threshold of None: nothing is ever prepared, even
            # when asked). Only this cursor asks; Django's own cursors bind on the client and are never
            # prepared, so a count no statement reaches keeps psycopg from preparing anything else.
            raw.prepare_threshold = 2 ** 31 - 1
        prepared_cursor = _preparing_cursor()(raw)
    connection.validate_thread_sharing()
    if connection.queries_logged:
        return _LoggedPrepared(prepared_cursor, connection)
    return connection.make_cursor(prepared_cursor)


class _LoggedPrepared(CursorDebugWrapper):
    """Django's logging cursor (debug, tests) for a prepared statement: psycopg keeps no text of a statement
    it runs by name, so the log shows the SQL as written, with its placeholders, and the parameters apart."""

    def execute(self, sql, params=None):
        with self.debug_sql(sql, params):
            return CursorWrapper.execute(self, sql, params)


@functools.cache
def _preparing_cursor():
    """Django's server-binding cursor class with every statement prepared (psycopg: `prepare=True`)."""
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

    return PreparingCursor


def _convert(rows, converters, connection):
    out = []
    for row in rows:
        row = list(row)
        for pos, (convs, expression) in converters:
            value = row[pos]
            for converter in convs:
                value = converter(value, expression, connection)
            row[pos] = value
        out.append(row)
    return out


def clear(using="default"):
    """Forget the queries compiled on this thread's connection (tests that change the rules)."""
    _cache(connections[using]).clear()
